//! Planning a build: how much the builder reads, whether one invocation can build the file, and
//! otherwise how to cut it into units of bounded input.
//!
//! DWARF is cut at compilation-unit boundaries into spans of `.debug_info` of about `unit_bytes`
//! each. The unit starts come from `.debug_aranges` when the file has it (one small section:
//! GCC and dsymutil write it), otherwise from walking the unit headers of `.debug_info` through
//! large pages (each header gives the next unit's offset; the pages are read once, in order, and
//! dropped). Symbol tables are cut into index ranges. Compressed sections too large to inflate in
//! a unit's memory must be materialized (inflated into their own object) first.

use crate::dwarf::MAX_RESIDENT_DECOMPRESSED;
use crate::error::{Error, ErrorKind, Result};
use crate::objfile::{Compression, ObjectInfo};
use crate::reader::Bytes;
use crate::store::{SectionData, Store};
use gimli::RunTimeEndian;

/// DWARF sections a build reads, in the order of the section codes the host uses.
pub const SECTION_NAMES: [&str; 9] = [
    ".debug_abbrev",
    ".debug_addr",
    ".debug_info",
    ".debug_line",
    ".debug_line_str",
    ".debug_str",
    ".debug_str_offsets",
    ".debug_ranges",
    ".debug_rnglists",
];

/// One unit of work: a span of `.debug_info` offsets, or of symbol-table indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSpan {
    Dwarf {
        from: u64,
        to: u64,
    },
    Symbols {
        from: u64,
        to: u64,
    },
    /// A span of a Breakpad file's body, starting at a FUNC or PUBLIC line.
    Breakpad {
        from: u64,
        to: u64,
    },
    /// Modules `[from, to)` of a PDB's DBI module list.
    PdbModules {
        from: u64,
        to: u64,
    },
    /// A PDB's public symbols at image-relative addresses `[from, to)`.
    PdbPublics {
        from: u64,
        to: u64,
    },
}

pub struct Plan {
    pub input_bytes: u64,
    pub fast: bool,
    /// Compressed sections to inflate into their own objects first (name, offset, size, inflated size, zstd?).
    pub materialize: Vec<(String, u64, u64, u64, bool)>,
    pub units: Vec<UnitSpan>,
    pub unit_offsets: Vec<usize>,
    pub sup_unit_offsets: Vec<usize>,
}

pub struct Limits {
    /// A file whose builder input is at most this many bytes is built in one invocation.
    pub fast_bytes: u64,
    /// Bytes of `.debug_info` per unit.
    pub unit_bytes: u64,
    /// Symbol-table entries per unit.
    pub symbols_per_unit: u64,
}

/// Bytes of the sections the builder reads.
pub fn input_bytes(obj: &ObjectInfo) -> u64 {
    let dwarf: u64 = SECTION_NAMES
        .iter()
        .filter_map(|n| obj.section(n))
        .map(|s| s.data_size)
        .sum();
    dwarf + symbol_bytes(obj)
}

fn symbol_bytes(obj: &ObjectInfo) -> u64 {
    match &obj.symbols {
        crate::objfile::SymbolTable::Elf {
            count,
            entsize,
            strings_size,
            ..
        } => count * entsize + strings_size,
        crate::objfile::SymbolTable::MachO {
            count,
            strings_size,
            ..
        } => count * if obj.is64 { 16 } else { 12 } + strings_size,
        _ => 0,
    }
}

/// Plans the build of `obj` (and of its dwz alternate file `alt`, when given). `materialized`
/// names the sections the host already holds inflated.
pub fn plan(
    obj: &ObjectInfo,
    alt: Option<&ObjectInfo>,
    materialized: &[(String, u32)],
    limits: &Limits,
) -> Result<Plan> {
    let input = input_bytes(obj) + alt.map_or(0, input_bytes);
    let mut plan = Plan {
        input_bytes: input,
        fast: input <= limits.fast_bytes,
        materialize: Vec::new(),
        units: Vec::new(),
        unit_offsets: Vec::new(),
        sup_unit_offsets: Vec::new(),
    };
    if plan.fast {
        return Ok(plan);
    }
    for name in SECTION_NAMES {
        if let Some(s) = obj.section(name) {
            let held = materialized.iter().any(|(n, _)| n == name);
            if s.compression != Compression::None
                && s.data_size > MAX_RESIDENT_DECOMPRESSED
                && !held
            {
                plan.materialize.push((
                    name.to_string(),
                    s.offset,
                    s.size,
                    s.data_size,
                    s.compression == Compression::Zstd,
                ));
            }
        }
    }
    if let Some(alt) = alt {
        if SECTION_NAMES
            .iter()
            .filter_map(|n| alt.section(n))
            .any(|s| s.compression != Compression::None && s.data_size > MAX_RESIDENT_DECOMPRESSED)
        {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "the dwz alternate file has compressed debug sections too large to inflate; upload it uncompressed",
            ));
        }
    }
    if !plan.materialize.is_empty() {
        return Ok(plan); // the host inflates them, then plans again
    }

    if obj.has_dwarf() {
        plan.unit_offsets = unit_starts(obj, materialized)?;
        let info_size = info_size(obj);
        let offsets = &plan.unit_offsets;
        let mut start = offsets.first().copied().unwrap_or(0);
        for i in 1..=offsets.len() {
            let boundary = offsets.get(i).copied().unwrap_or(info_size);
            if (boundary - start) as u64 >= limits.unit_bytes || i == offsets.len() {
                if boundary > start {
                    plan.units.push(UnitSpan::Dwarf {
                        from: start as u64,
                        to: boundary as u64,
                    });
                }
                start = boundary;
            }
        }
        if let Some(alt) = alt {
            plan.sup_unit_offsets = all_unit_starts(alt, &[])?;
        }
    }
    let symbols = obj.symbols.len();
    let per = limits.symbols_per_unit.max(1);
    let mut from = 0;
    while from < symbols {
        let to = (from + per).min(symbols);
        plan.units.push(UnitSpan::Symbols { from, to });
        from = to;
    }
    Ok(plan)
}

