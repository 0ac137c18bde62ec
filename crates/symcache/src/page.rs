//! Pages: self-contained groups of consecutive range records with the tables their frames need.
//!
//! Both the final symcache and the sorted runs a build writes between its stages are sequences
//! of pages. A page carries its own string, file, function and location tables, so a reader
//! needs exactly one page (and the symcache's index) to answer a lookup, and a merge holds one
//! page per input. All integers are u32 little-endian; `NONE` is `0xFFFF_FFFF`.
//!
//! Final page (docs/symcache-format.md, version 3):
//!
//! | size | content |
//! |---|---|
//! | 4 × 8 | num_ranges, num_locations, num_functions, num_files, string_bytes, 0, 0, 0 |
//! | 4 × num_ranges | range start addresses, strictly ascending |
//! | 4 × num_ranges | location of each range (`NONE`: a gap, no frames) |
//! | 16 × num_locations | Location `{file, line, function, inlined_into}` |
//! | 16 × num_functions | Function `{name, demangled_name, entry_pc, lang}` |
//! | 16 × num_files | File `{comp_dir, directory, name, source_link}` (`NONE`: no link) |
//! | string_bytes | strings: ULEB128 length + UTF-8 bytes |
//!
//! Run page: a 32-byte header `{page_bytes, num_records, num_locations, num_functions,
//! num_files, string_bytes, 0, 0}`, then 32-byte records `{addr, rank u8, flags u8, 0 u16,
//! location, aux, order u64, instance u64}`, then the same tables.

use crate::hash::{hash_bytes, FxHashMap};
use crate::writer::NONE;

pub const FINAL_HEADER: usize = 32;
pub const RUN_HEADER: usize = 32;
pub const RUN_RECORD: usize = 32;

/// Record ranks: where several records start at one address, the lowest rank wins.
pub const RANK_LINE: u8 = 0;
pub const RANK_ENTRY: u8 = 1;
/// A line-table row no function DIE covers (assembly, padding): its name comes from the symbol
/// covering the address in the final merge.
pub const RANK_LINE_ONLY: u8 = 2;
pub const RANK_SYMBOL: u8 = 3;
pub const RANK_SENTINEL: u8 = 4;

/// The record is the first of its instance (a function range, or a symbol).
pub const FLAG_INSTANCE_START: u8 = 1;
/// A symbol of an object file's symbol table: it names every address it covers that no function
/// names, as llvm-symbolizer's symbol-table lookup does (Breakpad PUBLIC records and PDB publics
/// do not carry it: they only fill addresses nothing else starts at).
pub const FLAG_COVERS: u8 = 2;
/// A symbol whose name replaces the DWARF name of a function range starting at it (merge rule
/// 3): ELF and Mach-O symbol tables, PDB publics, Breakpad PUBLIC records. Not WebAssembly's
/// name section, whose names wasm-ld writes demangled (with return types) where DWARF has the
/// linkage name llvm-symbolizer shows.
pub const FLAG_RENAMES: u8 = 4;

/// One range record before conflicts are settled (see `merge.rs` for the rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub addr: u32,
    pub rank: u8,
    pub flags: u8,
    /// Location index in the tables it came with; `NONE` for a sentinel.
    pub loc: u32,
    /// Instance start: the end of a function range, or the size of a symbol.
    pub aux: u32,
    /// Global order: unit << 32 | sequence within the unit.
    pub order: u64,
    /// Global instance id: unit << 32 | instance within the unit.
    pub inst: u64,
}

/// Read access to the tables a record's location points into.
pub trait Tables {
    fn location(&self, i: u32) -> Option<[u32; 4]>;
    fn function(&self, i: u32) -> Option<[u32; 4]>;
    /// `{comp_dir, directory, name, source_link}`.
    fn file(&self, i: u32) -> Option<[u32; 4]>;
    fn string(&self, offset: u32) -> Option<&[u8]>;
}

/// Reads a ULEB128-length-prefixed string at `offset` of `table`.
pub fn read_string(table: &[u8], offset: u32) -> Option<&[u8]> {
    let mut pos = offset as usize;
    let mut len = 0usize;
    let mut shift = 0;
    loop {
        let b = *table.get(pos)?;
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
    table.get(pos..pos.checked_add(len)?)
}

fn push_string(out: &mut Vec<u8>, s: &[u8]) {
    let mut n = s.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(s);
}

/// A frame's function as content: what a page stores for it.
#[derive(Clone, Copy)]
pub struct FunctionContent<'a> {
    pub name: &'a [u8],
    pub demangled: &'a [u8],
    pub entry_pc: u32,
    pub lang: u32,
}

