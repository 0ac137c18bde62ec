//! Public symbols: the `S_PUB32` records of the symbol record stream (the DBI header names
//! it), one per external symbol, carrying the decorated (linkage) name. They name procedures
//! (as llvm-symbolizer does: the public at a procedure's exact start wins over the
//! procedure's own, undecorated name) and cover code without private symbols.
//!
//! ```text
//! symbol record stream: records of length u16 | kind u16 | body
//! S_PUB32 (0x110E): flags u32 (1 code, 2 function, 4 managed, 8 MSIL) | offset u32
//!   | section u16 | name cstr
//! ```
//! Several publics at one address (identical code folded by the linker): the one last in name
//! order is kept, which is the one LLVM's binary search over the publics address map lands on
//! (lld sorts that map by address, then name).

use super::address::AddressMap;
use super::cursor::{Cursor, Records};

const S_PUB32: u16 = 0x110E;
const PUBLIC_CODE: u32 = 1;
const PUBLIC_FUNCTION: u32 = 2;

#[derive(Default)]
pub struct Publics<'a> {
    /// `(rva, name)`, ascending by rva, one per rva.
    by_rva: Vec<(u64, &'a [u8])>,
}

impl<'a> Publics<'a> {
    pub fn read(records: &'a [u8], map: &AddressMap) -> Self {
        let mut by_rva = Vec::new();
        for (_, _, body) in Records::new(records).filter(|r| r.1 == S_PUB32) {
            let mut b = Cursor::new(body);
            let parsed = (|| Some((b.u32()?, b.u32()?, b.u16()?, b.cstr()?)))();
            if let Some((flags, offset, section, name)) = parsed {
                let code = flags & (PUBLIC_CODE | PUBLIC_FUNCTION) != 0 || map.is_code(section);
                if let (true, false, Some(rva)) = (code, name.is_empty(), map.rva(section, offset))
                {
                    by_rva.push((rva, name));
                }
            }
        }
        by_rva.sort_unstable();
        // Sorted by (rva, name): keep the last name of each address.
        let mut out: Vec<(u64, &'a [u8])> = Vec::with_capacity(by_rva.len());
        for p in by_rva {
            match out.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => out.push(p),
            }
        }
        Publics { by_rva: out }
    }

    /// The public symbol at exactly `rva`.
    pub fn at(&self, rva: u64) -> Option<&'a [u8]> {
        self.by_rva
            .binary_search_by_key(&rva, |p| p.0)
            .ok()
            .map(|i| self.by_rva[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (u64, &'a [u8])> + '_ {
        self.by_rva.iter().copied()
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn pub32(flags: u32, section: u16, offset: u32, name: &str) -> Vec<u8> {
        let mut b = flags.to_le_bytes().to_vec();
        b.extend_from_slice(&offset.to_le_bytes());
        b.extend_from_slice(&section.to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        super::super::modules::tests::record(S_PUB32, &b)
    }

    #[test]
    fn keeps_code_publics_one_per_address() {
        let mut h = vec![0u8; 80];
        h[12..16].copy_from_slice(&0x1000u32.to_le_bytes());
        h[36..40].copy_from_slice(&0x6000_0020u32.to_le_bytes());
        h[52..56].copy_from_slice(&0x3000u32.to_le_bytes());
        h[76..80].copy_from_slice(&0xC000_0040u32.to_le_bytes());
        let map = AddressMap::new(&h, None);
        let mut s = pub32(2, 1, 0x20, "?b@@YAXXZ");
        s.extend(pub32(0, 1, 0x20, "?a@@YAXXZ"));
        s.extend(pub32(0, 2, 0x0, "data"));
        s.extend(pub32(0, 1, 0x0, "first"));
        let p = Publics::read(&s, &map);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![(0x1000, &b"first"[..]), (0x1020, &b"?b@@YAXXZ"[..])]
        );
        assert_eq!(p.at(0x1020), Some(&b"?b@@YAXXZ"[..]));
        assert_eq!(p.at(0x1021), None);
        for n in 0..s.len() {
            let _ = Publics::read(&s[..n], &map);
        }
    }
}
