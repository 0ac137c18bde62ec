//! DWARF 2-5 to symcache records, one compilation unit at a time.
//!
//! The sections are read through the page store (`store.rs`): a unit touches the pages of its
//! own `.debug_info` span, its abbreviations and line program, and the strings it names, never a
//! whole section. Per unit we hold only its line rows, its file-index cache and the function
//! currently being walked; everything is dropped, and the page cache trimmed, before the next
//! unit. References into other units (`DW_FORM_ref_addr` abstract origins and specifications,
//! common after LTO) are resolved by reading the one target DIE, with a tiny cache of recently
//! opened units. Bad data degrades per DIE (no name, no range) or per unit (the unit is
//! skipped), never per file.

use crate::error::{Error, ErrorKind, Result};
use crate::hash::FxHashMap;
use crate::lang::Lang;
use crate::merge::DwarfReadStats;
use crate::objfile::{Compression, ObjectInfo, SectionInfo};
use crate::reader::Bytes;
use crate::store::{SectionData, Store};
use crate::writer::{InlineRec, LineSeg, Writer, NONE};
use gimli::{AttributeValue, Reader, RunTimeEndian, SectionId, UnitOffset};

type R<'d> = Bytes<'d>;
type Unit<'d> = gimli::Unit<R<'d>>;
type Dwarf<'d> = gimli::Dwarf<R<'d>>;

const MAX_REF_HOPS: u32 = 16;
const MAX_DIE_DEPTH: usize = 4096;
const DEAD: u32 = u32::MAX;

const NEEDED: &[SectionId] = &[
    SectionId::DebugAbbrev,
    SectionId::DebugAddr,
    SectionId::DebugInfo,
    SectionId::DebugLine,
    SectionId::DebugLineStr,
    SectionId::DebugStr,
    SectionId::DebugStrOffsets,
    SectionId::DebugRanges,
    SectionId::DebugRngLists,
];

/// Compressed sections up to this size are inflated into memory; larger ones must come
/// decompressed from the host (a build in parts materializes them first).
pub const MAX_RESIDENT_DECOMPRESSED: u64 = 32 << 20;

/// Where the DWARF sections of one object are in a store.
pub struct Sections {
    ids: Vec<(SectionId, u32)>,
}

impl Sections {
    /// Adds the object's DWARF sections to `store`. `materialized` gives, per section name, a
    /// host source that holds it decompressed.
    pub fn load(
        obj: &ObjectInfo,
        store: &mut Store,
        materialized: &[(String, u32)],
    ) -> Result<Self> {
        let mut ids = Vec::new();
        for &id in NEEDED {
            let data = match materialized.iter().find(|(name, _)| name == id.name()) {
                Some(&(_, source)) => {
                    let size = obj.section(id.name()).map_or(0, |s| s.data_size) as usize;
                    SectionData::Host {
                        source,
                        base: 0,
                        size,
                    }
                }
                None => match obj.section(id.name()) {
                    Some(s) => section_data(obj, s)?,
                    None => SectionData::Memory(Box::new([])),
                },
            };
            ids.push((id, store.add(data)));
        }
        Ok(Sections { ids })
    }

    pub fn dwarf<'s>(&self, store: &'s Store, endian: RunTimeEndian) -> Dwarf<'s> {
        let empty = self.ids.first().map_or(0, |&(_, i)| i);
        let load = |id: SectionId| -> std::result::Result<R<'s>, ()> {
            let index = self.ids.iter().find(|(i, _)| *i == id).map(|&(_, s)| s);
            Ok(match index {
                Some(s) => Bytes::section(store, s, endian),
                // Sections we never read: an empty window.
                None => {
                    let mut b = Bytes::section(store, empty, endian);
                    b.empty();
                    b
                }
            })
        };
        match gimli::Dwarf::load(load) {
            Ok(d) => d,
            Err(()) => unreachable_dwarf(),
        }
    }
}