/// Collects records and the tables they need, interning by content, and writes a page.
#[derive(Default)]
pub struct PageBuilder {
    strings: Vec<u8>,
    string_map: FxHashMap<u64, Vec<u32>>,
    files: Vec<[u32; 4]>,
    file_map: FxHashMap<[u32; 4], (u32, u64)>,
    functions: Vec<[u32; 4]>,
    function_map: FxHashMap<[u32; 4], (u32, u64)>,
    locations: Vec<[u32; 4]>,
    location_map: FxHashMap<[u32; 4], (u32, u64)>,
    records: Vec<Record>,
    /// Final pages: range starts and their locations.
    ranges: Vec<u32>,
    range_locs: Vec<u32>,
}

impl PageBuilder {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.ranges.is_empty()
    }

    /// Bytes the page would take now (tables included).
    pub fn approx_bytes(&self) -> usize {
        FINAL_HEADER
            + self.records.len() * RUN_RECORD
            + self.ranges.len() * 8
            + self.locations.len() * 16
            + self.functions.len() * 16
            + self.files.len() * 16
            + self.strings.len()
    }

    pub fn first_addr(&self) -> Option<u32> {
        self.records
            .first()
            .map(|r| r.addr)
            .or_else(|| self.ranges.first().copied())
    }

    /// Interns a string that may be absent: empty is `NONE` (a file's directories).
    pub fn optional_string(&mut self, s: &[u8]) -> (u32, u64) {
        if s.is_empty() {
            return (NONE, 0);
        }
        self.string(s)
    }

    /// Interns a string (even empty: a function without a name has the name ""); returns its
    /// offset and a content hash.
    pub fn string(&mut self, s: &[u8]) -> (u32, u64) {
        let h = hash_bytes(s);
        if let Some(list) = self.string_map.get(&h) {
            for &off in list {
                if read_string(&self.strings, off) == Some(s) {
                    return (off, h);
                }
            }
        }
        let off = self.strings.len() as u32;
        push_string(&mut self.strings, s);
        self.string_map.entry(h).or_default().push(off);
        (off, h)
    }

    /// Interns a file; `source_link` (the URL of its exact version) may be empty.
    pub fn file(
        &mut self,
        comp_dir: &[u8],
        dir: &[u8],
        name: &[u8],
        source_link: &[u8],
    ) -> (u32, u64) {
        let (c, hc) = self.optional_string(comp_dir);
        let (d, hd) = self.optional_string(dir);
        let (n, hn) = self.string(name);
        let (l, hl) = self.optional_string(source_link);
        let key = [c, d, n, l];
        if let Some(&hit) = self.file_map.get(&key) {
            return hit;
        }
        let h = mix(mix(mix(mix(0x66, hc), hd), hn), hl);
        let i = (self.files.len() as u32, h);
        self.files.push(key);
        self.file_map.insert(key, i);
        i
    }

    pub fn function(&mut self, f: FunctionContent<'_>) -> (u32, u64) {
        let (n, hn) = self.string(f.name);
        let (d, hd) = if f.demangled == f.name {
            (n, hn)
        } else {
            self.string(f.demangled)
        };
        let key = [n, d, f.entry_pc, f.lang];
        if let Some(&hit) = self.function_map.get(&key) {
            return hit;
        }
        let h = mix(
            mix(mix(mix(0x46, hn), hd), f.entry_pc as u64),
            f.lang as u64,
        );
        let i = (self.functions.len() as u32, h);
        self.functions.push(key);
        self.function_map.insert(key, i);
        i
    }

    /// Interns a location whose file, function and caller are already interned here.
    pub fn location(
        &mut self,
        file: (u32, u64),
        line: u32,
        function: (u32, u64),
        caller: (u32, u64),
    ) -> (u32, u64) {
        let key = [file.0, line, function.0, caller.0];
        if let Some(&hit) = self.location_map.get(&key) {
            return hit;
        }
        let h = mix(
            mix(mix(mix(0x4c, file.1), line as u64), function.1),
            caller.1,
        );
        let i = (self.locations.len() as u32, h);
        self.locations.push(key);
        self.location_map.insert(key, i);
        i
    }

    /// A run page record (its `loc` already interned here).
    pub fn push_record(&mut self, record: Record) {
        self.records.push(record);
    }

    /// A final range: from `addr`, the frames of `loc` (`NONE`: a gap).
    pub fn push_range(&mut self, addr: u32, loc: u32) {
        self.ranges.push(addr);
        self.range_locs.push(loc);
    }

    /// Writes the page (run page when records were pushed) and empties the builder.
    pub fn finish(&mut self) -> Vec<u8> {
        let run = !self.records.is_empty();
        let mut out = Vec::with_capacity(self.approx_bytes() + 32);
        let tables = [
            self.locations.len() as u32,
            self.functions.len() as u32,
            self.files.len() as u32,
            self.strings.len() as u32,
        ];
        if run {
            // The page length is filled in at the end.
            put(&mut out, 0);
            put(&mut out, self.records.len() as u32);
        } else {
            put(&mut out, self.ranges.len() as u32);
        }
        tables.iter().for_each(|&v| put(&mut out, v));
        out.resize(FINAL_HEADER, 0);
        if run {
            for r in &self.records {
                put(&mut out, r.addr);
                out.extend_from_slice(&[r.rank, r.flags, 0, 0]);
                put(&mut out, r.loc);
                put(&mut out, r.aux);
                out.extend_from_slice(&r.order.to_le_bytes());
                out.extend_from_slice(&r.inst.to_le_bytes());
            }
        } else {
            self.ranges.iter().for_each(|&a| put(&mut out, a));
            self.range_locs.iter().for_each(|&l| put(&mut out, l));
        }
        self.locations
            .iter()
            .flatten()
            .for_each(|&v| put(&mut out, v));
        self.functions
            .iter()
            .flatten()
            .for_each(|&v| put(&mut out, v));
        self.files.iter().flatten().for_each(|&v| put(&mut out, v));
        out.extend_from_slice(&self.strings);
        if run {
            let len = out.len() as u32;
            out[0..4].copy_from_slice(&len.to_le_bytes());
        }
        *self = PageBuilder::default();
        out
    }
}

