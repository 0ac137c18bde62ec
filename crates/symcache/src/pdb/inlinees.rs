//! Inline sites: `S_INLINESITE` / `S_INLINESITE2` records nested inside a procedure, whose
//! "binary annotations" are a compressed line program for the inlined code, relative to the
//! procedure's start and to the inlinee's first line (from DEBUG_S_INLINEELINES).
//!
//! ```text
//! S_INLINESITE  (0x114D): parent u32 | end u32 | inlinee u32 (IPI index) | annotations
//! S_INLINESITE2 (0x115D): parent u32 | end u32 | inlinee u32 | invocations u32 | annotations
//! annotations: opcode, operands ... ; opcode 0 (or the end of the record) ends them.
//! operands are compressed u32: 0xxxxxxx | 10xxxxxx x8 | 110xxxxx x8 x8 x8;
//! a signed operand is (magnitude << 1) | sign.
//!   1 CodeOffset(abs)            2 ChangeCodeOffsetBase(abs)   3 ChangeCodeOffset(delta)*
//!   4 ChangeCodeLength(len)      5 ChangeFile(checksum offset) 6 ChangeLineOffset(signed)
//!   7 ChangeLineEndDelta         8 ChangeRangeKind             9 ChangeColumnStart
//!   10 ChangeColumnEndDelta(signed)
//!   11 ChangeCodeOffsetAndLineOffset(x)*: code delta = x & 0xF, line delta = signed(x >> 4)
//!   12 ChangeCodeLengthAndCodeOffset(len, delta)*          13 ChangeColumnEnd
//!   (* starts a row at the new code offset)
//! ```
//! A row lasts until the next row starts, unless a length was given: ChangeCodeLength sets
//! the length of the open row and moves the code offset past it (clang ends each range so);
//! ChangeCodeLengthAndCodeOffset starts a row of the given length without moving the offset
//! (MSVC's form). A row still open at the end has no known end and is dropped, as LLVM does.
//! (Semantics: Microsoft's `cvinfo.h` `BinaryAnnotationOpcode`, LLVM's `MCCodeView.cpp`
//! encoder and `NativeFunctionSymbol.cpp` reader.)

use super::cursor::Cursor;

/// One row of an inline site: `len` bytes at `offset` (relative to the procedure's start)
/// belong to `line` of the file whose checksum entry is at `file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteRow {
    pub offset: u32,
    pub len: u32,
    pub file: u32,
    pub line: u32,
}

/// Rows more than this per site are dropped (a hostile record cannot blow up memory; real
/// ones have a handful).
const MAX_ROWS: usize = 1 << 16;

/// Decodes the annotations of one inline site whose inlinee starts at `file`:`line`.
pub fn decode(annotations: &[u8], file: u32, line: u32, out: &mut Vec<SiteRow>) {
    out.clear();
    let mut c = Cursor::new(annotations);
    let mut base: u32 = 0;
    let mut code: u32 = 0;
    let mut file = file;
    let mut line = line as i64;
    // The open row: (offset, file, line, explicit length).
    let mut open: Option<(u32, u32, i64, Option<u32>)> = None;
    let emit = |open: &mut Option<(u32, u32, i64, Option<u32>)>,
                out: &mut Vec<SiteRow>,
                next: Option<u32>| {
        if let Some((offset, f, l, len)) = open.take() {
            let len = match (len, next) {
                (Some(n), _) => Some(n),
                (None, Some(n)) if n >= offset => Some(n - offset),
                _ => None,
            };
            if let Some(len) = len.filter(|&n| n > 0) {
                if out.len() < MAX_ROWS && (0..=u32::MAX as i64).contains(&l) {
                    out.push(SiteRow {
                        offset,
                        len,
                        file: f,
                        line: l as u32,
                    });
                }
            }
        }
    };
    loop {
        let op = match uncompress(&mut c) {
            Some(0) | None => break,
            Some(op) => op,
        };
        let starts_row = match op {
            1 => {
                code = operand(&mut c);
                false
            }
            2 => {
                base = operand(&mut c);
                false
            }
            3 => {
                code = code.wrapping_add(operand(&mut c));
                true
            }
            4 => {
                let len = operand(&mut c);
                if let Some(o) = open.as_mut() {
                    if o.3.is_none() {
                        o.3 = Some(len);
                    }
                }
                code = code.wrapping_add(len);
                false
            }
            5 => {
                file = operand(&mut c);
                false
            }
            6 => {
                line += signed(operand(&mut c));
                false
            }
            7 | 8 | 9 | 10 | 13 => {
                operand(&mut c);
                false
            }
            11 => {
                let x = operand(&mut c);
                code = code.wrapping_add(x & 0xF);
                line += signed(x >> 4);
                true
            }
            12 => {
                let len = operand(&mut c);
                code = code.wrapping_add(operand(&mut c));
                let at = base.wrapping_add(code);
                emit(&mut open, out, Some(at));
                open = Some((at, file, line, Some(len)));
                false
            }
            _ => break,
        };
        if starts_row {
            let at = base.wrapping_add(code);
            emit(&mut open, out, Some(at));
            open = Some((at, file, line, None));
        }
    }
    emit(&mut open, out, None);
}

