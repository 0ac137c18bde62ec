//! # symcache: debug files of any size -> paged symcaches, inside 128 MB Worker isolates
//!
//! Input: an ELF, thin Mach-O, PE (MinGW DWARF) or WASM file with DWARF 2-5 and/or a symbol
//! table, a Breakpad `.sym` file or a Windows PDB, optionally with its dwz alternate file. The
//! builder never holds the file: it reads byte ranges through the host (`host.rs`) into a
//! bounded page cache (`store.rs`), so its memory depends on what one compilation unit (or
//! PDB module) needs, not on the file.
//!
//! Output: a symcache answering "image-relative address -> frames (function, file, line),
//! innermost inlined frame first", as a sequence of self-contained pages (`page.rs`); the host
//! compresses them and writes the container (index and trailer; docs/symcache-format.md).
//!
//! ## One piece or many
//!
//! `plan` measures what the builder reads. Up to a limit, `build_whole` builds the file in one
//! call. Beyond it, the file is cut into units (`plan.rs`: spans of compilation units, ranges of
//! the symbol table); each `build_unit` call writes a sorted run of its records, and `merge_runs`
//! calls merge runs, level by level, the last one writing the symcache pages. Conflicts between
//! records (duplicate ranges across units, symbol aliases, symbol names for DWARF ranges,
//! overlapping functions) are settled only in the final merge (`merge.rs`), so a file built in
//! one piece and the same file built in parts give the same bytes.
//!
//! ## How DWARF is walked
//!
//! One compilation unit at a time with gimli's raw entry reader; the unit's line rows and
//! per-unit caches are dropped before the next one. Cross-unit references are read on demand.
//! Bad units or DIEs are skipped, never the file. See `dwarf.rs` and `writer.rs`.

mod breakpad;
mod demangle;
mod dwarf;
mod error;
pub mod ffi;
mod hash;
mod hidden;
pub mod host;
mod lang;
pub mod merge;
mod msvc_demangle;
mod objfile;
pub mod page;
mod pdb;
pub mod plan;
mod ppdb;
mod reader;
mod store;
mod symbols;
mod wasm;
pub mod writer;
mod zstd;

pub use error::{Error, ErrorKind, Result};

use host::SourceId;
use merge::{merge, ChunkSource, DwarfReadStats, MergeStats, Mode, RunSource, Source};
use plan::{Limits, Plan, UnitSpan};
use std::sync::Arc;
use store::Store;
use writer::Writer;

/// Deeper inline chains are cut (Breakpad INLINE bombs; Chromium's real maximum is about 60).
pub const MAX_INLINE_DEPTH: u32 = 128;

/// The debug file is source 0; its dwz alternate file, when there is one, source 1.
pub const MAIN: SourceId = 0;
pub const ALT: SourceId = 1;

/// Pages of the input cache: 256 KiB, about 24 MiB of them held between units.
const PAGE_SHIFT: u32 = 18;
const PAGE_BUDGET: usize = 24 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// ELF, Mach-O, PE or WASM.
    Object,
    /// Breakpad `.sym` text.
    Breakpad,
    /// A Windows PDB (MSF 7.00): procedures, C13 lines, inline sites and publics (`pdb/`), read
    /// by range; built in parts (runs of module streams, then the publics) beyond the one-piece
    /// limit.
    Pdb,
    /// A Portable PDB (.NET), or a .NET PE that embeds one (`ppdb/`). Held whole.
    PortablePdb,
}

/// What a build step reads.
pub struct Input {
    pub kind: InputKind,
    pub main_size: u64,
    /// Size of the dwz alternate file (source 1), when it was uploaded.
    pub alt_size: Option<u64>,
    /// Sections the host holds inflated: (name, source).
    pub materialized: Vec<(String, SourceId)>,
    /// The BCSymbolMap of a bitcode build's dSYM, (source, size): its `__hidden#N_` names are
    /// resolved through it (`hidden.rs`).
    pub symbol_map: Option<(SourceId, u64)>,
}

