//! The writer of one build unit: interns strings, files, functions and call locations, and
//! collects range records with what the merge needs to settle conflicts between units later
//! (rank, global order, instance). It never decides a conflict itself: `merge.rs` does, the same
//! way whether the records come from this writer (a file built in one piece) or from the runs of
//! many units (a file built in parts), so both give the same symcache.
//!
//! | rank | record | among equals at one address (merge.rs) |
//! |---|---|---|
//! | 0 | a line of a function (DWARF, Breakpad FUNC) | the **last** one written wins |
//! | 1 | a function entry without line info | the first wins |
//! | 2 | a line row no function DIE covers (assembly, padding) | the first wins |
//! | 3 | a symbol-table entry | the alias llvm-symbolizer shows (largest size, then last) |
//! | 4 | the end sentinel of a function or symbol | (all equal) |
//!
//! This reproduces symbolic's rules "lines overwrite", "entry fallback and symbols only fill
//! holes or sentinels", "sentinels only go into vacant slots", and llvm-symbolizer's for code
//! without a function DIE: the line table gives file and line, the symbol table the name.
//! Records are 24 bytes, kept in
//! fixed-size chunks (no doubling reallocation of one huge vector), each chunk sorted at the end.

use crate::demangle::demangle;
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{hash_bytes, FxHashMap, FxHashSet};
use crate::hidden;
use crate::lang::Lang;
use crate::page::{
    Record, Tables, FLAG_COVERS, FLAG_INSTANCE_START, FLAG_RENAMES, RANK_ENTRY, RANK_LINE,
    RANK_LINE_ONLY, RANK_SENTINEL, RANK_SYMBOL,
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The symcache format version this crate writes (docs/symcache-format.md).
pub const VERSION: u32 = 3;
pub const NONE: u32 = u32::MAX;

const CHUNK_RECORDS: usize = 1 << 15;

/// One line-table segment of a function, image-relative, `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub struct LineSeg {
    pub start: u64,
    pub end: u64,
    pub file: u32,
    pub line: u32,
}

/// One range of an inlined call. `depth` 0 is called directly from the outer function.
#[derive(Debug, Clone, Copy)]
pub struct InlineRec {
    pub start: u64,
    pub end: u64,
    pub depth: u32,
    pub function: u32,
    pub call_file: u32,
    pub call_line: u32,
}

/// A record as the writer keeps it (24 bytes); `merge.rs` sees it as a `page::Record`.
#[derive(Clone, Copy)]
struct Rec {
    addr: u32,
    rank: u8,
    flags: u8,
    /// Index into `locations` (`NONE`: a sentinel).
    loc: u32,
    aux: u32,
    inst: u32,
    seq: u32,
}

/// Deduplicating string table: each entry is a ULEB128 length and the UTF-8 bytes.
#[derive(Default)]
pub struct StringTable {
    bytes: Vec<u8>,
    by_hash: FxHashMap<u64, u32>,
    collisions: FxHashMap<Vec<u8>, u32>,
}

impl StringTable {
    pub fn intern(&mut self, s: &[u8]) -> Result<u32> {
        let h = hash_bytes(s);
        if let Some(&off) = self.by_hash.get(&h) {
            if self.get(off) == Some(s) {
                return Ok(off);
            }
            if let Some(&off) = self.collisions.get(s) {
                return Ok(off);
            }
            let off = self.push(s)?;
            self.collisions.insert(s.to_vec(), off);
            return Ok(off);
        }
        let off = self.push(s)?;
        self.by_hash.insert(h, off);
        Ok(off)
    }

    fn push(&mut self, s: &[u8]) -> Result<u32> {
        let off = self.bytes.len();
        if off + s.len() + 5 >= NONE as usize {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "the symcache string table would exceed 4 GiB",
            ));
        }
        let mut n = s.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(b);
                break;
            }
            self.bytes.push(b | 0x80);
        }
        self.bytes.extend_from_slice(s);
        Ok(off as u32)
    }

    pub fn get(&self, off: u32) -> Option<&[u8]> {
        let mut pos = off as usize;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = *self.bytes.get(pos)?;
            pos += 1;
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 28 {
                return None;
            }
        }
        self.bytes.get(pos..pos.checked_add(len)?)
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

