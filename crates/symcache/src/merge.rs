//! The merge: a k-way walk, in address order, over sorted record sources (a writer's chunks, or
//! the runs earlier tasks of a build wrote), writing pages.
//!
//! `Mode::KeepAll` interleaves every record into run pages: a unit's output, or an intermediate
//! merge level. `Mode::Resolve` settles every address and writes the final symcache pages. All
//! decisions that span units are taken here, so a file built in one piece and the same file
//! built in parts give the same bytes:
//!
//! 1. **Duplicate ranges.** Two instances (function ranges) starting and ending at the same
//!    addresses describe the same code (the same function emitted in several compilation units,
//!    symbolic PR #401): the first one (lowest order) is kept, the other dropped whole.
//! 2. **Aliases.** Of several symbols at one address, the one llvm-symbolizer names the address
//!    after is kept: the largest size, then the last in symbol-table order (ELF lists local
//!    symbols first, so `abort` beats `__GI_abort`). The others, their end sentinels included,
//!    are dropped.
//! 3. **Names.** A function range starting where that symbol sits takes the symbol's name (the
//!    mangled name, where DWARF only had a short one, as in dSYMs) for its outermost frame,
//!    demangled in the function's language: symbolic's rule, per range, so `foo.cold` keeps its own.
//!    WebAssembly name-section symbols do not rename (`FLAG_RENAMES`).
//! 4. **Winner.** Of the records left at an address, the lowest rank wins; among lines the last
//!    written (highest order), otherwise the first.
//! 5. **Symbol coverage.** The last object symbol kept at or before an address covers it up to
//!    its end (up to the next symbol when its size is 0), as llvm-symbolizer's symbol-table
//!    lookup answers. It names line rows that no function DIE covers (assembly units, padding),
//!    and where no record is left at an address (after a function's end sentinel) its frame
//!    stands alone instead of a gap.
//! 6. A range whose frames equal the previous range's is not written (it changes no lookup).
//!
//! A source never splits the records of one address across pages, and is not moved to its next
//! page before the address is settled, so the tables of every record of an address are at hand.

use crate::demangle::demangle;
use crate::error::{Error, ErrorKind, Result};
use crate::hash::FxHashMap;
use crate::host::{self, SourceId, STREAM_PAGE, STREAM_RUN};
use crate::lang::Lang;
use crate::page::{
    FunctionContent, PageBuilder, Record, RunPage, Tables, FLAG_COVERS, FLAG_INSTANCE_START,
    FLAG_RENAMES, RANK_LINE, RANK_LINE_ONLY, RANK_SENTINEL, RANK_SYMBOL,
};
use crate::writer::{UnitRecords, NONE};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Raw bytes after which a final page is cut (at an address boundary). Pages are compressed in
/// the symcache; a lookup reads and inflates one.
pub const FINAL_PAGE_BYTES: usize = 64 * 1024;
/// Raw bytes after which a run page is cut.
pub const RUN_PAGE_BYTES: usize = 256 * 1024;
/// Inline chains are cut here (the builder's depth cap plus the outer frame).
const MAX_FRAMES: usize = crate::MAX_INLINE_DEPTH as usize + 1;

pub trait Source {
    /// The next record, or None when the source is exhausted.
    fn peek(&mut self) -> Result<Option<Record>>;
    /// The next record if it is in the page already loaded (never loads one).
    fn peek_loaded(&self) -> Option<Record>;
    /// Moves past the record `peek` returned, without loading a new page.
    fn advance(&mut self);
    /// The tables of the record `peek` returned last.
    fn tables(&self) -> &dyn Tables;
    /// Changes whenever `tables` starts answering for other tables.
    fn tables_id(&self) -> u64;
}

/// One sorted chunk of a finished writer.
pub struct ChunkSource<'a> {
    pub records: &'a UnitRecords,
    pub chunk: usize,
    pub pos: usize,
}

