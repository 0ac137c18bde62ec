//! The symcache writer: interns strings, files, functions and call locations, collects range
//! records compactly and serializes the format described in `lib.rs`.
//!
//! Conflicts between records at the same start address are settled at the end, by rank,
//! instead of in a map that is updated in place (symbolic keeps a `BTreeMap`):
//!
//! | rank | record | among equals |
//! |---|---|---|
//! | 0 | a line of a function (DWARF, Breakpad FUNC) | the **last** one written wins |
//! | 1 | a function entry without line info | the first wins |
//! | 2 | a symbol-table entry | the first wins |
//! | 3 | the end sentinel of a function or symbol | (all equal) |
//!
//! This is the outcome of symbolic's rules "lines overwrite", "entry fallback and symbols only
//! fill holes or sentinels", "sentinels only go into vacant slots", without holding a tree of
//! every range. Records are 24 bytes, kept in fixed-size chunks (no doubling reallocation of one
//! huge vector), each chunk sorted at the end and k-way merged straight into the output.

use crate::demangle::demangle;
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{hash_bytes, FxHashMap, FxHashSet};
use crate::lang::Lang;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub const MAGIC: [u8; 4] = *b"SYCE";
pub const VERSION: u32 = 1;
pub const NONE: u32 = u32::MAX;
pub const HEADER_SIZE: usize = 80;
pub const FILE_SIZE: usize = 12;
pub const FUNCTION_SIZE: usize = 16;
pub const SOURCE_LOCATION_SIZE: usize = 16;

const SENTINEL: [u32; 4] = [NONE; 4];
const RANK_LINE: u64 = 0;
const RANK_ENTRY: u64 = 1;
const RANK_SYMBOL: u64 = 2;
const RANK_SENTINEL: u64 = 3;
const SEQ_MASK: u64 = (1 << 30) - 1;
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

#[derive(Clone, Copy)]
struct Record {
    key: u64,
    loc: [u32; 4],
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
            return Err(Error::new(ErrorKind::TooLarge, "the symcache string table would exceed 4 GiB"));
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
}

pub struct Writer {
    pub strings: StringTable,
    files: Vec<[u32; 3]>,
    file_map: FxHashMap<[u32; 3], u32>,
    functions: Vec<[u32; 4]>,
    function_map: FxHashMap<(u32, u32, u32), u32>,
    demangled: FxHashMap<(u32, u32), u32>,
    call_locations: Vec<[u32; 4]>,
    call_map: FxHashMap<[u32; 4], u32>,
    chunks: Vec<Vec<Record>>,
    seq: u64,
    seen_ranges: FxHashSet<u64>,
    /// `(file, url)` string offsets: where a file's exact version can be downloaded.
    source_links: Vec<(u32, u32)>,
    pub debug_id: [u8; 32],
    pub arch: u32,
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

impl Default for Writer {
    fn default() -> Self {
        Writer {
            strings: StringTable::default(),
            files: Vec::new(),
            file_map: FxHashMap::default(),
            functions: Vec::new(),
            function_map: FxHashMap::default(),
            demangled: FxHashMap::default(),
            call_locations: Vec::new(),
            call_map: FxHashMap::default(),
            chunks: Vec::new(),
            seq: 0,
            seen_ranges: FxHashSet::default(),
            source_links: Vec::new(),
            debug_id: [0; 32],
            arch: 0,
            is_windows: false,
            heap: BinaryHeap::new(),
            stack: Vec::new(),
        }
    }
}

impl Writer {
    /// Interns a file; `comp_dir` and `dir` may be empty.
    pub fn file(&mut self, comp_dir: &[u8], dir: &[u8], name: &[u8]) -> Result<u32> {
        let c = if comp_dir.is_empty() { NONE } else { self.strings.intern(comp_dir)? };
        let d = if dir.is_empty() { NONE } else { self.strings.intern(dir)? };
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
        if file == NONE || self.source_links.iter().any(|l| l.0 == file) {
            return Ok(());
        }
        let url = self.strings.intern(url)?;
        self.source_links.push((file, url));
        Ok(())
    }

