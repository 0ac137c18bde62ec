//! The ECMA-335 metadata of a Portable PDB: the root, its streams, the heaps and the rows of the
//! debug tables (ECMA-335 II.24; dotnet/runtime `docs/design/specs/PortablePdb-Metadata.md`).
//!
//! ```text
//! root     "BSJB" | major u16 | minor u16 | reserved u32 | version length u32 | version (padded
//!          to 4) | flags u16 | streams u16 | { offset u32, size u32, name NUL-padded to 4 } x n
//! #Pdb     PDB id [20] (GUID + stamp) | entry point u32 | referenced type-system tables u64 |
//!          row count u32 per referenced table (the assembly's tables, which size the indexes)
//! #~       reserved u32 | major u8 | minor u8 | heap sizes u8 | reserved u8 | valid u64 |
//!          sorted u64 | row count u32 per valid table | the tables, back to back
//! ```
//!
//! A Portable PDB's own `#~` holds only the debug tables 0x30-0x37; their rows are sized by the
//! heap-size flags and the row counts of the tables they index (2-byte indexes below 2^16 rows,
//! coded indexes below 2^(16 - tag bits)). Every read is bounds-checked and fails with a reason.

use crate::error::{Error, ErrorKind, Result};

pub const DOCUMENT: usize = 0x30;
pub const METHOD_DEBUG_INFORMATION: usize = 0x31;
const LOCAL_SCOPE: usize = 0x32;
const LOCAL_VARIABLE: usize = 0x33;
const LOCAL_CONSTANT: usize = 0x34;
const IMPORT_SCOPE: usize = 0x35;
const STATE_MACHINE_METHOD: usize = 0x36;
pub const CUSTOM_DEBUG_INFORMATION: usize = 0x37;
const METHOD_DEF: usize = 0x06;

/// The tables a HasCustomDebugInformation coded index can point into, in tag order.
pub const HAS_CUSTOM_DEBUG_INFORMATION: [usize; 27] = [
    0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0A, 0x00, 0x0E, 0x17, 0x14, 0x11, 0x1A, 0x1B, 0x20, 0x23,
    0x26, 0x27, 0x28, 0x2A, 0x2C, 0x2B, 0x30, 0x32, 0x33, 0x34, 0x35,
];
pub const TAG_MODULE: u32 = 7;
pub const TAG_DOCUMENT: u32 = 22;

pub fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadDebugInfo, message)
}

/// A bounds-checked little-endian reader over a byte slice.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub fn at(data: &'a [u8], pos: usize) -> Self {
        Reader { data, pos }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Option<u64> {
        let lo = self.u32()? as u64;
        let hi = self.u32()? as u64;
        Some(lo | hi << 32)
    }

    /// An index of 2 or 4 bytes.
    pub fn index(&mut self, wide: bool) -> Option<u32> {
        if wide {
            self.u32()
        } else {
            self.u16().map(u32::from)
        }
    }

    /// ECMA-335 II.23.2 compressed unsigned integer (1, 2 or 4 bytes, big-endian).
    pub fn compressed_u32(&mut self) -> Option<u32> {
        let first = self.u8()? as u32;
        if first & 0x80 == 0 {
            Some(first)
        } else if first & 0xC0 == 0x80 {
            Some((first & 0x3F) << 8 | self.u8()? as u32)
        } else if first & 0xE0 == 0xC0 {
            let rest = self.bytes(3)?;
            Some(
                (first & 0x1F) << 24
                    | (rest[0] as u32) << 16
                    | (rest[1] as u32) << 8
                    | rest[2] as u32,
            )
        } else {
            None
        }
    }

    /// ECMA-335 II.23.2 compressed signed integer: the sign is rotated into the lowest bit of
    /// a 7-, 14- or 29-bit value.
    pub fn compressed_i32(&mut self) -> Option<i32> {
        let first = *self.data.get(self.pos)?;
        let bits = if first & 0x80 == 0 {
            7
        } else if first & 0xC0 == 0x80 {
            14
        } else {
            29
        };
        let raw = self.compressed_u32()?;
        let magnitude = (raw >> 1) as i32;
        Some(if raw & 1 == 0 {
            magnitude
        } else {
            magnitude - (1 << (bits - 1))
        })
    }
}