impl Source for ChunkSource<'_> {
    fn peek(&mut self) -> Result<Option<Record>> {
        Ok(self.records.record(self.chunk, self.pos))
    }
    fn peek_loaded(&self) -> Option<Record> {
        self.records.record(self.chunk, self.pos)
    }
    fn advance(&mut self) {
        self.pos += 1;
    }
    fn tables(&self) -> &dyn Tables {
        self.records
    }
    fn tables_id(&self) -> u64 {
        // Chunks of one writer share its tables; run pages count from 1 << 40.
        self.records as *const UnitRecords as usize as u64
    }
}

/// A run another task wrote, read from the host page by page through a read-ahead block.
pub struct RunSource {
    source: SourceId,
    size: u64,
    offset: u64,
    block: Vec<u8>,
    block_start: u64,
    block_size: usize,
    page: Option<RunPage>,
    pos: usize,
    serial: u64,
    /// The current page is used up: load the next one at the next `peek`.
    exhausted: bool,
}

impl RunSource {
    pub fn new(source: SourceId, size: u64, block_size: usize) -> Self {
        RunSource {
            source,
            size,
            offset: 0,
            block: Vec::new(),
            block_start: 0,
            block_size: block_size.max(64 * 1024),
            page: None,
            pos: 0,
            serial: 0,
            exhausted: true,
        }
    }

    /// `n` bytes at the current offset, through the read-ahead block.
    fn take(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let at = self.offset + out.len() as u64;
            let block_end = self.block_start + self.block.len() as u64;
            if at < self.block_start || at >= block_end {
                let want = self
                    .block_size
                    .min((self.size - at.min(self.size)) as usize);
                if want == 0 {
                    return Err(corrupt());
                }
                self.block.resize(want, 0);
                let got = host::read_at(self.source, at, &mut self.block);
                self.block.truncate(got);
                self.block_start = at;
                if got == 0 {
                    return Err(corrupt());
                }
                continue;
            }
            let from = (at - self.block_start) as usize;
            let take = (n - out.len()).min(self.block.len() - from);
            out.extend_from_slice(&self.block[from..from + take]);
        }
        self.offset += n as u64;
        Ok(out)
    }
}

fn corrupt() -> Error {
    Error::new(
        ErrorKind::BadObject,
        "a sorted run of this build is truncated or corrupt; rerun the upload",
    )
}

impl Source for RunSource {
    fn peek(&mut self) -> Result<Option<Record>> {
        loop {
            if !self.exhausted {
                if let Some(page) = &self.page {
                    if self.pos < page.num_records {
                        return page.record(self.pos).map(Some).ok_or_else(corrupt);
                    }
                }
            }
            if self.offset >= self.size {
                self.page = None;
                return Ok(None);
            }
            let head = self.take(4)?;
            let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
            if len < 32 || self.offset - 4 + len as u64 > self.size {
                return Err(corrupt());
            }
            let mut bytes = head;
            bytes.extend(self.take(len - 4)?);
            self.page = Some(RunPage::parse(bytes).ok_or_else(corrupt)?);
            self.pos = 0;
            self.serial += 1;
            self.exhausted = false;
        }
    }

    fn peek_loaded(&self) -> Option<Record> {
        match &self.page {
            Some(page) if !self.exhausted && self.pos < page.num_records => page.record(self.pos),
            _ => None,
        }
    }

    fn advance(&mut self) {
        self.pos += 1;
        if let Some(page) = &self.page {
            if self.pos >= page.num_records {
                self.exhausted = true;
            }
        }
    }

    fn tables(&self) -> &dyn Tables {
        match &self.page {
            Some(p) => p,
            None => &EmptyTables,
        }
    }

    fn tables_id(&self) -> u64 {
        (1u64 << 63) | ((self.source as u64) << 40) | self.serial
    }
}

struct EmptyTables;