/// A section as store data: a range of the file, or its contents inflated.
fn section_data(obj: &ObjectInfo, s: &SectionInfo) -> Result<SectionData> {
    if s.compression == Compression::None {
        return Ok(SectionData::Host {
            source: obj.source,
            base: s.offset,
            size: s.size as usize,
        });
    }
    if s.data_size > MAX_RESIDENT_DECOMPRESSED {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("the compressed debug section {} inflates to {} bytes, more than this build step holds", s.name, s.data_size),
        ));
    }
    let packed = crate::objfile::read_exact(
        obj.source,
        s.offset,
        s.size as usize,
        "compressed debug section",
    )?;
    let bytes = match s.compression {
        Compression::Zlib => inflate_zlib(&s.name, &packed, s.data_size)?,
        Compression::Zstd => {
            crate::zstd::decompress(&packed, s.data_size as usize).map_err(|e| {
                Error::new(
                    ErrorKind::BadDebugInfo,
                    format!(
                        "the zstd-compressed debug section {} could not be decompressed ({})",
                        s.name, e
                    ),
                )
            })?
        }
        Compression::None => packed,
    };
    if bytes.len() as u64 != s.data_size {
        return Err(Error::new(
            ErrorKind::BadDebugInfo,
            format!(
                "the compressed debug section {} is shorter than its declared size",
                s.name
            ),
        ));
    }
    Ok(SectionData::Memory(bytes.into_boxed_slice()))
}

fn inflate_zlib(name: &str, packed: &[u8], size: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(size as usize);
    flate2::read::ZlibDecoder::new(packed)
        .take(size + 1)
        .read_to_end(&mut out)
        .map_err(|_| {
            Error::new(
                ErrorKind::BadDebugInfo,
                format!(
                    "the compressed debug section {} could not be decompressed",
                    name
                ),
            )
        })?;
    Ok(out)
}

#[cold]
fn unreachable_dwarf() -> ! {
    // Dwarf::load only fails when the loader does; ours cannot.
    std::process::abort()
}

struct Row {
    addr: u64,
    file: u64,
    line: u32,
}

struct Seq {
    start: u64,
    end: u64,
    first: usize,
    last: usize,
    /// The sequence started at address 0: code the linker dropped (its tombstone), whose later
    /// rows are small offsets that must not be taken for addresses.
    dead: bool,
}

/// A function being walked: its ranges (absolute), name and collected inlinees.
struct FnCtx<'d> {
    base_depth: usize,
    ranges: Vec<(u64, u64)>,
    name: Option<R<'d>>,
    lang: Lang,
    inlinees: Vec<InlineRec>,
}

#[derive(Default)]
struct DieAttrs<'d> {
    low_pc: Option<u64>,
    high_pc_abs: Option<u64>,
    high_pc_off: Option<u64>,
    ranges: Option<AttributeValue<R<'d>>>,
    name: Option<AttributeValue<R<'d>>>,
    linkage_name: Option<AttributeValue<R<'d>>>,
    origin: Option<AttributeValue<R<'d>>>,
    call_file: Option<u64>,
    call_line: u32,
}

pub struct DwarfProcessor<'d, 'o> {
    dwarf: &'d Dwarf<'d>,
    store: &'d Store,
    obj: &'o ObjectInfo,
    /// Starts of the units of `.debug_info` (every one, or at least one at or before each unit).
    unit_offsets: Vec<usize>,
    /// The same for the dwz supplementary file (`dwarf.sup`), if one was given.
    sup_unit_offsets: Vec<usize>,
    /// Recently opened units for cross-unit references: (in the sup file?, offset, unit, lang).
    cross_units: Vec<(bool, usize, Unit<'d>, Lang)>,
    pub stats: DwarfReadStats,
}

impl<'d, 'o> DwarfProcessor<'d, 'o> {
    /// `unit_offsets` (and `sup_unit_offsets`): known unit starts, ascending, for cross-unit
    /// references; `None` walks the unit headers to find them (a file built in one piece).
    pub fn new(
        dwarf: &'d Dwarf<'d>,
        store: &'d Store,
        obj: &'o ObjectInfo,
        unit_offsets: Option<Vec<usize>>,
        sup_unit_offsets: Option<Vec<usize>>,
    ) -> Self {
        let unit_offsets = unit_offsets.unwrap_or_else(|| unit_offsets_of(dwarf));
        let sup_unit_offsets = sup_unit_offsets
            .unwrap_or_else(|| dwarf.sup.as_deref().map_or_else(Vec::new, unit_offsets_of));
        DwarfProcessor {
            dwarf,
            store,
            obj,
            unit_offsets,
            sup_unit_offsets,
            cross_units: Vec::new(),
            stats: DwarfReadStats::default(),
        }
    }

