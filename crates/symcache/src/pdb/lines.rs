//! C13 line information of one module: the debug subsections that follow the module's symbol
//! records (CodeView "C13" format, written by every MSVC and clang-cl since 2005).
//!
//! ```text
//! subsection: kind u32 | length u32 | payload (length bytes) | padding to 4
//!   (kind bit 0x80000000 = DEBUG_S_IGNORE)
//! DEBUG_S_LINES (0xF2): offset u32 | section u16 | flags u16 (1 = has columns) | code_size u32
//!   | blocks: checksum_offset u32 | line_count u32 | block_bytes u32
//!           | line_count x (offset u32, flags u32: start line in bits 0-23)
//!           | [line_count x (start_column u16, end_column u16)]
//! DEBUG_S_FILECHKSMS (0xF4): entries at 4-aligned offsets: name u32 (into /names)
//!   | checksum_bytes u8 | checksum_kind u8 | checksum
//! DEBUG_S_INLINEELINES (0xF6): signature u32 (0, or 1 = with extra files)
//!   | entries: inlinee u32 (IPI index) | checksum_offset u32 | start_line u32
//!             [| extra_count u32 | extra_count x checksum_offset u32]
//! ```
//! (LLVM: `DebugSubsection*.h`; Microsoft's `cvinfo.h`.)
//!
//! Files are named by the byte offset of their checksum entry; lines cover from their offset to
//! the next line's offset in the same DEBUG_S_LINES subsection (whatever its block, i.e. file),
//! the last one to the end of the subsection's code, and the first one also covers the bytes
//! before it. Of several lines at one offset, the first answers for that very address and the
//! last for the bytes after it (LLVM's `SymbolCache::findLineNumbersByVA` does so). Line numbers 0xFEEFEE and 0xF00F00 are MSVC's "hidden code" markers: no line.

use super::address::AddressMap;
use super::cursor::Cursor;
use crate::hash::FxHashMap;

const DEBUG_S_LINES: u32 = 0xF2;
const DEBUG_S_FILECHKSMS: u32 = 0xF4;
const DEBUG_S_INLINEELINES: u32 = 0xF6;
const DEBUG_S_IGNORE: u32 = 0x8000_0000;
const HIDDEN_LINES: [u32; 2] = [0xFE_EFEE, 0xF0_0F00];

/// A line-table segment in image-relative addresses; `file` is a checksum offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRow {
    pub start: u64,
    pub end: u64,
    pub file: u32,
    pub line: u32,
}

#[derive(Default)]
pub struct C13<'a> {
    pub checksums: &'a [u8],
    lines: Vec<&'a [u8]>,
    inlinee_lines: Vec<&'a [u8]>,
}

impl<'a> C13<'a> {
    pub fn parse(data: &'a [u8]) -> Self {
        let mut out = C13::default();
        let mut c = Cursor::new(data);
        while c.remaining() >= 8 {
            let (kind, len) = match (c.u32(), c.u32()) {
                (Some(k), Some(l)) => (k, l as usize),
                _ => break,
            };
            let payload = match c.bytes(len) {
                Some(p) => p,
                None => break,
            };
            c.align(4);
            if kind & DEBUG_S_IGNORE != 0 {
                continue;
            }
            match kind {
                DEBUG_S_LINES => out.lines.push(payload),
                // One checksum table per module; should there be several, the first counts,
                // as in LLVM's `findChecksumsSubsection`.
                DEBUG_S_FILECHKSMS if out.checksums.is_empty() => out.checksums = payload,
                DEBUG_S_INLINEELINES => out.inlinee_lines.push(payload),
                _ => {}
            }
        }
        out
    }

    /// The `/names` offset of the file whose checksum entry is at `checksum_offset`.
    pub fn file_name_offset(&self, checksum_offset: u32) -> Option<u32> {
        Cursor::at(self.checksums, checksum_offset as usize).u32()
    }

    /// Every line segment of the module, in image-relative addresses, sorted by start.
    pub fn line_rows(&self, map: &AddressMap) -> Vec<LineRow> {
        let mut rows = Vec::new();
        let mut entries: Vec<(u32, u32, u32)> = Vec::new();
        for payload in &self.lines {
            let mut c = Cursor::new(payload);
            let head = (|| Some((c.u32()?, c.u16()?, c.u16()?, c.u32()?)))();
            let (offset, section, flags, code_size) = match head {
                Some(h) => h,
                None => continue,
            };
            entries.clear();
            while let (Some(file), Some(count), Some(block_bytes)) = (c.u32(), c.u32(), c.u32()) {
                let mut block = match (block_bytes as usize)
                    .checked_sub(12)
                    .and_then(|n| c.bytes(n))
                {
                    Some(b) => Cursor::new(b),
                    None => break,
                };
                let per_line = if flags & 1 != 0 { 12 } else { 8 };
                let count = (count as usize).min(block.remaining() / per_line);
                for _ in 0..count {
                    let (at, line_flags) = match (block.u32(), block.u32()) {
                        (Some(a), Some(f)) => (a, f),
                        _ => break,
                    };
                    let line = line_flags & 0x00FF_FFFF;
                    let line = if HIDDEN_LINES.contains(&line) {
                        0
                    } else {
                        line
                    };
                    entries.push((at, file, line));
                }
            }
            // Blocks of different files interleave in address order: sort by offset (stable).
            entries.sort_by_key(|e| e.0);
            let mut i = 0;
            while i < entries.len() && entries[i].0 < code_size {
                let at = entries[i].0;
                let mut j = i;
                while entries.get(j + 1).map_or(false, |n| n.0 == at) {
                    j += 1;
                }
                let from = if i == 0 { 0 } else { at };
                let to = entries.get(j + 1).map_or(code_size, |n| n.0.min(code_size));
                // Several rows at one offset (a zero-length prologue row, say): the first one
                // answers for that address and the last one for the bytes after it, as in
                // LLVM's PDB line lookup.
                let split = if j > i && to > at + 1 { at + 1 } else { to };
                let (first, last) = (entries[i], entries[j]);
                for (a, b, (_, file, line)) in [(from, split, first), (split, to, last)] {
                    if b > a {
                        map.ranges(section, offset.wrapping_add(a), b - a, |start, end| {
                            rows.push(LineRow {
                                start,
                                end,
                                file,
                                line,
                            });
                        });
                    }
                }
                i = j + 1;
            }
        }
        rows.sort_by_key(|r| r.start);
        rows
    }