impl Tables for EmptyTables {
    fn location(&self, _: u32) -> Option<[u32; 4]> {
        None
    }
    fn function(&self, _: u32) -> Option<[u32; 4]> {
        None
    }
    fn file(&self, _: u32) -> Option<[u32; 4]> {
        None
    }
    fn string(&self, _: u32) -> Option<&[u8]> {
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    KeepAll,
    Resolve,
}

/// What a merge wrote (and, set by the build that fed it, what of the DWARF could not be read).
#[derive(Default, Debug)]
pub struct MergeStats {
    pub records_in: u64,
    pub ranges_out: u64,
    pub pages: u64,
    pub bytes_out: u64,
    /// .NET symcaches: the low address bits that hold the IL offset (0: native addresses).
    pub il_offset_bits: u32,
    pub dwarf: DwarfReadStats,
}

/// Compilation units of `.debug_info` read and skipped as unreadable by a build.
#[derive(Default, Debug, Clone, Copy)]
pub struct DwarfReadStats {
    pub units_read: u32,
    pub units_skipped: u32,
    /// Where a broken unit header ended the walk: nothing after it could be read.
    pub unreadable_from: Option<u64>,
}

impl DwarfReadStats {
    /// Whether units were skipped and none could be read.
    pub fn none_readable(&self) -> bool {
        let broken_header = u32::from(self.unreadable_from.is_some());
        self.units_skipped > 0 && self.units_skipped - broken_header >= self.units_read
    }
}

/// No frames: the hash of a gap.
const GAP: u64 = 1;

struct Grouped {
    record: Record,
    source: usize,
}

/// The object symbol covering the addresses being merged (rule 5), copied out of its page.
struct CoveringSymbol {
    /// Exclusive; `u64::MAX` for a symbol without a size (it covers up to the next symbol).
    end: u64,
    name: Vec<u8>,
    demangled: Vec<u8>,
    entry_pc: u32,
}

impl CoveringSymbol {
    fn of(g: &Grouped, tables: &dyn Tables) -> Option<CoveringSymbol> {
        if g.record.flags & FLAG_COVERS == 0 {
            return None;
        }
        let [name, demangled, entry_pc, _] = tables.function(tables.location(g.record.loc)?[2])?;
        let name = tables.string(name)?.to_vec();
        let demangled = tables
            .string(demangled)
            .map_or_else(|| name.clone(), <[u8]>::to_vec);
        let end = match g.record.aux {
            0 => u64::MAX,
            size => g.record.addr as u64 + size as u64,
        };
        Some(CoveringSymbol {
            end,
            name,
            demangled,
            entry_pc,
        })
    }

    fn function(&self, out: &mut PageBuilder) -> (u32, u64) {
        out.function(FunctionContent {
            name: &self.name,
            demangled: &self.demangled,
            entry_pc: self.entry_pc,
            lang: NONE,
        })
    }
}

/// The line row without a function DIE in force at the addresses being merged (rule 5): it
/// holds from its record up to the next row or its instance's end sentinel, under any function
/// range or symbol that starts and ends inside it. Copied out of its page.
struct LineRow {
    inst: u64,
    /// `{comp_dir, directory, name, source_link}`, or no file.
    file: Option<[Vec<u8>; 4]>,
    line: u32,
}

impl LineRow {
    fn of(g: &Grouped, tables: &dyn Tables) -> Option<LineRow> {
        let [file, line, ..] = tables.location(g.record.loc)?;
        let file = tables
            .file(file)
            .map(|f| f.map(|o| tables.string(o).unwrap_or(&[]).to_vec()));
        Some(LineRow {
            inst: g.record.inst,
            file,
            line,
        })
    }