/// Plans the build: one piece, or units (`plan.rs`).
pub fn plan_build(input: &Input, limits: &Limits) -> Result<Plan> {
    match input.kind {
        InputKind::Breakpad => {
            let (store, section) = breakpad_store(input, 22);
            let layout = breakpad::layout(&store, section)?;
            let fast = input.main_size <= limits.fast_bytes;
            let units = if fast {
                Vec::new()
            } else {
                breakpad::spans(&store, section, layout, limits.unit_bytes)
                    .into_iter()
                    .map(|(from, to)| UnitSpan::Breakpad { from, to })
                    .collect()
            };
            Ok(Plan {
                input_bytes: input.main_size,
                fast,
                materialize: Vec::new(),
                units,
                unit_offsets: Vec::new(),
                sup_unit_offsets: Vec::new(),
            })
        }
        InputKind::PortablePdb => ppdb::plan(input.main_size),
        InputKind::Pdb => {
            let fast = input.main_size <= limits.fast_bytes;
            let units = if fast {
                Vec::new()
            } else {
                pdb::plan_parts(input.main_size, limits.unit_bytes, limits.symbols_per_unit)?
                    .into_iter()
                    .map(|part| match part {
                        pdb::Part::Modules { from, to } => UnitSpan::PdbModules {
                            from: from as u64,
                            to: to as u64,
                        },
                        pdb::Part::Publics { from, to } => UnitSpan::PdbPublics { from, to },
                        pdb::Part::Whole => unreachable_span(),
                    })
                    .collect()
            };
            Ok(Plan {
                input_bytes: input.main_size,
                fast,
                materialize: Vec::new(),
                units,
                unit_offsets: Vec::new(),
                sup_unit_offsets: Vec::new(),
            })
        }
        InputKind::Object => {
            let obj = objfile::open(MAIN, input.main_size)?;
            let alt = match input.alt_size {
                Some(size) => Some(objfile::open(ALT, size)?),
                None => None,
            };
            plan::plan(&obj, alt.as_ref(), &input.materialized, limits)
        }
    }
}

/// Builds the whole file in one call; the final pages go to the host.
pub fn build_whole(input: &Input) -> Result<MergeStats> {
    hidden::load(input.symbol_map)?;
    let mut writer = Writer::default();
    match input.kind {
        InputKind::Breakpad => {
            let (store, section) = breakpad_store(input, PAGE_SHIFT);
            let layout = breakpad::layout(&store, section)?;
            breakpad::build_span(
                &store,
                section,
                layout,
                layout.header_end,
                layout.body_end,
                &mut writer,
            )?;
        }
        InputKind::Pdb => {
            pdb::build(input.main_size, pdb::Part::Whole, &mut writer)?;
        }
        InputKind::PortablePdb => {
            let data = objfile::read_exact(MAIN, 0, input.main_size as usize, "Portable PDB file")?;
            let stats = ppdb::build(&data, &mut writer)?;
            let mut merged = merge_writer(writer, Mode::Resolve)?;
            merged.il_offset_bits = stats.il_offset_bits;
            return Ok(merged);
        }
        InputKind::Object => {
            let obj = objfile::open(MAIN, input.main_size)?;
            let dwarf = if obj.has_dwarf() {
                walk_dwarf(&obj, input, None, &mut writer)?
            } else {
                DwarfReadStats::default()
            };
            if dwarf.none_readable() && obj.symbols.len() == 0 {
                return Err(Error::new(
                    ErrorKind::BadDebugInfo,
                    "the DWARF debug information could not be read, and the file has no symbol table to fall back on",
                ));
            }
            add_symbols(&obj, 0, obj.symbols.len(), &mut writer)?;
            let mut stats = merge_writer(writer, Mode::Resolve)?;
            stats.dwarf = dwarf;
            return Ok(stats);
        }
    }
    merge_writer(writer, Mode::Resolve)
}