    /// Interns a function record. `entry_pc` is `NONE` for inlined functions; `lang` is `None`
    /// for symbol-table entries.
    pub fn function(&mut self, raw_name: &[u8], entry_pc: u32, lang: Option<Lang>) -> Result<u32> {
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
            return Err(Error::new(ErrorKind::TooLarge, "too many functions for one symcache"));
        }
        self.functions.push([name, dm, entry_pc, lang_code]);
        self.function_map.insert(key, i);
        Ok(i)
    }

    fn call_location(&mut self, loc: [u32; 4]) -> u32 {
        if let Some(&i) = self.call_map.get(&loc) {
            return i;
        }
        let i = self.call_locations.len() as u32;
        self.call_locations.push(loc);
        self.call_map.insert(loc, i);
        i
    }

    fn push_record(&mut self, addr: u32, rank: u64, loc: [u32; 4]) {
        let seq = self.seq & SEQ_MASK;
        self.seq += 1;
        let tie = if rank == RANK_LINE { SEQ_MASK - seq } else { seq };
        let key = ((addr as u64) << 32) | (rank << 30) | tie;
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK_RECORDS => c.push(Record { key, loc }),
            _ => {
                let mut c = Vec::with_capacity(CHUNK_RECORDS);
                c.push(Record { key, loc });
                self.chunks.push(c);
            }
        }
    }

    /// Returns false if a top-level function with the same `(start, size)` was already added
    /// (the same code emitted in several compilation units; symbolic PR #401).
    pub fn first_time_seen(&mut self, start: u64, end: u64) -> bool {
        let key = (start << 32) ^ end.wrapping_sub(start);
        self.seen_ranges.insert(key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ start)
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
        let mut heap = std::mem::take(&mut self.heap);
        let mut stack = std::mem::take(&mut self.stack);
        heap.clear();
        stack.clear();
        for (i, r) in inlinees.iter().enumerate() {
            if r.end > r.start && r.start < end && r.end > start && r.depth < crate::MAX_INLINE_DEPTH {
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
                let caller = self.call_location([r.call_file, r.call_line, parent_fn, parent_caller]);
                stack.push(Open { end: own_end, function: r.function, caller });
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
            let (leaf_fn, caller) = stack.last().map_or((function, NONE), |o| (o.function, o.caller));
            let (loc, rank) = match row {
                Some(l) => ([l.file, l.line, leaf_fn, caller], RANK_LINE),
                None if stack.is_empty() => ([NONE, 0, function, NONE], RANK_ENTRY),
                None => ([NONE, 0, leaf_fn, caller], RANK_LINE),
            };
            if last_loc != Some(loc) {
                self.push_record(pos as u32, rank, loc);
                last_loc = Some(loc);
            }
            pos = next.max(pos + 1);
        }
        if end <= u32::MAX as u64 {
            self.push_record(end as u32, RANK_SENTINEL, SENTINEL);
        }
        self.heap = heap;
        self.stack = stack;
    }

    /// A symbol-table entry: only fills addresses that no function covers.
    pub fn add_symbol(&mut self, name: &[u8], addr: u64, size: u64) -> Result<()> {
        if name.is_empty() || addr > u32::MAX as u64 {
            return Ok(());
        }
        let f = self.function(name, addr as u32, None)?;
        self.push_record(addr as u32, RANK_SYMBOL, [NONE, 0, f, NONE]);
        let end = addr.saturating_add(size);
        if size > 0 && end <= u32::MAX as u64 {
            self.push_record(end as u32, RANK_SENTINEL, SENTINEL);
        }
        Ok(())
    }

    /// Sorts the range records and writes the final bytes.
    pub fn serialize(mut self) -> Result<Vec<u8>> {
        for c in &mut self.chunks {
            c.sort_unstable_by_key(|r| r.key);
        }
        let mut num_ranges = 0u64;
        merge_ranges(&self.chunks, |_, _| num_ranges += 1);
        let n_calls = self.call_locations.len() as u64;
        let n_sl = n_calls + num_ranges;
        if n_sl >= NONE as u64 || self.files.len() as u64 >= NONE as u64 {
            return Err(Error::new(ErrorKind::TooLarge, "the debug file has more line records than a symcache can hold"));
        }
        let files_bytes = pad8(self.files.len() * FILE_SIZE);
        let fn_bytes = pad8(self.functions.len() * FUNCTION_SIZE);
        let sl_bytes = pad8(n_sl as usize * SOURCE_LOCATION_SIZE);
        let range_bytes = pad8(num_ranges as usize * 4);
        let total = HEADER_SIZE + files_bytes + fn_bytes + sl_bytes + range_bytes + self.strings.len();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&MAGIC);
        put(&mut out, VERSION);
        out.extend_from_slice(&self.debug_id);
        put(&mut out, self.arch);
        put(&mut out, self.files.len() as u32);
        put(&mut out, self.functions.len() as u32);
        put(&mut out, n_sl as u32);
        put(&mut out, num_ranges as u32);
        put(&mut out, self.strings.len() as u32);
        put(&mut out, self.source_links.len() as u32);
        out.extend_from_slice(&[0u8; 12]);
        for f in &self.files {
            f.iter().for_each(|&v| put(&mut out, v));
        }
        align8(&mut out);
        for f in &self.functions {
            f.iter().for_each(|&v| put(&mut out, v));
        }
        align8(&mut out);
        for l in &self.call_locations {
            l.iter().for_each(|&v| put(&mut out, v));
        }
        self.call_locations = Vec::new();
        self.call_map = FxHashMap::default();
        let range_start = out.len() + num_ranges as usize * SOURCE_LOCATION_SIZE;
        let range_start = pad8(range_start);
        out.resize(range_start + range_bytes, 0);
        let mut sl_pos = HEADER_SIZE + files_bytes + fn_bytes + n_calls as usize * SOURCE_LOCATION_SIZE;
        let mut r_pos = range_start;
        merge_ranges(&self.chunks, |addr, loc| {
            for (k, v) in loc.iter().enumerate() {
                out[sl_pos + 4 * k..sl_pos + 4 * k + 4].copy_from_slice(&v.to_le_bytes());
            }
            sl_pos += SOURCE_LOCATION_SIZE;
            out[r_pos..r_pos + 4].copy_from_slice(&addr.to_le_bytes());
            r_pos += 4;
        });
        self.chunks = Vec::new();
        out.extend_from_slice(&self.strings.bytes);
        debug_assert_eq!(out.len(), total);
        if !self.source_links.is_empty() {
            align8(&mut out);
            self.source_links.sort_unstable();
            for &(file, url) in &self.source_links {
                put(&mut out, file);
                put(&mut out, url);
            }
        }
        Ok(out)
    }
}