    /// Its one frame, named after the covering symbol, or unnamed (llvm-symbolizer's `??`).
    fn frame(&self, out: &mut PageBuilder, covering: Option<&CoveringSymbol>) -> (u32, u64) {
        let file = match &self.file {
            Some([c, d, n, link]) => out.file(c, d, n, link),
            None => (NONE, 0),
        };
        let function = match covering {
            Some(c) => c.function(out),
            None => out.function(FunctionContent {
                name: b"",
                demangled: b"",
                entry_pc: NONE,
                lang: NONE,
            }),
        };
        out.location(file, self.line, function, (NONE, 0))
    }
}

/// Merges `sources` in address order and writes pages to the host (final pages on
/// `STREAM_PAGE`, run pages on `STREAM_RUN`).
pub fn merge(sources: &mut [&mut dyn Source], mode: Mode) -> Result<MergeStats> {
    let mut heap: BinaryHeap<Reverse<(u32, u8, u64, usize)>> = BinaryHeap::new();
    for (i, s) in sources.iter_mut().enumerate() {
        if let Some(r) = s.peek()? {
            heap.push(Reverse((r.addr, r.rank, r.order, i)));
        }
    }
    let mut out = PageBuilder::default();
    let mut stats = MergeStats::default();
    let mut cache = Interned::default();
    // Instances dropped by rules 1 and 2, until their end; names of rule 3, until their end.
    let mut dropped: FxHashMap<u64, u32> = FxHashMap::default();
    let mut renames: Vec<(u32, u32, Vec<u8>)> = Vec::new();
    let mut covering: Option<CoveringSymbol> = None;
    let mut line_row: Option<LineRow> = None;
    let mut last_hash = GAP;
    let mut group: Vec<Grouped> = Vec::new();
    let mut touched: Vec<usize> = Vec::new();

    while let Some(&Reverse((addr, ..))) = heap.peek() {
        group.clear();
        touched.clear();
        while let Some(&Reverse((a, _, _, i))) = heap.peek() {
            if a != addr {
                break;
            }
            heap.pop();
            let source = &mut *sources[i];
            // Take every record this source has at `addr`: they are all in its current page, and
            // the page stays loaded until the address is settled.
            while let Some(r) = source.peek_loaded().filter(|r| r.addr == addr) {
                group.push(Grouped {
                    record: r,
                    source: i,
                });
                source.advance();
            }
            touched.push(i);
        }
        stats.records_in += group.len() as u64;

        match mode {
            Mode::KeepAll => {
                for g in &group {
                    let loc = if g.record.loc == NONE {
                        NONE
                    } else {
                        let s = &*sources[g.source];
                        intern_chain(
                            &mut out,
                            &mut cache,
                            s.tables(),
                            s.tables_id(),
                            g.record.loc,
                            None,
                        )?
                        .0
                    };
                    out.push_record(Record { loc, ..g.record });
                }
            }
            Mode::Resolve => {
                dropped.retain(|_, end| *end >= addr);
                renames.retain(|r| r.1 >= addr);
                if let Some(p) = settle_instances(&group, sources, &mut dropped, &mut renames, addr)
                {
                    covering = CoveringSymbol::of(p, sources[p.source].tables());
                }
                if covering.as_ref().map_or(false, |c| c.end <= addr as u64) {
                    covering = None;
                }
                let live = || {
                    group
                        .iter()
                        .filter(|g| !dropped.contains_key(&g.record.inst))
                };
                // Rule 5: the line row without a function DIE starting here, or the end of the
                // one in force.
                if let Some(g) = live()
                    .filter(|g| g.record.rank == RANK_LINE_ONLY)
                    .min_by_key(|g| g.record.order)
                {
                    line_row = LineRow::of(g, sources[g.source].tables());
                } else if let Some(l) = &line_row {
                    if group
                        .iter()
                        .any(|g| g.record.rank == RANK_SENTINEL && g.record.inst == l.inst)
                    {
                        line_row = None;
                    }
                }
                let winner = live().min_by_key(|g| {
                    let r = &g.record;
                    (
                        r.rank,
                        if r.rank == RANK_LINE {
                            u64::MAX - r.order
                        } else {
                            r.order
                        },
                    )
                });
                let (loc, hash) = match (winner, &line_row, &covering) {
                    // A DWARF record's chain, or a symbol that covers nothing beyond its start
                    // (Breakpad PUBLIC, PDB public) where no line row or covering symbol is in force.
                    (Some(g), l, c)
                        if g.record.loc != NONE
                            && (g.record.rank < RANK_LINE_ONLY
                                || (g.record.rank == RANK_SYMBOL
                                    && l.is_none()
                                    && c.is_none())) =>
                    {
                        let s = &*sources[g.source];
                        intern_chain(
                            &mut out,
                            &mut cache,
                            s.tables(),
                            s.tables_id(),
                            g.record.loc,
                            Some(&renames),
                        )?
                    }
                    (_, Some(l), c) => l.frame(&mut out, c.as_ref()),
                    (_, None, Some(c)) => {
                        let function = c.function(&mut out);
                        out.location((NONE, 0), 0, function, (NONE, 0))
                    }
                    _ => (NONE, GAP),
                };
                if hash != last_hash {
                    out.push_range(addr, loc);
                    stats.ranges_out += 1;
                    last_hash = hash;
                }
            }
        }

        if out.approx_bytes()
            >= if mode == Mode::Resolve {
                FINAL_PAGE_BYTES
            } else {
                RUN_PAGE_BYTES
            }
        {
            flush(&mut out, mode, &mut stats);
            cache.clear();
        }
        for &i in &touched {
            if let Some(r) = sources[i].peek()? {
                heap.push(Reverse((r.addr, r.rank, r.order, i)));
            }
        }
        if cache.len() > 1 << 16 {
            cache.clear();
        }
    }
    flush(&mut out, mode, &mut stats);
    Ok(stats)
}

fn flush(out: &mut PageBuilder, mode: Mode, stats: &mut MergeStats) {
    if out.is_empty() {
        return;
    }
    let first = out.first_addr().unwrap_or(0);
    let bytes = out.finish();
    stats.pages += 1;
    stats.bytes_out += bytes.len() as u64;
    match mode {
        Mode::Resolve => host::write(STREAM_PAGE, &bytes, first),
        Mode::KeepAll => host::write(STREAM_RUN, &bytes, 0),
    }
}

/// Rules 1-3 for the instances starting at `addr`; returns the symbol kept there.
fn settle_instances<'g>(
    group: &'g [Grouped],
    sources: &[&mut dyn Source],
    dropped: &mut FxHashMap<u64, u32>,
    renames: &mut Vec<(u32, u32, Vec<u8>)>,
    addr: u32,
) -> Option<&'g Grouped> {
    let starts = group
        .iter()
        .filter(|g| g.record.flags & FLAG_INSTANCE_START != 0);
    // Rule 1: per end address, the first function instance stays.
    let mut functions: Vec<&Grouped> = starts
        .clone()
        .filter(|g| g.record.rank < RANK_LINE_ONLY)
        .collect();
    functions.sort_by_key(|g| (g.record.aux, g.record.order));
    for pair in functions.windows(2) {
        if pair[0].record.aux == pair[1].record.aux {
            dropped.insert(pair[1].record.inst, pair[1].record.aux);
        }
    }
    // Rule 2: one symbol per address.
    let symbols: Vec<&Grouped> = starts.filter(|g| g.record.rank == RANK_SYMBOL).collect();
    let picked = symbols
        .iter()
        .max_by_key(|g| (g.record.aux, g.record.order))
        .copied();
    for g in &symbols {
        if picked.map_or(false, |p| p.record.inst != g.record.inst) {
            dropped.insert(g.record.inst, addr.saturating_add(g.record.aux));
        }
    }
    // Rule 3: remember the symbol's name for the function ranges starting here.
    let renaming = picked.filter(|p| p.record.flags & FLAG_RENAMES != 0);
    if let (Some(p), Some(end)) = (renaming, functions.iter().map(|g| g.record.aux).max()) {
        let tables = sources[p.source].tables();
        let name = tables
            .location(p.record.loc)
            .and_then(|l| tables.function(l[2]))
            .and_then(|f| tables.string(f[0]))
            .unwrap_or(&[]);
        if !name.is_empty() {
            renames.push((addr, end, name.to_vec()));
        }
    }
    picked
}