/// Builds `data` in one piece with the native host and returns the raw final pages (tests).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn build_in_memory(data: &[u8], kind: InputKind) -> Result<Vec<Vec<u8>>> {
    host::native::set_sources(vec![data.to_vec()]);
    build_whole(&Input {
        kind,
        main_size: data.len() as u64,
        alt_size: None,
        materialized: Vec::new(),
        symbol_map: None,
    })?;
    Ok(host::native::take_outputs()
        .into_iter()
        .filter(|o| o.0 == host::STREAM_PAGE)
        .map(|o| o.1)
        .collect())
}

/// What a unit covers, and the unit starts for cross-unit references.
pub struct UnitTask {
    /// The unit's place in the build (orders its records among all units').
    pub index: u32,
    pub span: UnitSpan,
    pub unit_offsets: Vec<usize>,
    pub sup_unit_offsets: Vec<usize>,
}

/// Builds one unit and writes its sorted run to the host.
pub fn build_unit(input: &Input, task: UnitTask) -> Result<MergeStats> {
    hidden::load(input.symbol_map)?;
    if let UnitSpan::Breakpad { from, to } = task.span {
        let mut writer = Writer::default();
        writer.unit = task.index;
        let (store, section) = breakpad_store(input, PAGE_SHIFT);
        let layout = breakpad::layout_of_span(&store, section, from)?;
        breakpad::build_span(&store, section, layout, from, to, &mut writer)?;
        return merge_writer(writer, Mode::KeepAll);
    }
    let pdb_part = match task.span {
        UnitSpan::PdbModules { from, to } => Some(pdb::Part::Modules {
            from: usize::try_from(from).unwrap_or(usize::MAX),
            to: usize::try_from(to).unwrap_or(usize::MAX),
        }),
        UnitSpan::PdbPublics { from, to } => Some(pdb::Part::Publics { from, to }),
        _ => None,
    };
    if let (Some(part), InputKind::Pdb) = (pdb_part, input.kind) {
        let mut writer = Writer::default();
        writer.unit = task.index;
        pdb::build(input.main_size, part, &mut writer)?;
        return merge_writer(writer, Mode::KeepAll);
    }
    if input.kind != InputKind::Object || pdb_part.is_some() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "this span is not one of an object file",
        ));
    }
    let obj = objfile::open(MAIN, input.main_size)?;
    let mut writer = Writer::default();
    writer.unit = task.index;
    let mut dwarf = DwarfReadStats::default();
    match task.span {
        UnitSpan::Dwarf { from, to } => {
            let offsets = Some((task.unit_offsets, task.sup_unit_offsets));
            dwarf = walk_dwarf(
                &obj,
                input,
                Some((from as usize, to as usize, offsets)),
                &mut writer,
            )?;
        }
        UnitSpan::Symbols { from, to } => add_symbols(&obj, from, to, &mut writer)?,
        UnitSpan::Breakpad { .. } | UnitSpan::PdbModules { .. } | UnitSpan::PdbPublics { .. } => {
            unreachable_span()
        }
    }
    let mut stats = merge_writer(writer, Mode::KeepAll)?;
    stats.dwarf = dwarf;
    Ok(stats)
}

/// Merges runs (host sources, with their sizes); `last`: write the final pages.
pub fn merge_runs(inputs: &[(SourceId, u64)], last: bool, block: usize) -> Result<MergeStats> {
    let mut sources: Vec<RunSource> = inputs
        .iter()
        .map(|&(s, size)| RunSource::new(s, size, block))
        .collect();
    let mut refs: Vec<&mut dyn Source> = sources.iter_mut().map(|s| s as &mut dyn Source).collect();
    merge(&mut refs, if last { Mode::Resolve } else { Mode::KeepAll })
}