/// Walks the records of all chunks in key order and reports the winning location per start
/// address, dropping starts that repeat the previous location (they change no lookup).
fn merge_ranges(chunks: &[Vec<Record>], mut emit: impl FnMut(u32, &[u32; 4])) {
    let mut heap: BinaryHeap<Reverse<(u64, u32, u32)>> = BinaryHeap::with_capacity(chunks.len());
    for (ci, c) in chunks.iter().enumerate() {
        if let Some(r) = c.first() {
            heap.push(Reverse((r.key, ci as u32, 0)));
        }
    }
    let mut last_addr = None::<u32>;
    let mut last_loc = SENTINEL;
    while let Some(Reverse((key, ci, pos))) = heap.pop() {
        let chunk = &chunks[ci as usize];
        if let Some(r) = chunk.get(pos as usize + 1) {
            heap.push(Reverse((r.key, ci, pos + 1)));
        }
        let addr = (key >> 32) as u32;
        if last_addr == Some(addr) {
            continue;
        }
        last_addr = Some(addr);
        let loc = chunk[pos as usize].loc;
        if loc == last_loc {
            continue;
        }
        last_loc = loc;
        emit(addr, &loc);
    }
}

fn put(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn pad8(n: usize) -> usize {
    (n + 7) & !7
}

fn align8(out: &mut Vec<u8>) {
    let n = pad8(out.len());
    out.resize(n, 0);
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