/// Combines hashes (FxHash-style step).
pub fn mix(h: u64, v: u64) -> u64 {
    (h.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

fn put(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A run page read back: its records and tables, checked against its length.
pub struct RunPage {
    bytes: Vec<u8>,
    pub num_records: usize,
    locations: usize,
    num_locations: u32,
    functions: usize,
    num_functions: u32,
    files: usize,
    num_files: u32,
    strings: usize,
}

impl RunPage {
    pub fn parse(bytes: Vec<u8>) -> Option<RunPage> {
        let n = |i: usize| u32_at(&bytes, 4 * i);
        let (len, records, locs, fns, files, strings) = (n(0)?, n(1)?, n(2)?, n(3)?, n(4)?, n(5)?);
        let loc_at = RUN_HEADER.checked_add((records as usize).checked_mul(RUN_RECORD)?)?;
        let fn_at = loc_at.checked_add(locs as usize * 16)?;
        let file_at = fn_at.checked_add(fns as usize * 16)?;
        let str_at = file_at.checked_add(files as usize * 16)?;
        if len as usize != bytes.len() || str_at.checked_add(strings as usize)? != bytes.len() {
            return None;
        }
        Some(RunPage {
            num_records: records as usize,
            locations: loc_at,
            num_locations: locs,
            functions: fn_at,
            num_functions: fns,
            files: file_at,
            num_files: files,
            strings: str_at,
            bytes,
        })
    }

    pub fn record(&self, i: usize) -> Option<Record> {
        let at = RUN_HEADER + i * RUN_RECORD;
        let b = &self.bytes;
        Some(Record {
            addr: u32_at(b, at)?,
            rank: *b.get(at + 4)?,
            flags: *b.get(at + 5)?,
            loc: u32_at(b, at + 8)?,
            aux: u32_at(b, at + 12)?,
            order: u64_at(b, at + 16)?,
            inst: u64_at(b, at + 24)?,
        })
    }
}

impl Tables for RunPage {
    fn location(&self, i: u32) -> Option<[u32; 4]> {
        if i >= self.num_locations {
            return None;
        }
        let at = self.locations + i as usize * 16;
        Some([
            u32_at(&self.bytes, at)?,
            u32_at(&self.bytes, at + 4)?,
            u32_at(&self.bytes, at + 8)?,
            u32_at(&self.bytes, at + 12)?,
        ])
    }

    fn function(&self, i: u32) -> Option<[u32; 4]> {
        if i >= self.num_functions {
            return None;
        }
        let at = self.functions + i as usize * 16;
        Some([
            u32_at(&self.bytes, at)?,
            u32_at(&self.bytes, at + 4)?,
            u32_at(&self.bytes, at + 8)?,
            u32_at(&self.bytes, at + 12)?,
        ])
    }

    fn file(&self, i: u32) -> Option<[u32; 4]> {
        if i >= self.num_files {
            return None;
        }
        let at = self.files + i as usize * 16;
        Some([
            u32_at(&self.bytes, at)?,
            u32_at(&self.bytes, at + 4)?,
            u32_at(&self.bytes, at + 8)?,
            u32_at(&self.bytes, at + 12)?,
        ])
    }

    fn string(&self, offset: u32) -> Option<&[u8]> {
        if offset == NONE {
            return Some(&[]);
        }
        read_string(&self.bytes[self.strings..], offset)
    }
}