/// A store over the Breakpad file (source 0) with pages of `1 << page_shift` bytes.
fn breakpad_store(input: &Input, page_shift: u32) -> (Store, u32) {
    let mut store = Store::new(page_shift, PAGE_BUDGET);
    let section = store.add(store::SectionData::Host {
        source: MAIN,
        base: 0,
        size: input.main_size as usize,
    });
    (store, section)
}

#[cold]
/// Symbol-table entries `[from, to)` of `obj` into `writer`, in one piece or as a unit.
fn add_symbols(obj: &objfile::ObjectInfo, from: u64, to: u64, writer: &mut Writer) -> Result<()> {
    // Only symbol-table names carry x86 C decorations, never DWARF's.
    writer.is_windows = obj.decorated_c_names;
    for s in symbols::read(obj, from, to)? {
        writer.add_object_symbol(&s.name, s.addr, s.size, obj.symbols_rename_functions())?;
    }
    Ok(())
}

fn unreachable_span() -> ! {
    // Breakpad and PDB spans return before the object file is opened; PDB plans hold no
    // whole part.
    std::process::abort()
}

fn merge_writer(writer: Writer, mode: Mode) -> Result<MergeStats> {
    let records = writer.finish();
    let mut chunks: Vec<ChunkSource> = (0..records.num_chunks())
        .map(|chunk| ChunkSource {
            records: &records,
            chunk,
            pos: 0,
        })
        .collect();
    let mut refs: Vec<&mut dyn Source> = chunks.iter_mut().map(|s| s as &mut dyn Source).collect();
    merge(&mut refs, mode)
}

type Offsets = (Vec<usize>, Vec<usize>);

/// Walks the DWARF of `obj` (units in `[from, to)` of `.debug_info`, or all) into `writer`.
fn walk_dwarf(
    obj: &objfile::ObjectInfo,
    input: &Input,
    span: Option<(usize, usize, Option<Offsets>)>,
    writer: &mut Writer,
) -> Result<DwarfReadStats> {
    let mut store = Store::new(PAGE_SHIFT, PAGE_BUDGET);
    let sections = dwarf::Sections::load(obj, &mut store, &input.materialized)?;
    let alt = match input.alt_size {
        Some(size) => Some(open_alt(obj, size, &mut store)?),
        None => None,
    };
    let endian = if obj.little_endian {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let mut dwarf = sections.dwarf(&store, endian);
    if let Some(alt_sections) = &alt {
        dwarf.sup = Some(Arc::new(alt_sections.dwarf(&store, endian)));
    }
    let (from, to, offsets) = match span {
        Some((from, to, offsets)) => (from, to, offsets),
        None => (
            0,
            obj.section(".debug_info")
                .map_or(0, |s| s.data_size as usize),
            None,
        ),
    };
    let (units, sup_units) = match offsets {
        Some((u, s)) => (Some(u), Some(s)),
        None => (None, None),
    };
    let mut processor = dwarf::DwarfProcessor::new(&dwarf, &store, obj, units, sup_units);
    processor.process(from, to, writer);
    Ok(processor.stats)
}

/// Opens the dwz alternate file after checking that it is the one the main file names.
fn open_alt(obj: &objfile::ObjectInfo, size: u64, store: &mut Store) -> Result<dwarf::Sections> {
    let want = obj
        .alt_link
        .as_ref()
        .map(|(_, id)| id.clone())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::BadObject,
                "a dwz alternate file was passed but the object has no .gnu_debugaltlink",
            )
        })?;
    let alt = objfile::open(ALT, size).map_err(|e| {
        Error::new(
            e.kind(),
            format!("the dwz alternate file could not be read: {}", e.message()),
        )
    })?;
    if alt.build_id.as_deref() != Some(&want[..]) {
        return Err(Error::new(
            ErrorKind::BadObject,
            "the dwz alternate file's build id does not match the object's .gnu_debugaltlink",
        ));
    }
    dwarf::Sections::load(&alt, store, &[])
}
