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
//!
//! The stream is scanned by range (through the page cache for a PDB), and only the publics at
//! the addresses a caller asks for are kept: a unit of a build in parts keeps those at its
//! procedures' starts, a publics unit those of its address range, a one-piece build all.

use super::address::AddressMap;
use super::cursor::Cursor;
use super::msf::StreamBytes;

const S_PUB32: u16 = 0x110E;
const PUBLIC_CODE: u32 = 1;
const PUBLIC_FUNCTION: u32 = 2;

#[derive(Default)]
pub struct Publics {
    /// `(rva, name offset, name length)`, ascending by rva, one per rva.
    by_rva: Vec<(u64, u32, u32)>,
    names: Vec<u8>,
}

impl Publics {
    /// The addresses of the code publics of a symbol record stream (unsorted, repeated).
    pub fn addresses<S: StreamBytes + ?Sized>(records: &S, map: &AddressMap) -> Vec<u64> {
        let mut out = Vec::new();
        scan(records, map, |rva, _| out.push(rva));
        out
    }

    /// The code publics of a symbol record stream whose address `keep` accepts.
    pub fn read<S: StreamBytes + ?Sized>(
        records: &S,
        map: &AddressMap,
        keep: impl Fn(u64) -> bool,
    ) -> Self {
        let mut found = Publics::default();
        scan(records, map, |rva, name| {
            if keep(rva) {
                found
                    .by_rva
                    .push((rva, found.names.len() as u32, name.len() as u32));
                found.names.extend_from_slice(name);
            }
        });
        let names = &found.names;
        let name = |p: &(u64, u32, u32)| &names[p.1 as usize..(p.1 + p.2) as usize];
        found
            .by_rva
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| name(a).cmp(name(b))));
        // Sorted by (rva, name): keep the last name of each address.
        let mut out: Vec<(u64, u32, u32)> = Vec::with_capacity(found.by_rva.len());
        for p in found.by_rva.drain(..) {
            match out.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => out.push(p),
            }
        }
        found.by_rva = out;
        found
    }

    fn name(&self, p: (u64, u32, u32)) -> &[u8] {
        &self.names[p.1 as usize..(p.1 + p.2) as usize]
    }

    /// The public symbol at exactly `rva`.
    pub fn at(&self, rva: u64) -> Option<&[u8]> {
        self.by_rva
            .binary_search_by_key(&rva, |p| p.0)
            .ok()
            .map(|i| self.name(self.by_rva[i]))
    }

    pub fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        self.by_rva.iter().map(move |&p| (p.0, self.name(p)))
    }
}

/// Calls `on_public(rva, name)` for every code public with a name and an address.
fn scan<S: StreamBytes + ?Sized>(
    records: &S,
    map: &AddressMap,
    mut on_public: impl FnMut(u64, &[u8]),
) {
    let mut at = 0;
    let mut head = [0u8; 4];
    let mut scanned = 0u32;
    // length u16 (at least 2: the kind) | kind u16 | body; the first that does not fit ends it.
    while records.read_into(at, &mut head) {
        let len = u16::from_le_bytes([head[0], head[1]]) as usize;
        let kind = u16::from_le_bytes([head[2], head[3]]);
        if len < 2 {
            break;
        }
        let body_at = at + 4;
        at += 2 + len;
        if at > records.len() {
            break;
        }
        scanned += 1;
        if scanned % 4096 == 0 {
            records.relieve();
        }
        if kind != S_PUB32 {
            continue;
        }
        let body = match records.read(body_at, len - 2) {
            Some(b) => b,
            None => break,
        };
        let mut b = Cursor::new(&body);
        let parsed = (|| Some((b.u32()?, b.u32()?, b.u16()?, b.cstr()?)))();
        if let Some((flags, offset, section, name)) = parsed {
            let code = flags & (PUBLIC_CODE | PUBLIC_FUNCTION) != 0 || map.is_code(section);
            if let (true, false, Some(rva)) = (code, name.is_empty(), map.rva(section, offset)) {
                on_public(rva, name);
            }
        }
    }
    records.relieve();
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
        let p = Publics::read(&s[..], &map, |_| true);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![(0x1000, &b"first"[..]), (0x1020, &b"?b@@YAXXZ"[..])]
        );
        assert_eq!(p.at(0x1020), Some(&b"?b@@YAXXZ"[..]));
        assert_eq!(p.at(0x1021), None);
        let only = Publics::read(&s[..], &map, |rva| rva == 0x1020);
        assert_eq!(
            only.iter().collect::<Vec<_>>(),
            vec![(0x1020, &b"?b@@YAXXZ"[..])]
        );
        for n in 0..s.len() {
            let _ = Publics::read(&s[..n], &map, |_| true);
        }
    }
}