    /// Processes the units whose headers start in `[from, to)` of `.debug_info`; `from` must be
    /// a unit start. Units that cannot be read are skipped and counted in `stats`, for the caller
    /// to report (the symbol table still names their functions).
    pub fn process(&mut self, from: usize, to: usize, writer: &mut Writer) {
        let mut offset = from;
        while offset < to {
            let header = match self
                .dwarf
                .debug_info
                .header_from_offset(gimli::DebugInfoOffset(offset))
            {
                Ok(h) => h,
                Err(_) => {
                    // A broken unit header ends the walk: the next offset is unknowable.
                    self.stats.units_skipped += 1;
                    self.stats.unreadable_from = Some(offset as u64);
                    break;
                }
            };
            let next = offset + header.length_including_self();
            self.stats.units_read += 1;
            match self.dwarf.unit(header) {
                Ok(unit) => {
                    if self.process_unit(&unit, writer).is_err() {
                        self.stats.units_skipped += 1;
                    }
                }
                Err(_) => self.stats.units_skipped += 1,
            }
            // Keep the cross-unit cache from pinning memory, and the page cache within budget.
            if self.cross_units.len() > 4 {
                self.cross_units.clear();
            }
            self.store.relieve();
            if next <= offset {
                break;
            }
            offset = next;
        }
    }