#[derive(Default)]
pub struct Writer {
    pub strings: StringTable,
    files: Vec<[u32; 3]>,
    file_map: FxHashMap<[u32; 3], u32>,
    functions: Vec<[u32; 4]>,
    function_map: FxHashMap<(u32, u32, u32), u32>,
    demangled: FxHashMap<(u32, u32), u32>,
    /// Source locations: `{file, line, function, inlined_into}`, shared by the records.
    locations: Vec<[u32; 4]>,
    location_map: FxHashMap<[u32; 4], u32>,
    chunks: Vec<Vec<Rec>>,
    seq: u32,
    instances: u32,
    seen_ranges: FxHashSet<u64>,
    /// `file -> url` (a string offset): where a file's exact version can be downloaded.
    source_links: FxHashMap<u32, u32>,
    /// This writer's place among the units of a build: the high half of orders and instances.
    pub unit: u32,
    pub is_windows: bool,
    /// Scratch buffers reused across functions.
    heap: BinaryHeap<Reverse<(u64, u32, u32, u64)>>,
    stack: Vec<Open>,
}

#[derive(Clone, Copy)]
struct Open {
    end: u64,
    function: u32,
    /// The call location this inlinee was called from; its frames' `inlined_into`.
    caller: u32,
}

impl Writer {
    /// Interns a file; `comp_dir` and `dir` may be empty.
    pub fn file(&mut self, comp_dir: &[u8], dir: &[u8], name: &[u8]) -> Result<u32> {
        let (comp_dir, dir, name) = (
            &*hidden::resolved(comp_dir),
            &*hidden::resolved(dir),
            &*hidden::resolved(name),
        );
        let c = if comp_dir.is_empty() {
            NONE
        } else {
            self.strings.intern(comp_dir)?
        };
        let d = if dir.is_empty() {
            NONE
        } else {
            self.strings.intern(dir)?
        };
        let n = self.strings.intern(name)?;
        let key = [c, d, n];
        if let Some(&i) = self.file_map.get(&key) {
            return Ok(i);
        }
        let i = self.files.len() as u32;
        self.files.push(key);
        self.file_map.insert(key, i);
        Ok(i)
    }

    /// Records the URL of the exact version of a file (PDB source indexing). The first link of
    /// a file counts.
    pub fn source_link(&mut self, file: u32, url: &[u8]) -> Result<()> {
        if file == NONE || self.source_links.contains_key(&file) {
            return Ok(());
        }
        let url = self.strings.intern(url)?;
        self.source_links.insert(file, url);
        Ok(())
    }