/// What was already interned into the current output page, by input (tables, index): chains,
/// files and functions. Cleared with every new output page.
#[derive(Default)]
struct Interned {
    chains: FxHashMap<(u64, u32), (u32, u64)>,
    files: FxHashMap<(u64, u32), (u32, u64)>,
    functions: FxHashMap<(u64, u32), (u32, u64)>,
}

impl Interned {
    fn len(&self) -> usize {
        self.chains.len() + self.files.len() + self.functions.len()
    }
    fn clear(&mut self) {
        self.chains.clear();
        self.files.clear();
        self.functions.clear();
    }
}

/// Interns the frames of `loc` (in `tables`) into `out`, outermost first; returns the innermost
/// location and a hash of the whole chain's content.
fn intern_chain(
    out: &mut PageBuilder,
    cache: &mut Interned,
    tables: &dyn Tables,
    tables_id: u64,
    loc: u32,
    renames: Option<&[(u32, u32, Vec<u8>)]>,
) -> Result<(u32, u64)> {
    // Walk up from the innermost frame to the first location already interned in this page (the
    // callers of inlined code are shared by many ranges): only the frames below it are new.
    let mut chain: Vec<(u32, [u32; 4])> = Vec::new();
    let mut caller = (NONE, 0u64);
    let mut at = loc;
    while at != NONE && chain.len() < MAX_FRAMES {
        if let Some(&hit) = cache.chains.get(&(tables_id, at)) {
            caller = hit;
            break;
        }
        let l = tables.location(at).ok_or_else(corrupt)?;
        chain.push((at, l));
        at = l[3];
    }
    let outermost_is_new = at == NONE || chain.len() >= MAX_FRAMES;
    let last = chain.len().saturating_sub(1);
    for (depth, &(index, l)) in chain.iter().enumerate().rev() {
        let file = interned_file(out, cache, tables, tables_id, l[0]);
        let function = interned_function(
            out,
            cache,
            tables,
            tables_id,
            l[2],
            renames.filter(|_| outermost_is_new && depth == last),
        );
        caller = out.location(file, l[1], function, caller);
        cache.chains.insert((tables_id, index), caller);
    }
    Ok(caller)
}