fn info_size(obj: &ObjectInfo) -> usize {
    obj.section(".debug_info")
        .map_or(0, |s| s.data_size as usize)
}

fn endian(obj: &ObjectInfo) -> RunTimeEndian {
    if obj.little_endian {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    }
}

/// Unit starts to cut at: from `.debug_aranges` (plus 0), else every unit's.
fn unit_starts(obj: &ObjectInfo, materialized: &[(String, u32)]) -> Result<Vec<usize>> {
    if let Some(aranges) = obj
        .section(".debug_aranges")
        .filter(|s| s.compression == Compression::None)
    {
        let mut store = Store::new(20, 16 << 20);
        let section = store.add(SectionData::Host {
            source: obj.source,
            base: aranges.offset,
            size: aranges.size as usize,
        });
        let reader = Bytes::section(&store, section, endian(obj));
        let mut starts = vec![0usize];
        let mut headers = gimli::DebugAranges::from(reader).headers();
        while let Ok(Some(h)) = headers.next() {
            starts.push(h.debug_info_offset().0);
        }
        let size = info_size(obj);
        starts.retain(|&o| o < size);
        starts.sort_unstable();
        starts.dedup();
        if starts.len() > 1 {
            return Ok(starts);
        }
    }
    all_unit_starts(obj, materialized)
}

/// Every unit's start, from the chain of unit headers, read through 4 MiB pages in order.
fn all_unit_starts(obj: &ObjectInfo, materialized: &[(String, u32)]) -> Result<Vec<usize>> {
    let mut store = Store::new(22, 8 << 20);
    let sections = crate::dwarf::Sections::load(obj, &mut store, materialized)?;
    let dwarf = sections.dwarf(&store, endian(obj));
    let mut out = Vec::new();
    let mut units = dwarf.units();
    while let Ok(Some(h)) = units.next() {
        if let Some(o) = h.offset().as_debug_info_offset() {
            out.push(o.0);
        }
        if out.len() % 1024 == 0 {
            store.relieve();
        }
    }
    Ok(out)
}

impl Plan {
    /// The plan as JSON for the host (numbers only, no strings but section names).
    pub fn to_json(&self) -> String {
        let nums = |v: &[usize]| {
            v.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let units = self
            .units
            .iter()
            .map(|u| match u {
                UnitSpan::Dwarf { from, to } => format!("[1,{},{}]", from, to),
                UnitSpan::Symbols { from, to } => format!("[2,{},{}]", from, to),
                UnitSpan::Breakpad { from, to } => format!("[3,{},{}]", from, to),
                UnitSpan::PdbModules { from, to } => format!("[4,{},{}]", from, to),
                UnitSpan::PdbPublics { from, to } => format!("[5,{},{}]", from, to),
            })
            .collect::<Vec<_>>()
            .join(",");
        let materialize = self
            .materialize
            .iter()
            .map(|(name, offset, size, data, zstd)| {
                format!(
                    "{{\"section\":{},\"offset\":{},\"size\":{},\"dataSize\":{},\"compression\":\"{}\"}}",
                    SECTION_NAMES.iter().position(|n| n == name).unwrap_or(0),
                    offset,
                    size,
                    data,
                    if *zstd { "zstd" } else { "zlib" }
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        format!(
            "{{\"inputBytes\":{},\"fast\":{},\"materialize\":[{}],\"units\":[{}],\"unitOffsets\":[{}],\"supUnitOffsets\":[{}]}}",
            self.input_bytes,
            self.fast,
            materialize,
            units,
            nums(&self.unit_offsets),
            nums(&self.sup_unit_offsets)
        )
    }
}