    /// Interns a function record. `entry_pc` is `NONE` for inlined functions; `lang` is `None`
    /// for symbol-table entries.
    pub fn function(&mut self, raw_name: &[u8], entry_pc: u32, lang: Option<Lang>) -> Result<u32> {
        let raw_name = &*hidden::resolved(raw_name);
        let undecorated;
        let raw_name = if self.is_windows {
            undecorated = undecorate_c_name(raw_name);
            undecorated
        } else {
            raw_name
        };
        let name = self.strings.intern(raw_name)?;
        let lang_code = lang.map(Lang::code).unwrap_or(NONE);
        let key = (name, entry_pc, lang_code);
        if let Some(&i) = self.function_map.get(&key) {
            return Ok(i);
        }
        let dm = match self.demangled.get(&(name, lang_code)) {
            Some(&d) => d,
            None => {
                let d = match std::str::from_utf8(raw_name) {
                    Ok(s) => match demangle(s, lang.unwrap_or(Lang::Unknown)) {
                        Some(d) => self.strings.intern(d.as_bytes())?,
                        None => name,
                    },
                    Err(_) => name,
                };
                self.demangled.insert((name, lang_code), d);
                d
            }
        };
        let i = self.functions.len() as u32;
        if i == NONE {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "too many functions for one symcache",
            ));
        }
        self.functions.push([name, dm, entry_pc, lang_code]);
        self.function_map.insert(key, i);
        Ok(i)
    }

    /// The location of an inlined call: interned, since every record inside the call shares it.
    fn call_location(&mut self, loc: [u32; 4]) -> u32 {
        if let Some(&i) = self.location_map.get(&loc) {
            return i;
        }
        let i = self.push_location(loc);
        self.location_map.insert(loc, i);
        i
    }

    /// A record's own location: appended without interning (consecutive records of a function
    /// differ anyway, and the merge interns by content into each page).
    fn push_location(&mut self, loc: [u32; 4]) -> u32 {
        let i = self.locations.len() as u32;
        self.locations.push(loc);
        i
    }

    /// Starts a new instance (a function range or a symbol) and returns its number.
    fn next_instance(&mut self) -> u32 {
        self.instances = self.instances.wrapping_add(1);
        self.instances
    }

    fn push_record(&mut self, addr: u32, rank: u8, loc: u32, inst: u32, start: Option<u32>) {
        self.push_flagged(addr, rank, 0, loc, inst, start)
    }

    fn push_flagged(
        &mut self,
        addr: u32,
        rank: u8,
        flags: u8,
        loc: u32,
        inst: u32,
        start: Option<u32>,
    ) {
        let rec = Rec {
            addr,
            rank,
            flags: flags
                | if start.is_some() {
                    FLAG_INSTANCE_START
                } else {
                    0
                },
            loc,
            aux: start.unwrap_or(0),
            inst,
            seq: self.seq,
        };
        self.seq = self.seq.wrapping_add(1);
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK_RECORDS => c.push(rec),
            _ => {
                let mut c = Vec::with_capacity(CHUNK_RECORDS);
                c.push(rec);
                self.chunks.push(c);
            }
        }
    }

    /// Returns false if a top-level function with the same `(start, size)` was already added
    /// (the same code emitted in several compilation units; symbolic PR #401).
    pub fn first_time_seen(&mut self, start: u64, end: u64) -> bool {
        let key = (start << 32) ^ end.wrapping_sub(start);
        self.seen_ranges
            .insert(key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ start)
    }

    /// Adds one contiguous range of an outer function with its line segments (sorted, may have
    /// gaps) and its inlined calls (any order; sanitized here).
    pub fn add_function(
        &mut self,
        function: u32,
        start: u64,
        end: u64,
        lines: &[LineSeg],
        inlinees: &[InlineRec],
    ) {
        if end <= start || start > u32::MAX as u64 {
            return;
        }
        let end = end.min(1 << 32);
        let inst = self.next_instance();
        let mut first = true;
        let mut heap = std::mem::take(&mut self.heap);
        let mut stack = std::mem::take(&mut self.stack);
        heap.clear();
        stack.clear();
        for (i, r) in inlinees.iter().enumerate() {
            if r.end > r.start
                && r.start < end
                && r.end > start
                && r.depth < crate::MAX_INLINE_DEPTH
            {
                heap.push(Reverse((r.start.max(start), r.depth, i as u32, r.end)));
            }
        }
        let mut pos = start;
        let mut li = 0usize;
        let mut last_loc = None::<[u32; 4]>;
        loop {
            while stack.last().map_or(false, |o| o.end <= pos) {
                stack.pop();
            }
            // Open every inlinee that starts here, fixing up bad nesting like symbolic's
            // FunctionBuilder: a node without a parent is dropped, one overlapping its open
            // sibling starts after it, one extending past its parent is split at the parent's
            // end and the rest tried again there.
            while let Some(&Reverse((s, depth, i, e))) = heap.peek() {
                if s > pos {
                    break;
                }
                heap.pop();
                let s = s.max(pos);
                if e <= s {
                    continue;
                }
                let d = depth as usize;
                if stack.len() > d {
                    let sibling_end = stack[d].end;
                    if sibling_end < e {
                        heap.push(Reverse((sibling_end, depth, i, e)));
                    }
                    continue;
                }
                if stack.len() < d {
                    continue;
                }
                let parent_end = stack.last().map_or(end, |o| o.end);
                let parent_fn = stack.last().map_or(function, |o| o.function);
                let parent_caller = stack.last().map_or(NONE, |o| o.caller);
                let own_end = e.min(parent_end);
                if e > parent_end && parent_end < end {
                    heap.push(Reverse((parent_end, depth, i, e)));
                }
                let r = &inlinees[i as usize];
                let caller =
                    self.call_location([r.call_file, r.call_line, parent_fn, parent_caller]);
                stack.push(Open {
                    end: own_end,
                    function: r.function,
                    caller,
                });
            }
            if pos >= end {
                break;
            }
            while li < lines.len() && lines[li].end <= pos {
                li += 1;
            }
            let mut next = end;
            if let Some(o) = stack.last() {
                next = next.min(o.end);
            }
            if let Some(&Reverse((s, ..))) = heap.peek() {
                next = next.min(s);
            }
            let row = match lines.get(li) {
                Some(l) if l.start <= pos => {
                    next = next.min(l.end);
                    Some(l)
                }
                Some(l) => {
                    next = next.min(l.start);
                    None
                }
                None => None,
            };
            let (leaf_fn, caller) = stack
                .last()
                .map_or((function, NONE), |o| (o.function, o.caller));
            let (loc, rank) = match row {
                Some(l) => ([l.file, l.line, leaf_fn, caller], RANK_LINE),
                None if stack.is_empty() => ([NONE, 0, function, NONE], RANK_ENTRY),
                None => ([NONE, 0, leaf_fn, caller], RANK_LINE),
            };
            if last_loc != Some(loc) {
                let index = self.push_location(loc);
                // The first record of an instance carries its end: the merge drops a second
                // description of the same (start, end) range from another unit.
                let start = if first {
                    Some(end.min(u32::MAX as u64) as u32)
                } else {
                    None
                };
                first = false;
                self.push_record(pos as u32, rank, index, inst, start);
                last_loc = Some(loc);
            }
            pos = next.max(pos + 1);
        }
        if end <= u32::MAX as u64 {
            self.push_record(end as u32, RANK_SENTINEL, NONE, inst, None);
        }
        self.heap = heap;
        self.stack = stack;
    }

    /// Line rows of `[start, end)` that no function DIE of their unit covers (hand-written
    /// assembly, padding after a function's end). The merge names them after the object symbol
    /// covering each address, or leaves the name empty, as llvm-symbolizer does.
    pub fn add_line_only(&mut self, start: u64, end: u64, lines: &[LineSeg]) -> Result<()> {
        if end <= start || end > u32::MAX as u64 {
            return Ok(());
        }
        let unnamed = self.function(b"", NONE, None)?;
        let inst = self.next_instance();
        let mut at = start;
        let mut first = true;
        for l in lines
            .iter()
            .filter(|l| l.start >= start && l.end <= end && l.end > l.start)
        {
            if l.start > at && !first {
                self.push_record(at as u32, RANK_SENTINEL, NONE, inst, None);
            }
            let loc = self.push_location([l.file, l.line, unnamed, NONE]);
            let instance_end = if first { Some(end as u32) } else { None };
            self.push_record(l.start as u32, RANK_LINE_ONLY, loc, inst, instance_end);
            first = false;
            at = l.end;
        }
        if !first {
            self.push_record(at as u32, RANK_SENTINEL, NONE, inst, None);
        }
        Ok(())
    }

    /// A symbol-table entry: only fills addresses that no function covers. Several symbols at
    /// one address are all recorded; the merge keeps the alias llvm-symbolizer shows.
    pub fn add_symbol(&mut self, name: &[u8], addr: u64, size: u64) -> Result<()> {
        self.symbol_record(name, addr, size, FLAG_RENAMES)
    }

    /// A symbol of an object file's symbol table: besides filling addresses nothing else starts
    /// at, it names the line rows without a function DIE and the code after a function's end
    /// that it covers (`[addr, addr + size)`, or up to the next symbol when the size is 0: what
    /// llvm-symbolizer's symbol-table lookup answers).
    /// `renames`: the name replaces the DWARF name of a function starting here (merge rule 3).
    pub fn add_object_symbol(
        &mut self,
        name: &[u8],
        addr: u64,
        size: u64,
        renames: bool,
    ) -> Result<()> {
        let flags = if renames {
            FLAG_COVERS | FLAG_RENAMES
        } else {
            FLAG_COVERS
        };
        self.symbol_record(name, addr, size, flags)
    }

    fn symbol_record(&mut self, name: &[u8], addr: u64, size: u64, flags: u8) -> Result<()> {
        if name.is_empty() || addr > u32::MAX as u64 {
            return Ok(());
        }
        let f = self.function(name, addr as u32, None)?;
        let loc = self.push_location([NONE, 0, f, NONE]);
        let inst = self.next_instance();
        self.push_flagged(
            addr as u32,
            RANK_SYMBOL,
            flags,
            loc,
            inst,
            Some(size.min(u32::MAX as u64) as u32),
        );
        let end = addr.saturating_add(size);
        if size > 0 && end <= u32::MAX as u64 {
            self.push_record(end as u32, RANK_SENTINEL, NONE, inst, None);
        }
        Ok(())
    }

    /// Sorts the records and hands them over with the tables they point into.
    pub fn finish(mut self) -> UnitRecords {
        for c in &mut self.chunks {
            // One key: address, rank, then write order.
            c.sort_unstable_by_key(|r| {
                (r.addr as u128) << 40 | (r.rank as u128) << 32 | r.seq as u128
            });
        }
        self.location_map = FxHashMap::default();
        self.function_map = FxHashMap::default();
        self.file_map = FxHashMap::default();
        self.demangled = FxHashMap::default();
        self.seen_ranges = FxHashSet::default();
        UnitRecords {
            chunks: std::mem::take(&mut self.chunks),
            writer: self,
        }
    }
}