    fn process_unit(&mut self, unit: &Unit<'d>, writer: &mut Writer) -> gimli::Result<()> {
        let (lang, has_ranges) = {
            let mut cursor = unit.entries();
            cursor.next_dfs()?;
            match cursor.current() {
                Some(root) => {
                    let lang = match root.attr_value(gimli::DW_AT_language)? {
                        Some(AttributeValue::Language(l)) => Lang::from_dwarf(l.0),
                        _ => Lang::Unknown,
                    };
                    (lang, root.attr(gimli::DW_AT_ranges)?.is_some())
                }
                None => return Ok(()),
            }
        };
        if !self.obj.relocatable && unit.low_pc == 0 && !has_ranges {
            // LLD's mark of a compilation unit whose code was eliminated.
            return Ok(());
        }
        let comp_dir_bytes = unit
            .comp_dir
            .map(|d| d.bytes().into_owned())
            .unwrap_or_default();
        let comp_dir: &[u8] = &comp_dir_bytes;
        let (rows, seqs) = self.line_rows(unit);
        let mut files: FxHashMap<u64, u32> = FxHashMap::default();
        let mut names: FxHashMap<u64, (Option<R<'d>>, Lang)> = FxHashMap::default();

        let mut entries = unit.entries_raw(None)?;
        let mut levels: Vec<u32> = Vec::new();
        let mut ctxs: Vec<FnCtx<'d>> = Vec::new();
        let mut lines_buf: Vec<LineSeg> = Vec::new();
        let mut inl_buf: Vec<InlineRec> = Vec::new();
        // Every range a function DIE of this unit covers: the line rows outside them are emitted
        // on their own (`emit_uncovered_lines`).
        let mut covered: Vec<(u64, u64)> = Vec::new();
        while !entries.is_empty() {
            let depth = entries.next_depth();
            let abbrev = match entries.read_abbreviation()? {
                Some(a) => a,
                None => continue,
            };
            if depth < 0 || depth as usize > MAX_DIE_DEPTH {
                return Err(gimli::Error::InvalidAddressRange);
            }
            let depth = depth as usize;
            while ctxs.last().map_or(false, |c| c.base_depth >= depth) {
                if let Some(ctx) = ctxs.pop() {
                    self.emit(
                        ctx,
                        unit,
                        comp_dir,
                        &rows,
                        &seqs,
                        &mut files,
                        writer,
                        &mut lines_buf,
                        &mut inl_buf,
                    );
                }
            }
            levels.truncate(depth);
            let parent_level = if depth == 0 {
                DEAD
            } else {
                levels.get(depth - 1).copied().unwrap_or(DEAD)
            };
            let tag = abbrev.tag();
            if tag != gimli::DW_TAG_subprogram && tag != gimli::DW_TAG_inlined_subroutine {
                entries.skip_attributes(abbrev.attributes())?;
                levels.push(parent_level);
                continue;
            }
            let mut a = DieAttrs::default();
            for spec in abbrev.attributes() {
                let attr = entries.read_attribute(*spec)?;
                match attr.name() {
                    gimli::DW_AT_low_pc => a.low_pc = self.address(unit, attr.value()),
                    gimli::DW_AT_high_pc => match attr.value() {
                        AttributeValue::Addr(x) => a.high_pc_abs = Some(x),
                        AttributeValue::DebugAddrIndex(_) => {
                            a.high_pc_abs = self.address(unit, attr.value())
                        }
                        v => a.high_pc_off = v.udata_value(),
                    },
                    gimli::DW_AT_ranges => a.ranges = Some(attr.value()),
                    gimli::DW_AT_name => a.name = Some(attr.value()),
                    gimli::DW_AT_linkage_name | gimli::DW_AT_MIPS_linkage_name => {
                        a.linkage_name = Some(attr.value())
                    }
                    gimli::DW_AT_abstract_origin | gimli::DW_AT_specification => {
                        a.origin = Some(attr.value())
                    }
                    gimli::DW_AT_call_file => {
                        a.call_file = match attr.value() {
                            AttributeValue::FileIndex(i) => Some(i),
                            v => v.udata_value(),
                        }
                    }
                    gimli::DW_AT_call_line => {
                        a.call_line =
                            attr.value().udata_value().unwrap_or(0).min(u32::MAX as u64) as u32
                    }
                    _ => {}
                }
            }
            let mut ranges = Vec::new();
            self.die_ranges(unit, &a, &mut ranges);
            if tag == gimli::DW_TAG_subprogram {
                if ranges.is_empty() {
                    levels.push(DEAD);
                    continue;
                }
                covered.extend_from_slice(&ranges);
                let (name, fn_lang) = self.die_name(unit, &a, lang, &mut names);
                ctxs.push(FnCtx {
                    base_depth: depth,
                    ranges,
                    name,
                    lang: fn_lang,
                    inlinees: Vec::new(),
                });
                levels.push(0);
                continue;
            }
            // DW_TAG_inlined_subroutine
            if ranges.is_empty() || parent_level == DEAD || ctxs.is_empty() {
                levels.push(DEAD);
                continue;
            }
            levels.push(parent_level + 1);
            let (name, fn_lang) = self.die_name(unit, &a, lang, &mut names);
            let name_bytes = name.map(|n| n.bytes()).unwrap_or_default();
            let function = match writer.function(&name_bytes, NONE, Some(fn_lang)) {
                Ok(f) => f,
                Err(_) => continue,
            };
            let call_file = match a.call_file {
                Some(f) => self.file(unit, comp_dir, f, &mut files, writer),
                None => NONE,
            };
            let base = self.obj.load_address;
            if let Some(ctx) = ctxs.last_mut() {
                for (lo, hi) in ranges {
                    if lo < base {
                        continue;
                    }
                    ctx.inlinees.push(InlineRec {
                        start: lo - base,
                        end: hi - base,
                        depth: parent_level,
                        function,
                        call_file,
                        call_line: a.call_line,
                    });
                }
            }
        }
        while let Some(ctx) = ctxs.pop() {
            self.emit(
                ctx,
                unit,
                comp_dir,
                &rows,
                &seqs,
                &mut files,
                writer,
                &mut lines_buf,
                &mut inl_buf,
            );
        }
        self.emit_uncovered_lines(
            unit,
            comp_dir,
            &rows,
            &seqs,
            covered,
            &mut files,
            writer,
            &mut lines_buf,
        );
        Ok(())
    }

    /// Line rows of the unit outside every function DIE's ranges: hand-written assembly
    /// (`crti.S`, `_start`, SIMD kernels) and the padding after a function's end. llvm-symbolizer
    /// answers them from the line table, named after the symbol covering the address.
    #[allow(clippy::too_many_arguments)]
    fn emit_uncovered_lines(
        &self,
        unit: &Unit<'d>,
        comp_dir: &[u8],
        rows: &[Row],
        seqs: &[Seq],
        mut covered: Vec<(u64, u64)>,
        files: &mut FxHashMap<u64, u32>,
        writer: &mut Writer,
        lines: &mut Vec<LineSeg>,
    ) {
        covered.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(covered.len());
        for (lo, hi) in covered {
            match merged.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        let base = self.obj.load_address;
        for s in seqs.iter().filter(|s| !s.dead) {
            let mut holes: Vec<(u64, u64)> = Vec::new();
            let mut at = s.start;
            let first = merged.partition_point(|c| c.1 <= s.start);
            for &(lo, hi) in &merged[first..] {
                if lo >= s.end || at >= s.end {
                    break;
                }
                if lo > at {
                    holes.push((at, lo));
                }
                at = at.max(hi);
            }
            if at < s.end {
                holes.push((at, s.end));
            }
            for (lo, hi) in holes {
                if lo < base || hi - base > u32::MAX as u64 {
                    continue;
                }
                lines.clear();
                self.collect_lines(lo, hi, rows, std::slice::from_ref(s), |a, b, file, line| {
                    lines.push(LineSeg {
                        start: a - base,
                        end: b - base,
                        file: file as u32,
                        line,
                    })
                });
                for l in lines.iter_mut() {
                    l.file = self.file(unit, comp_dir, l.file as u64, files, writer);
                }
                if writer.add_line_only(lo - base, hi - base, lines).is_err() {
                    return;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        ctx: FnCtx<'d>,
        unit: &Unit<'d>,
        comp_dir: &[u8],
        rows: &[Row],
        seqs: &[Seq],
        files: &mut FxHashMap<u64, u32>,
        writer: &mut Writer,
        lines: &mut Vec<LineSeg>,
        inl: &mut Vec<InlineRec>,
    ) {
        let base = self.obj.load_address;
        let dwarf_name = ctx.name.map(|n| n.bytes()).unwrap_or_default();
        for &(lo, hi) in &ctx.ranges {
            if lo < base {
                continue;
            }
            let (rel_lo, rel_hi) = (lo - base, hi - base);
            if rel_lo > u32::MAX as u64 || !writer.first_time_seen(rel_lo, rel_hi) {
                continue;
            }
            // The DWARF name; a symbol at the range start renames the range in the merge
            // (symbolic's rule (a), see merge.rs).
            let function = match writer.function(&dwarf_name, rel_lo as u32, Some(ctx.lang)) {
                Ok(f) => f,
                Err(_) => return,
            };
            lines.clear();
            self.collect_lines(lo, hi, rows, seqs, |seg_lo, seg_hi, file, line| {
                lines.push(LineSeg {
                    start: seg_lo - base,
                    end: seg_hi - base,
                    file: file as u32,
                    line,
                })
            });
            // Resolve file indices to symcache files (the closure above cannot borrow writer).
            for l in lines.iter_mut() {
                let idx = l.file as u64;
                l.file = self.file(unit, comp_dir, idx, files, writer);
            }
            lines.sort_by_key(|l| l.start);
            let mut prev_end = 0;
            for l in lines.iter_mut() {
                if l.start < prev_end {
                    l.start = prev_end.min(l.end);
                }
                prev_end = prev_end.max(l.end);
            }
            lines.retain(|l| l.end > l.start);
            inl.clear();
            inl.extend(
                ctx.inlinees
                    .iter()
                    .filter(|r| r.start >= rel_lo && r.start < rel_hi)
                    .copied(),
            );
            writer.add_function(function, rel_lo, rel_hi, lines, inl);
        }
    }

    fn collect_lines(
        &self,
        lo: u64,
        hi: u64,
        rows: &[Row],
        seqs: &[Seq],
        mut f: impl FnMut(u64, u64, u64, u32),
    ) {
        let first = seqs.partition_point(|s| s.end <= lo);
        for s in &seqs[first..] {
            if s.start >= hi {
                break;
            }
            if s.end <= lo {
                continue;
            }
            let seq_rows = &rows[s.first..s.last];
            let mut i = seq_rows.partition_point(|r| r.addr <= lo).saturating_sub(1);
            while i < seq_rows.len() {
                let r = &seq_rows[i];
                if r.addr >= hi {
                    break;
                }
                let next = seq_rows.get(i + 1).map_or(s.end, |n| n.addr);
                let a = r.addr.max(lo);
                let b = next.min(hi);
                if b > a {
                    f(a, b, r.file, r.line);
                }
                i += 1;
            }
        }
    }

    fn file(
        &self,
        unit: &Unit<'d>,
        comp_dir: &[u8],
        index: u64,
        cache: &mut FxHashMap<u64, u32>,
        writer: &mut Writer,
    ) -> u32 {
        if let Some(&f) = cache.get(&index) {
            return f;
        }
        let f = self
            .resolve_file(unit, comp_dir, index, writer)
            .unwrap_or(NONE);
        cache.insert(index, f);
        f
    }

    fn resolve_file(
        &self,
        unit: &Unit<'d>,
        comp_dir: &[u8],
        index: u64,
        writer: &mut Writer,
    ) -> Option<u32> {
        let program = unit.line_program.as_ref()?;
        let header = program.header();
        let entry = header.file(index)?;
        let name = self.dwarf.attr_string(unit, entry.path_name()).ok()?;
        // Directory 0 *is* the compilation directory: in DWARF 5 by the standard (often relative,
        // e.g. "./csu"), in DWARF 2-4 because gimli answers DW_AT_comp_dir for it. It must not be
        // joined onto DW_AT_comp_dir a second time, which shows where the comp dir is relative
        // (bitcode dSYMs: "__hidden#41_/__hidden#41_/x.c"). symbolic does join it ("csu/csu/x.c");
        // we follow the standard and llvm-symbolizer here.
        let comp_dir = if entry.directory_index() == 0 {
            &[][..]
        } else {
            comp_dir
        };
        let dir = match entry.directory(header) {
            Some(d) => self
                .dwarf
                .attr_string(unit, d)
                .ok()
                .map(|d| d.bytes())
                .unwrap_or_default(),
            None => Default::default(),
        };
        writer.file(comp_dir, &dir, &name.bytes()).ok()
    }

    fn line_rows(&self, unit: &Unit<'d>) -> (Vec<Row>, Vec<Seq>) {
        let mut rows: Vec<Row> = Vec::new();
        let mut seqs: Vec<Seq> = Vec::new();
        let program = match unit.line_program.clone() {
            Some(p) => p,
            None => return (rows, seqs),
        };
        let mut state = program.rows();
        let mut seq_first = 0usize;
        let mut seq_dead = false;
        while let Ok(Some((_, row))) = state.next_row() {
            let row = *row;
            // WASM line rows are code-section offsets, like its ranges (`die_ranges`).
            let addr = row.address().wrapping_add(self.obj.dwarf_bias);
            if row.end_sequence() {
                // A row at the end address itself describes no byte (llvm ignores it).
                if rows.len() > seq_first + 1 && rows[rows.len() - 1].addr == addr {
                    rows.pop();
                }
                if rows.len() > seq_first {
                    let last_addr = rows[rows.len() - 1].addr;
                    let end = if addr > last_addr {
                        addr
                    } else {
                        last_addr + 1
                    };
                    seqs.push(Seq {
                        start: rows[seq_first].addr,
                        end,
                        first: seq_first,
                        last: rows.len(),
                        dead: seq_dead,
                    });
                }
                seq_first = rows.len();
                seq_dead = false;
                continue;
            }
            // Address 0 rows are rustc/wasm bugs in linked files (and tombstones for dropped code).
            if addr == 0 && !self.obj.relocatable {
                seq_dead |= rows.len() == seq_first;
                continue;
            }
            let line = row
                .line()
                .map_or(0, |l| l.get().min(u32::MAX as u64) as u32);
            let in_seq = rows.len() > seq_first;
            if let Some(prev) = rows.last_mut().filter(|_| in_seq) {
                if prev.addr == addr {
                    prev.file = row.file_index();
                    prev.line = line;
                    continue;
                }
                if addr < prev.addr {
                    continue;
                }
            }
            rows.push(Row {
                addr,
                file: row.file_index(),
                line,
            });
        }
        if rows.len() > seq_first {
            let last = rows[rows.len() - 1].addr;
            seqs.push(Seq {
                start: rows[seq_first].addr,
                end: last + 1,
                first: seq_first,
                last: rows.len(),
                dead: seq_dead,
            });
        }
        seqs.sort_by_key(|s| s.start);
        (rows, seqs)
    }

    fn address(&self, unit: &Unit<'d>, v: AttributeValue<R<'d>>) -> Option<u64> {
        match v {
            AttributeValue::Addr(a) => Some(a),
            AttributeValue::DebugAddrIndex(i) => self.dwarf.address(unit, i).ok(),
            _ => None,
        }
    }

    fn die_ranges(&self, unit: &Unit<'d>, a: &DieAttrs<'d>, out: &mut Vec<(u64, u64)>) {
        let tombstone = if unit.encoding().address_size == 4 {
            u32::MAX as u64 - 1
        } else {
            u64::MAX - 1
        };
        let mut push = |lo: u64, hi: u64| {
            if hi <= lo || lo >= tombstone || (lo == 0 && !self.obj.relocatable) {
                return;
            }
            let bias = self.obj.dwarf_bias;
            out.push((lo.wrapping_add(bias), hi.wrapping_add(bias)));
        };
        if let Some(r) = a.ranges {
            if let Ok(Some(offset)) = self.dwarf.attr_ranges_offset(unit, r) {
                if let Ok(mut iter) = self.dwarf.ranges(unit, offset) {
                    let mut n = 0;
                    while let Ok(Some(range)) = iter.next() {
                        push(range.begin, range.end);
                        n += 1;
                        if n > 1 << 20 {
                            break;
                        }
                    }
                }
            }
        } else if let Some(lo) = a.low_pc {
            let hi = match (a.high_pc_abs, a.high_pc_off) {
                (Some(h), _) => h,
                (None, Some(off)) => lo.wrapping_add(off),
                _ => return,
            };
            push(lo, hi);
        }
    }

    /// The DWARF name of a DIE (linkage name first), following abstract origins and
    /// specifications within and across units, and the language of the unit it came from.
    fn die_name(
        &mut self,
        unit: &Unit<'d>,
        a: &DieAttrs<'d>,
        lang: Lang,
        cache: &mut FxHashMap<u64, (Option<R<'d>>, Lang)>,
    ) -> (Option<R<'d>>, Lang) {
        if let Some(v) = a.linkage_name {
            if let Ok(s) = self.dwarf.attr_string(unit, v) {
                return (Some(s), lang);
            }
        }
        if let Some(v) = a.name {
            if let Ok(s) = self.dwarf.attr_string(unit, v) {
                // The language may still be wrong in LTO artificial units; take the origin's.
                let l = match a.origin {
                    Some(o) => self.origin_name(false, unit, o, lang, cache, 0).1,
                    None => lang,
                };
                return (Some(s), l);
            }
        }
        match a.origin {
            Some(o) => self.origin_name(false, unit, o, lang, cache, 0),
            None => (None, lang),
        }
    }

    /// The main file's DWARF, or with `sup` the dwz supplementary file's.
    fn dwarf_of(&self, sup: bool) -> Option<&'d Dwarf<'d>> {
        if sup {
            self.dwarf.sup.as_deref()
        } else {
            Some(self.dwarf)
        }
    }

    /// `sup`: `unit` (and so `origin`) belongs to the dwz supplementary file.
    fn origin_name(
        &mut self,
        sup: bool,
        unit: &Unit<'d>,
        origin: AttributeValue<R<'d>>,
        lang: Lang,
        cache: &mut FxHashMap<u64, (Option<R<'d>>, Lang)>,
        hops: u32,
    ) -> (Option<R<'d>>, Lang) {
        if hops >= MAX_REF_HOPS {
            return (None, lang);
        }
        match origin {
            AttributeValue::UnitRef(off) => {
                let global = match off.to_unit_section_offset(unit).as_debug_info_offset() {
                    Some(g) => g.0 as u64 | if sup { SUP_KEY } else { 0 },
                    None => return (None, lang),
                };
                if let Some(&hit) = cache.get(&global) {
                    return hit;
                }
                let r = self.name_at(sup, unit, off, lang, cache, hops);
                cache.insert(global, r);
                r
            }
            // A reference into the same file's .debug_info, or (DW_FORM_GNU_ref_alt /
            // DW_FORM_ref_sup4/8) from the main file into the dwz supplementary file. Without a
            // supplementary file the name is empty.
            AttributeValue::DebugInfoRef(gimli::DebugInfoOffset(goff))
            | AttributeValue::DebugInfoRefSup(gimli::DebugInfoOffset(goff)) => {
                let target_sup = sup || matches!(origin, AttributeValue::DebugInfoRefSup(_));
                if sup && matches!(origin, AttributeValue::DebugInfoRefSup(_)) {
                    return (None, lang);
                }
                let key = goff as u64 | if target_sup { SUP_KEY } else { 0 };
                if let Some(&hit) = cache.get(&key) {
                    return hit;
                }
                let r = match self.cross_unit(target_sup, goff) {
                    Some(ci) => {
                        // Take the unit out while reading from it (name_at needs &mut self).
                        let (s, uoff, target, target_lang) = self.cross_units.swap_remove(ci);
                        let local = UnitOffset(goff - uoff);
                        // dwz partial units often carry no language: keep the referrer's.
                        let l = if target_sup && target_lang == Lang::Unknown {
                            lang
                        } else {
                            target_lang
                        };
                        let r = self.name_at(target_sup, &target, local, l, cache, hops);
                        self.cross_units.push((s, uoff, target, target_lang));
                        r
                    }
                    None => (None, lang),
                };
                cache.insert(key, r);
                r
            }
            _ => (None, lang),
        }
    }

    fn name_at(
        &mut self,
        sup: bool,
        unit: &Unit<'d>,
        off: UnitOffset,
        lang: Lang,
        cache: &mut FxHashMap<u64, (Option<R<'d>>, Lang)>,
        hops: u32,
    ) -> (Option<R<'d>>, Lang) {
        let entry = match unit.entry(off) {
            Ok(e) => e,
            Err(_) => return (None, lang),
        };
        let mut linkage = None;
        let mut name = None;
        let mut origin = None;
        let mut attrs = entry.attrs();
        while let Ok(Some(attr)) = attrs.next() {
            match attr.name() {
                gimli::DW_AT_linkage_name | gimli::DW_AT_MIPS_linkage_name => {
                    linkage = Some(attr.value())
                }
                gimli::DW_AT_name => name = Some(attr.value()),
                gimli::DW_AT_abstract_origin | gimli::DW_AT_specification => {
                    if attr.value() != AttributeValue::UnitRef(off) {
                        origin = Some(attr.value())
                    }
                }
                _ => {}
            }
        }
        let dwarf = match self.dwarf_of(sup) {
            Some(d) => d,
            None => return (None, lang),
        };
        for v in [linkage, name].into_iter().flatten() {
            if let Ok(s) = dwarf.attr_string(unit, v) {
                return (Some(s), lang);
            }
        }
        match origin {
            Some(o) => self.origin_name(sup, unit, o, lang, cache, hops + 1),
            None => (None, lang),
        }
    }

    /// Opens (or finds in the small cache) the unit containing a `.debug_info` offset.
    fn cross_unit(&mut self, sup: bool, goff: usize) -> Option<usize> {
        if let Some(i) = self.cross_units.iter().position(|c| {
            c.0 == sup && c.1 <= goff && goff < c.1 + c.2.header.length_including_self()
        }) {
            return Some(i);
        }
        let offsets = if sup {
            &self.sup_unit_offsets
        } else {
            &self.unit_offsets
        };
        let idx = offsets.partition_point(|&o| o <= goff).checked_sub(1)?;
        let mut uoff = offsets[idx];
        let dwarf = self.dwarf_of(sup)?;
        let mut header = dwarf
            .debug_info
            .header_from_offset(gimli::DebugInfoOffset(uoff))
            .ok()?;
        // The known starts may skip units (a plan made from .debug_aranges lists only units with
        // code): walk the headers forward to the unit that holds `goff`.
        let mut hops = 0;
        while uoff + header.length_including_self() <= goff {
            uoff += header.length_including_self();
            header = dwarf
                .debug_info
                .header_from_offset(gimli::DebugInfoOffset(uoff))
                .ok()?;
            hops += 1;
            if hops > 1 << 16 {
                return None;
            }
        }
        let unit = dwarf.unit(header).ok()?;
        let lang = {
            let mut cursor = unit.entries();
            match cursor.next_dfs() {
                Ok(Some(_)) => match cursor
                    .current()
                    .map(|r| r.attr_value(gimli::DW_AT_language))
                {
                    Some(Ok(Some(AttributeValue::Language(l)))) => Lang::from_dwarf(l.0),
                    _ => Lang::Unknown,
                },
                _ => Lang::Unknown,
            }
        };
        self.cross_units.push((sup, uoff, unit, lang));
        Some(self.cross_units.len() - 1)
    }
}

/// Marks name-cache keys of DIEs in the supplementary file (offsets stay far below 2^63).
const SUP_KEY: u64 = 1 << 63;

pub fn unit_offsets_of(dwarf: &Dwarf<'_>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut units = dwarf.units();
    while let Ok(Some(h)) = units.next() {
        if let Some(off) = h.offset().as_debug_info_offset() {
            out.push(off.0);
        }
    }
    out
}
