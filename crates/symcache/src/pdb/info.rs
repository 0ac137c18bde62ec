//! The PDB information stream (stream 1): the identity of the PDB and the map from names
//! ("/names", "srcsrv", "/LinkInfo", ...) to the numbers of the streams that have one.
//!
//! ```text
//! version u32 | signature u32 | age u32 (the DBI stream's age is the one that matches the
//!   executable: tools that rewrite a PDB bump only this one) | guid[16]
//! named stream map: string_bytes u32 | strings (NUL-terminated, string_bytes long)
//!   | hash table: size u32 | capacity u32 | present bit vector | deleted bit vector
//!   | size x (name offset u32 into strings, stream index u32), in bucket order
//!   (a bit vector is word_count u32 followed by word_count u32 words)
//! feature codes u32... (ignored)
//! ```
//! (LLVM: `llvm/docs/PDB/PdbStream.rst`, `HashTable.h`.)

use super::bad;
use super::cursor::Cursor;
use crate::error::Result;

pub struct PdbInfo<'a> {
    pub guid: [u8; 16],
    named: Vec<(&'a [u8], u32)>,
}

impl<'a> PdbInfo<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let mut c = Cursor::new(data);
        let head = (|| Some((c.u32()?, c.u32()?, c.u32()?, c.bytes(16)?)))();
        let (_version, _signature, _age, guid_bytes) =
            head.ok_or_else(|| bad("the PDB information stream is truncated"))?;
        let mut guid = [0u8; 16];
        guid.copy_from_slice(guid_bytes);
        // A PDB without a readable name map still has an identity; named streams are optional.
        let named = parse_named_streams(&mut c).unwrap_or_default();
        Ok(PdbInfo { guid, named })
    }

    /// The stream index of a named stream; names compare ASCII case-insensitively ("srcsrv"
    /// is written as "SRCSRV" by some tools).
    pub fn named_stream(&self, name: &[u8]) -> Option<u32> {
        self.named
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, s)| s)
    }
}

fn parse_named_streams<'a>(c: &mut Cursor<'a>) -> Option<Vec<(&'a [u8], u32)>> {
    let string_bytes = c.u32()? as usize;
    let strings = c.bytes(string_bytes)?;
    let size = c.u32()? as usize;
    let _capacity = c.u32()?;
    for _ in 0..2 {
        let words = c.u32()? as usize;
        c.skip(words.checked_mul(4)?)?;
    }
    if size > c.remaining() / 8 {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    for _ in 0..size {
        let name_at = c.u32()? as usize;
        let stream = c.u32()?;
        if let Some(name) = Cursor::at(strings, name_at).cstr() {
            out.push((name, stream));
        }
    }
    Some(out)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn info_stream(names: &[(&str, u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [20000404u32, 0, 7] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&[0x11; 16]);
        let mut strings = Vec::new();
        let mut entries = Vec::new();
        for (n, s) in names {
            entries.push((strings.len() as u32, *s));
            strings.extend_from_slice(n.as_bytes());
            strings.push(0);
        }
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&strings);
        for v in [names.len() as u32, 8, 1, 0xff, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for (k, v) in entries {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    #[test]
    fn reads_identity_and_named_streams() {
        let data = info_stream(&[("/names", 12), ("SRCSRV", 20)]);
        let info = PdbInfo::parse(&data).unwrap();
        assert_eq!(info.named_stream(b"/names"), Some(12));
        assert_eq!(info.named_stream(b"srcsrv"), Some(20));
        assert_eq!(info.named_stream(b"/LinkInfo"), None);
        assert!(PdbInfo::parse(&data[..20]).is_err());
        // A broken name map leaves the identity readable.
        assert!(PdbInfo::parse(&data[..40])
            .unwrap()
            .named_stream(b"/names")
            .is_none());
    }
}
