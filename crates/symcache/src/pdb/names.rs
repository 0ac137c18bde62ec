//! The `/names` stream: the PDB-wide string table that C13 file checksum records (and hence
//! every source file name) point into, by byte offset.
//!
//! ```text
//! signature u32 = 0xEFFEEFFE | hash_version u32 (1 or 2) | string_bytes u32
//! | strings (NUL-terminated, string_bytes long; offset 0 is the empty string)
//! | bucket_count u32 | buckets u32[] | name_count u32      (the hash index; unused here)
//! ```
//! (LLVM: `llvm/docs/PDB/StringTable.rst`.)

use super::bad;
use super::cursor::Cursor;
use crate::error::Result;

const SIGNATURE: u32 = 0xEFFE_EFFE;

#[derive(Default, Clone, Copy)]
pub struct Names<'a> {
    strings: &'a [u8],
}

impl<'a> Names<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let mut c = Cursor::new(data);
        let head = (|| Some((c.u32()?, c.u32()?, c.u32()?)))();
        let (sig, _version, len) = head.ok_or_else(|| bad("the PDB /names stream is truncated"))?;
        if sig != SIGNATURE {
            return Err(bad("the PDB /names stream has a wrong signature"));
        }
        let strings = c
            .bytes(len as usize)
            .ok_or_else(|| bad("the PDB /names stream is truncated"))?;
        Ok(Names { strings })
    }

    /// The string at a byte offset, or `None` when the offset is out of bounds.
    pub fn get(&self, offset: u32) -> Option<&'a [u8]> {
        Cursor::at(self.strings, offset as usize).cstr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_by_offset() {
        let mut data = Vec::new();
        for v in [SIGNATURE, 1, 12] {
            data.extend_from_slice(&v.to_le_bytes());
        }
        data.extend_from_slice(b"\0/src/a.c\0x\0");
        let names = Names::parse(&data).unwrap();
        assert_eq!(names.get(1), Some(&b"/src/a.c"[..]));
        assert_eq!(names.get(0), Some(&b""[..]));
        assert_eq!(names.get(12), None);
        assert!(Names::parse(&data[..14]).is_err());
    }
}