/// The next compressed value; `None` at the end or on a malformed prefix.
fn uncompress(c: &mut Cursor<'_>) -> Option<u32> {
    let b1 = u32::from(c.u8()?);
    if b1 & 0x80 == 0 {
        return Some(b1);
    }
    let b2 = u32::from(c.u8()?);
    if b1 & 0xC0 == 0x80 {
        return Some((b1 & 0x3F) << 8 | b2);
    }
    let b3 = u32::from(c.u8()?);
    let b4 = u32::from(c.u8()?);
    if b1 & 0xE0 == 0xC0 {
        return Some((b1 & 0x1F) << 24 | b2 << 16 | b3 << 8 | b4);
    }
    None
}

/// A missing operand reads as 0; the next opcode read then ends the program.
fn operand(c: &mut Cursor<'_>) -> u32 {
    uncompress(c).unwrap_or(0)
}

fn signed(x: u32) -> i64 {
    if x & 1 != 0 {
        -((x >> 1) as i64)
    } else {
        (x >> 1) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(annotations: &[u8], file: u32, line: u32) -> Vec<SiteRow> {
        let mut out = Vec::new();
        decode(annotations, file, line, &mut out);
        out
    }

    #[test]
    fn decodes_clang_annotations() {
        // llvm-pdbutil: 0602 line +1 | 031E code +0x1E | 0B22 code +0x2 line +1 | 040E end +0xE
        let got = rows(
            &[0x06, 0x02, 0x03, 0x1E, 0x0B, 0x22, 0x04, 0x0E, 0x00],
            4,
            13,
        );
        assert_eq!(
            got,
            vec![
                SiteRow {
                    offset: 0x1E,
                    len: 2,
                    file: 4,
                    line: 14
                },
                SiteRow {
                    offset: 0x20,
                    len: 0xE,
                    file: 4,
                    line: 15
                }
            ]
        );
    }

    #[test]
    fn decodes_several_ranges_file_changes_and_msvc_lengths() {
        // code +0x10 | length 4 | code +0x8 line -1 (signed 3 = -1) | length 2 | file 0x18
        // | ChangeCodeLengthAndCodeOffset(3, 6)
        let got = rows(
            &[
                0x03, 0x10, 0x04, 0x04, 0x06, 0x03, 0x03, 0x08, 0x04, 0x02, 0x05, 0x18, 0x0C, 0x03,
                0x06,
            ],
            0,
            50,
        );
        assert_eq!(
            got,
            vec![
                SiteRow {
                    offset: 0x10,
                    len: 4,
                    file: 0,
                    line: 50
                },
                SiteRow {
                    offset: 0x1C,
                    len: 2,
                    file: 0,
                    line: 49
                },
                SiteRow {
                    offset: 0x24,
                    len: 3,
                    file: 0x18,
                    line: 49
                },
            ]
        );
        // A two- and a four-byte operand: 0x81 0x00 = 0x100, 0xC0 0x01 0x00 0x00 = 0x10000.
        let got = rows(&[0x03, 0x81, 0x00, 0x04, 0xC0, 0x01, 0x00, 0x00], 0, 1);
        assert_eq!(
            got,
            vec![SiteRow {
                offset: 0x100,
                len: 0x10000,
                file: 0,
                line: 1
            }]
        );
    }

    #[test]
    fn drops_unterminated_rows_and_survives_garbage() {
        assert_eq!(rows(&[0x03, 0x10], 0, 1), vec![]);
        for seed in 0..2000u32 {
            let bytes: Vec<u8> = (0..24)
                .map(|i| (seed.wrapping_mul(2654435761).rotate_left(i) >> 3) as u8)
                .collect();
            let _ = rows(&bytes, 0, 1);
        }
    }
}
