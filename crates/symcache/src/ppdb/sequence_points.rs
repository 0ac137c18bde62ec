//! Sequence-point blobs and document names (Portable PDB spec, "SequencePoints Blob" and
//! "Document Name Blob").
//!
//! ```text
//! sequence points  LocalSignature (compressed) | InitialDocument (compressed, only when the
//!                  MethodDebugInformation row names no document) | record+
//! record           δIL (compressed; the IL offset itself in the first record, > 0 after)
//!                  | δLines (compressed) | δColumns (compressed; signed when δLines ≠ 0)
//!                  | δStartLine, δStartColumn (compressed; absolute in the first visible
//!                    record, signed deltas from the previous visible one after) — absent
//!                    when δLines = δColumns = 0: a hidden point
//! document record  δIL = 0 (not first) | Document row (compressed): later points are in it
//! document name    separator (one UTF-8 character, or 0 for none) | part blob index+
//! ```

use super::metadata::{Metadata, Reader};
use super::Point;

/// Lines a sequence point may have (the spec's bound); 0xFEEFEE marks hidden points.
const MAX_LINE: i64 = 0x2000_0000;
const HIDDEN_LINE: i64 = 0xFEEFEE;
/// Longest document name kept.
const MAX_NAME: usize = 32 * 1024;

pub struct Parsed {
    /// Visible points in IL order (the format stores them ascending).
    pub points: Vec<Point>,
    pub hidden: u32,
}

/// The visible sequence points of one method, or `None` if the blob is malformed.
pub fn sequence_points(blob: &[u8], document: u32) -> Option<Parsed> {
    let mut r = Reader::new(blob);
    r.compressed_u32()?;
    let mut document = if document == 0 {
        r.compressed_u32()?
    } else {
        document
    };
    let mut points = Vec::new();
    let mut hidden = 0u32;
    let mut il: u32 = 0;
    let mut first = true;
    let mut previous: Option<(i64, i64)> = None;
    while !r.is_empty() {
        let delta_il = r.compressed_u32()?;
        if !first && delta_il == 0 {
            document = r.compressed_u32()?;
            continue;
        }
        il = if first {
            delta_il
        } else {
            il.checked_add(delta_il)?
        };
        first = false;
        let delta_lines = r.compressed_u32()?;
        let delta_columns = if delta_lines == 0 {
            r.compressed_u32()? as i64
        } else {
            r.compressed_i32()? as i64
        };
        if delta_lines == 0 && delta_columns == 0 {
            hidden += 1;
            continue;
        }
        let (line, column) = match previous {
            None => (r.compressed_u32()? as i64, r.compressed_u32()? as i64),
            Some((line, column)) => (
                line + r.compressed_i32()? as i64,
                column + r.compressed_i32()? as i64,
            ),
        };
        if line <= 0 || line >= MAX_LINE || line == HIDDEN_LINE || column < 0 || document == 0 {
            return None;
        }
        previous = Some((line, column));
        points.push(Point {
            il,
            document,
            line: line as u32,
        });
    }
    Some(Parsed { points, hidden })
}

/// The document's name: its parts joined by the separator.
pub fn document_name(md: &Metadata, blob: u32) -> Option<Vec<u8>> {
    let data = md.blob(blob)?;
    let first = *data.first()?;
    let sep_len = match first {
        0 => 1,
        b if b < 0x80 => 1,
        b if b >> 5 == 0b110 => 2,
        b if b >> 4 == 0b1110 => 3,
        b if b >> 3 == 0b11110 => 4,
        _ => return None,
    };
    let separator = if first == 0 {
        &[][..]
    } else {
        data.get(..sep_len)?
    };
    let mut r = Reader::new(data.get(sep_len..)?);
    let mut name = Vec::new();
    let mut first_part = true;
    while !r.is_empty() {
        let part = r.compressed_u32()?;
        if !first_part {
            name.extend_from_slice(separator);
        }
        first_part = false;
        name.extend_from_slice(md.blob(part)?);
        if name.len() > MAX_NAME {
            return None;
        }
    }
    Some(name)
}