/// The streams and debug tables of a Portable PDB, borrowed from its bytes.
pub struct Metadata<'a> {
    pub pdb_id: [u8; 20],
    blobs: &'a [u8],
    guids: &'a [u8],
    /// Rows of all 64 tables: the PDB's own and the assembly's (from `#Pdb`).
    pub rows: [u32; 64],
    /// Where each debug table starts in `#~`, and its row size.
    tables: [(usize, usize); 64],
    tilde: &'a [u8],
    pub wide_strings: bool,
    pub wide_guids: bool,
    pub wide_blobs: bool,
}

const MAX_STREAMS: usize = 16;

impl<'a> Metadata<'a> {
    // The table loop's variable is the table's number (in `valid`'s bits and the messages), not
    // only an index into `rows`.
    #[allow(clippy::needless_range_loop)]
    pub fn parse(data: &'a [u8]) -> Result<Metadata<'a>> {
        let mut r = Reader::new(data);
        if r.bytes(4) != Some(&b"BSJB"[..]) {
            return Err(bad(
                "this is not a Portable PDB (no BSJB metadata signature)",
            ));
        }
        r.bytes(8)
            .ok_or_else(|| bad("the Portable PDB's metadata root is truncated"))?;
        let version_len = r
            .u32()
            .ok_or_else(|| bad("the Portable PDB's metadata root is truncated"))?
            as usize;
        if version_len > 255 {
            return Err(bad(
                "the Portable PDB's metadata version string is longer than 255 bytes",
            ));
        }
        r.bytes((version_len + 3) & !3)
            .ok_or_else(|| bad("the Portable PDB's metadata root is truncated"))?;
        r.u16();
        let count = r
            .u16()
            .ok_or_else(|| bad("the Portable PDB's metadata root is truncated"))?
            as usize;
        let (mut pdb, mut tilde, mut blobs, mut guids) = (None, None, &[][..], &[][..]);
        for _ in 0..count.min(MAX_STREAMS) {
            let (offset, size) = match (r.u32(), r.u32()) {
                (Some(o), Some(s)) => (o as usize, s as usize),
                _ => return Err(bad("the Portable PDB's stream headers are truncated")),
            };
            let mut name = Vec::new();
            loop {
                let chunk = r
                    .bytes(4)
                    .ok_or_else(|| bad("the Portable PDB's stream headers are truncated"))?;
                name.extend_from_slice(chunk);
                if chunk.contains(&0) || name.len() > 32 {
                    break;
                }
            }
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            let body = offset
                .checked_add(size)
                .and_then(|end| data.get(offset..end))
                .ok_or_else(|| {
                    bad(format!(
                        "the Portable PDB's {} stream lies outside the file",
                        String::from_utf8_lossy(name)
                    ))
                })?;
            match name {
                b"#Pdb" => pdb = Some(body),
                b"#~" | b"#-" => tilde = Some(body),
                b"#Blob" => blobs = body,
                b"#GUID" => guids = body,
                _ => {}
            }
        }
        let pdb = pdb.ok_or_else(|| bad("the Portable PDB has no #Pdb stream"))?;
        let tilde = tilde.ok_or_else(|| bad("the Portable PDB has no #~ table stream"))?;

        let mut rows = [0u32; 64];
        let mut p = Reader::new(pdb);
        let mut pdb_id = [0u8; 20];
        pdb_id.copy_from_slice(
            p.bytes(20)
                .ok_or_else(|| bad("the #Pdb stream is truncated"))?,
        );
        p.u32();
        let referenced = p.u64().ok_or_else(|| bad("the #Pdb stream is truncated"))?;
        if referenced >> DOCUMENT != 0 {
            return Err(bad(
                "the #Pdb stream names debug tables among the assembly's type-system tables",
            ));
        }
        for (table, count) in rows.iter_mut().enumerate() {
            if referenced & (1 << table) != 0 {
                *count = p
                    .u32()
                    .ok_or_else(|| bad("the #Pdb stream's type-system row counts are truncated"))?;
            }
        }

        let mut t = Reader::new(tilde);
        t.bytes(6)
            .ok_or_else(|| bad("the #~ stream is truncated"))?;
        let heap_sizes = t.u8().ok_or_else(|| bad("the #~ stream is truncated"))?;
        t.u8();
        let valid = t.u64().ok_or_else(|| bad("the #~ stream is truncated"))?;
        t.u64().ok_or_else(|| bad("the #~ stream is truncated"))?;
        for (table, count) in rows.iter_mut().enumerate() {
            if valid & (1 << table) != 0 {
                *count = t
                    .u32()
                    .ok_or_else(|| bad("the #~ stream's row counts are truncated"))?;
            }
        }
        if valid & ((1u64 << DOCUMENT) - 1) != 0 {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "the Portable PDB carries type-system tables in its own #~ stream; only standalone Portable PDBs (debug tables 0x30-0x37) are read",
            ));
        }
        let mut md = Metadata {
            pdb_id,
            blobs,
            guids,
            rows,
            tables: [(0, 0); 64],
            tilde,
            wide_strings: heap_sizes & 1 != 0,
            wide_guids: heap_sizes & 2 != 0,
            wide_blobs: heap_sizes & 4 != 0,
        };
        let mut at = t.pos;
        for table in DOCUMENT..=CUSTOM_DEBUG_INFORMATION {
            if valid & (1 << table) == 0 {
                continue;
            }
            let size = md.row_size(table);
            let bytes = (rows[table] as usize)
                .checked_mul(size)
                .filter(|&b| at.checked_add(b).map_or(false, |end| end <= tilde.len()))
                .ok_or_else(|| {
                    bad(format!(
                        "the Portable PDB's table 0x{:02x} runs past the end of the #~ stream",
                        table
                    ))
                })?;
            md.tables[table] = (at, size);
            at += bytes;
        }
        if valid >> (CUSTOM_DEBUG_INFORMATION + 1) != 0 {
            return Err(bad("the Portable PDB's #~ stream names tables past 0x37"));
        }
        Ok(md)
    }

    fn wide(&self, table: usize) -> bool {
        self.rows[table] >= 1 << 16
    }

    fn row_size(&self, table: usize) -> usize {
        let s = if self.wide_strings { 4 } else { 2 };
        let g = if self.wide_guids { 4 } else { 2 };
        let b = if self.wide_blobs { 4 } else { 2 };
        let idx = |t: usize| if self.wide(t) { 4 } else { 2 };
        match table {
            DOCUMENT => b + g + b + g,
            METHOD_DEBUG_INFORMATION => idx(DOCUMENT) + b,
            LOCAL_SCOPE => {
                idx(METHOD_DEF) + idx(IMPORT_SCOPE) + idx(LOCAL_VARIABLE) + idx(LOCAL_CONSTANT) + 8
            }
            LOCAL_VARIABLE => 4 + s,
            LOCAL_CONSTANT => s + b,
            IMPORT_SCOPE => idx(IMPORT_SCOPE) + b,
            STATE_MACHINE_METHOD => 2 * idx(METHOD_DEF),
            CUSTOM_DEBUG_INFORMATION => self.coded_size() + g + b,
            _ => 0,
        }
    }

    /// A HasCustomDebugInformation index is 2 bytes while every table it names has fewer than
    /// 2^11 rows (5 tag bits).
    pub fn coded_size(&self) -> usize {
        let max = HAS_CUSTOM_DEBUG_INFORMATION
            .iter()
            .map(|&t| self.rows[t])
            .max()
            .unwrap_or(0);
        if max < 1 << 11 {
            2
        } else {
            4
        }
    }

    pub fn wide_coded(&self) -> bool {
        self.coded_size() == 4
    }

    pub fn wide_index(&self, table: usize) -> bool {
        self.wide(table)
    }

    /// A reader at row `row` (1-based) of `table`.
    pub fn row(&self, table: usize, row: u32) -> Option<Reader<'a>> {
        if row == 0 || row > self.rows[table] {
            return None;
        }
        let (start, size) = self.tables[table];
        if size == 0 {
            return None;
        }
        Some(Reader::at(self.tilde, start + (row as usize - 1) * size))
    }

    /// The blob at `index` of `#Blob` (a compressed length, then the bytes).
    pub fn blob(&self, index: u32) -> Option<&'a [u8]> {
        if index == 0 {
            return Some(&[]);
        }
        let mut r = Reader::at(self.blobs, index as usize);
        let len = r.compressed_u32()? as usize;
        r.bytes(len)
    }

    /// The GUID at 1-based `index` of `#GUID`.
    pub fn guid(&self, index: u32) -> Option<&'a [u8]> {
        if index == 0 {
            return None;
        }
        let start = (index as usize - 1) * 16;
        self.guids.get(start..start + 16)
    }
}