/// A finished writer: sorted record chunks and the tables their locations point into.
pub struct UnitRecords {
    chunks: Vec<Vec<Rec>>,
    writer: Writer,
}

impl UnitRecords {
    pub fn num_chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Record `i` of chunk `c`, with its global order and instance.
    pub fn record(&self, c: usize, i: usize) -> Option<Record> {
        let r = self.chunks.get(c)?.get(i)?;
        let unit = (self.writer.unit as u64) << 32;
        Some(Record {
            addr: r.addr,
            rank: r.rank,
            flags: r.flags,
            loc: r.loc,
            aux: r.aux,
            order: unit | r.seq as u64,
            inst: unit | r.inst as u64,
        })
    }

    pub fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Vec::is_empty)
    }
}

impl Tables for UnitRecords {
    fn location(&self, i: u32) -> Option<[u32; 4]> {
        self.writer.locations.get(i as usize).copied()
    }
    fn function(&self, i: u32) -> Option<[u32; 4]> {
        self.writer.functions.get(i as usize).copied()
    }
    fn file(&self, i: u32) -> Option<[u32; 4]> {
        let [c, d, n] = *self.writer.files.get(i as usize)?;
        Some([
            c,
            d,
            n,
            self.writer.source_links.get(&i).copied().unwrap_or(NONE),
        ])
    }
    fn string(&self, offset: u32) -> Option<&[u8]> {
        if offset == NONE {
            return Some(&[]);
        }
        self.writer.strings.get(offset)
    }
}

/// Windows C name undecoration as symbolic does it for PE/PDB: `_name@N` (stdcall),
/// `@name@N` (fastcall), `name@@N` (vectorcall) and `_name` (cdecl) become `name`; C++ and
/// anything already readable stays.
pub fn undecorate_c_name(name: &[u8]) -> &[u8] {
    if name.first() == Some(&b'?') || name.iter().any(|&b| b == b':' || b == b'(' || b == b'<') {
        return name;
    }
    let strip_suffix = |n: &[u8], sep: &[u8]| -> Option<usize> {
        let at = n.windows(sep.len()).rposition(|w| w == sep)?;
        let digits = &n[at + sep.len()..];
        if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
            Some(at)
        } else {
            None
        }
    };
    if let Some(at) = strip_suffix(name, b"@@") {
        return &name[..at];
    }
    if let Some(first) = name.first() {
        if *first == b'_' || *first == b'@' {
            if let Some(at) = strip_suffix(name, b"@") {
                if at > 1 {
                    return &name[1..at];
                }
            }
            if *first == b'_' {
                return &name[1..];
            }
        }
    }
    name
}