    /// The inlinee → (checksum offset, start line) map of DEBUG_S_INLINEELINES; the first entry
    /// for an inlinee counts, as in LLVM.
    pub fn inlinee_lines(&self) -> FxHashMap<u32, (u32, u32)> {
        let mut out = FxHashMap::default();
        for payload in &self.inlinee_lines {
            let mut c = Cursor::new(payload);
            let extra = match c.u32() {
                Some(s) => s == 1,
                None => continue,
            };
            while let (Some(inlinee), Some(file), Some(line)) = (c.u32(), c.u32(), c.u32()) {
                out.entry(inlinee).or_insert((file, line));
                if extra {
                    let n = match c.u32() {
                        Some(n) => n as usize,
                        None => break,
                    };
                    if n.checked_mul(4).and_then(|b| c.skip(b)).is_none() {
                        break;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn subsection(kind: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out
    }

    /// DEBUG_S_LINES for `section:offset`, `code_size`, with blocks `(checksum offset, [(offset, line)])`.
    pub fn lines(
        offset: u32,
        section: u16,
        code_size: u32,
        blocks: &[(u32, &[(u32, u32)])],
    ) -> Vec<u8> {
        let mut p = offset.to_le_bytes().to_vec();
        p.extend_from_slice(&section.to_le_bytes());
        p.extend_from_slice(&0u16.to_le_bytes());
        p.extend_from_slice(&code_size.to_le_bytes());
        for (file, rows) in blocks {
            for v in [*file, rows.len() as u32, 12 + 8 * rows.len() as u32] {
                p.extend_from_slice(&v.to_le_bytes());
            }
            for &(at, line) in rows.iter() {
                p.extend_from_slice(&at.to_le_bytes());
                p.extend_from_slice(&(line | 0x8000_0000).to_le_bytes());
            }
        }
        subsection(DEBUG_S_LINES, &p)
    }

    pub fn checksums(name_offsets: &[u32]) -> Vec<u8> {
        let mut p = Vec::new();
        for n in name_offsets {
            p.extend_from_slice(&n.to_le_bytes());
            p.extend_from_slice(&[0, 0, 0, 0]);
        }
        subsection(DEBUG_S_FILECHKSMS, &p)
    }

    pub fn inlinee_lines(entries: &[(u32, u32, u32)]) -> Vec<u8> {
        let mut p = 0u32.to_le_bytes().to_vec();
        for &(a, b, c) in entries {
            for v in [a, b, c] {
                p.extend_from_slice(&v.to_le_bytes());
            }
        }
        subsection(DEBUG_S_INLINEELINES, &p)
    }

    fn map() -> AddressMap {
        let mut h = vec![0u8; 40];
        h[12..16].copy_from_slice(&0x1000u32.to_le_bytes());
        AddressMap::new(&h, None)
    }

    #[test]
    fn lines_cover_up_to_the_next_line_of_any_file() {
        let mut data = checksums(&[1, 9]);
        data.extend(lines(
            0x10,
            1,
            0x20,
            &[(0, &[(2, 10), (0x10, 12)]), (8, &[(0x8, 3)])],
        ));
        data.extend(inlinee_lines(&[(0x1002, 8, 20)]));
        let c13 = C13::parse(&data);
        assert_eq!(c13.file_name_offset(8), Some(9));
        let rows = c13.line_rows(&map());
        assert_eq!(
            rows,
            vec![
                LineRow {
                    start: 0x1010,
                    end: 0x1018,
                    file: 0,
                    line: 10
                },
                LineRow {
                    start: 0x1018,
                    end: 0x1020,
                    file: 8,
                    line: 3
                },
                LineRow {
                    start: 0x1020,
                    end: 0x1030,
                    file: 0,
                    line: 12
                },
            ]
        );
        assert_eq!(c13.inlinee_lines().get(&0x1002), Some(&(8, 20)));
        // Two rows at one offset: the first answers for the address itself.
        let data = lines(0x40, 1, 0x1B, &[(0, &[(0, 9), (0, 11), (0x18, 12)])]);
        let got: Vec<_> = C13::parse(&data)
            .line_rows(&map())
            .iter()
            .map(|r| (r.start, r.end, r.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (0x1040, 0x1041, 9),
                (0x1041, 0x1058, 11),
                (0x1058, 0x105B, 12)
            ]
        );
        for n in 0..data.len() {
            let c13 = C13::parse(&data[..n]);
            let _ = c13.line_rows(&map());
            let _ = c13.inlinee_lines();
        }
    }
}