/// A file of `tables` interned into the page.
fn interned_file(
    out: &mut PageBuilder,
    cache: &mut Interned,
    tables: &dyn Tables,
    tables_id: u64,
    index: u32,
) -> (u32, u64) {
    if let Some(&hit) = cache.files.get(&(tables_id, index)) {
        return hit;
    }
    let interned = match tables.file(index) {
        Some([c, d, n, link]) => {
            let s = |o| tables.string(o).unwrap_or(&[]);
            out.file(s(c), s(d), s(n), s(link))
        }
        None => (NONE, 0),
    };
    cache.files.insert((tables_id, index), interned);
    interned
}

/// A frame's function interned into the page; the outermost frame of a function range takes the
/// name of the symbol at its start when there is one (rule 3).
fn interned_function(
    out: &mut PageBuilder,
    cache: &mut Interned,
    tables: &dyn Tables,
    tables_id: u64,
    index: u32,
    renames: Option<&[(u32, u32, Vec<u8>)]>,
) -> (u32, u64) {
    let [name, demangled, entry_pc, lang] =
        tables.function(index).unwrap_or([NONE, NONE, NONE, NONE]);
    let renamed = match renames {
        Some(r) if lang != NONE && entry_pc != NONE => r
            .iter()
            .rev()
            .find(|(start, ..)| *start == entry_pc)
            .map(|(_, _, n)| n.as_slice()),
        _ => None,
    };
    let name = tables.string(name).unwrap_or(&[]);
    if let Some(symbol) = renamed.filter(|s| *s != name) {
        let text = std::str::from_utf8(symbol).ok();
        let dm = text.and_then(|t| demangle(t, Lang::from_code(lang)));
        let dm_bytes: &[u8] = dm.as_deref().map_or(symbol, str::as_bytes);
        return out.function(FunctionContent {
            name: symbol,
            demangled: dm_bytes,
            entry_pc,
            lang,
        });
    }
    if let Some(&hit) = cache.functions.get(&(tables_id, index)) {
        return hit;
    }
    let demangled = tables.string(demangled).unwrap_or(name);
    let interned = out.function(FunctionContent {
        name,
        demangled,
        entry_pc,
        lang,
    });
    cache.functions.insert((tables_id, index), interned);
    interned
}
