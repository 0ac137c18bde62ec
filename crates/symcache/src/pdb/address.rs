//! Section-relative addresses (`section:offset`, as every PDB record stores them) to
//! image-relative addresses (RVAs, what symcaches and crash reports use).
//!
//! The section headers come from the stream the DBI optional debug header names (an array of
//! 40-byte `IMAGE_SECTION_HEADER`s: name[8] | virtual_size u32 | virtual_address u32 | ... |
//! characteristics u32 @36). Sections are numbered from 1.
//!
//! OMAP: a binary rewritten after linking (Microsoft's BBT/PGO tools) keeps its PDB records in
//! the original layout; the "OMAP from source" stream (pairs `from u32, to u32`, ascending by
//! `from`) maps an original RVA to the final one: the last entry with `from <= rva` gives
//! `to + (rva - from)`, and `to == 0` means the code was removed. Then the *original* section
//! headers (debug header slot 10) are the ones that `section:offset` refers to. A range can be
//! split into several pieces by the rewrite, so ranges are translated piece by piece.

use super::cursor::Cursor;

const SECTION_HEADER_BYTES: usize = 40;
const IMAGE_SCN_CNT_CODE: u32 = 0x20;
const IMAGE_SCN_MEM_EXECUTE: u32 = 0x2000_0000;

#[derive(Clone, Copy)]
struct Section {
    rva: u32,
    characteristics: u32,
}

#[derive(Default)]
pub struct AddressMap {
    sections: Vec<Section>,
    /// `(from, to)`, ascending by `from`; empty when the binary was not rewritten.
    omap: Vec<(u32, u32)>,
}

impl AddressMap {
    pub fn new(section_headers: &[u8], omap_from_src: Option<&[u8]>) -> Self {
        let mut sections = Vec::with_capacity(section_headers.len() / SECTION_HEADER_BYTES);
        for h in section_headers.chunks_exact(SECTION_HEADER_BYTES) {
            let mut c = Cursor::at(h, 12);
            let rva = c.u32().unwrap_or(0);
            let characteristics = Cursor::at(h, 36).u32().unwrap_or(0);
            sections.push(Section {
                rva,
                characteristics,
            });
        }
        let mut omap = Vec::new();
        if let Some(data) = omap_from_src {
            let mut c = Cursor::new(data);
            while let (Some(from), Some(to)) = (c.u32(), c.u32()) {
                omap.push((from, to));
            }
            // Producers write it sorted; a hostile one must not break the binary search.
            if !omap.windows(2).all(|w| w[0].0 <= w[1].0) {
                omap.sort_by_key(|e| e.0);
            }
        }
        AddressMap { sections, omap }
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Whether `section` holds code (publics in data sections are not functions).
    pub fn is_code(&self, section: u16) -> bool {
        self.section(section).map_or(false, |s| {
            s.characteristics & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE) != 0
        })
    }

    fn section(&self, section: u16) -> Option<Section> {
        self.sections
            .get(usize::from(section).checked_sub(1)?)
            .copied()
    }

    /// The RVA of `section:offset` before OMAP translation.
    fn original_rva(&self, section: u16, offset: u32) -> Option<u64> {
        Some(u64::from(self.section(section)?.rva) + u64::from(offset))
    }

    /// The final RVA of one address, `None` if its section is unknown or the code was removed.
    pub fn rva(&self, section: u16, offset: u32) -> Option<u64> {
        let rva = self.original_rva(section, offset)?;
        if self.omap.is_empty() {
            return Some(rva);
        }
        let i = self
            .omap
            .partition_point(|e| u64::from(e.0) <= rva)
            .checked_sub(1)?;
        let (from, to) = self.omap[i];
        if to == 0 {
            return None;
        }
        Some(u64::from(to) + (rva - u64::from(from)))
    }

    /// Calls `f(start, end)` for the final RVA ranges of `len` bytes at `section:offset`: one
    /// range without OMAP, the surviving pieces (adjacent ones merged) with it.
    pub fn ranges(&self, section: u16, offset: u32, len: u32, mut f: impl FnMut(u64, u64)) {
        let start = match self.original_rva(section, offset) {
            Some(s) => s,
            None => return,
        };
        let end = start + u64::from(len);
        if self.omap.is_empty() {
            if end > start {
                f(start, end);
            }
            return;
        }
        let mut i = match self
            .omap
            .partition_point(|e| u64::from(e.0) <= start)
            .checked_sub(1)
        {
            Some(i) => i,
            None => return,
        };
        let mut pending: Option<(u64, u64)> = None;
        while i < self.omap.len() {
            let (from, to) = (u64::from(self.omap[i].0), u64::from(self.omap[i].1));
            if from >= end {
                break;
            }
            let next_from = self.omap.get(i + 1).map_or(u64::MAX, |e| u64::from(e.0));
            let (a, b) = (start.max(from), end.min(next_from));
            if b > a && to != 0 {
                let piece = (to + (a - from), to + (b - from));
                pending = match pending {
                    Some((ps, pe)) if pe == piece.0 => Some((ps, piece.1)),
                    Some(p) => {
                        f(p.0, p.1);
                        Some(piece)
                    }
                    None => Some(piece),
                };
            }
            i += 1;
        }
        if let Some((s, e)) = pending {
            f(s, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(rvas: &[(u32, u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(rva, ch) in rvas {
            let mut h = [0u8; 40];
            h[12..16].copy_from_slice(&rva.to_le_bytes());
            h[36..40].copy_from_slice(&ch.to_le_bytes());
            out.extend_from_slice(&h);
        }
        out
    }

    #[test]
    fn section_offsets_become_rvas() {
        let map = AddressMap::new(
            &headers(&[(0x1000, 0x6000_0020), (0x3000, 0x4000_0040)]),
            None,
        );
        assert_eq!(map.rva(1, 0x10), Some(0x1010));
        assert_eq!(map.rva(2, 0), Some(0x3000));
        assert_eq!(map.rva(0, 0), None);
        assert_eq!(map.rva(3, 0), None);
        assert!(map.is_code(1));
        assert!(!map.is_code(2));
        let mut got = Vec::new();
        map.ranges(1, 0x10, 0x20, |a, b| got.push((a, b)));
        assert_eq!(got, vec![(0x1010, 0x1030)]);
    }

    #[test]
    fn omap_moves_and_splits_ranges() {
        // Original 0x1000..0x1010 -> 0x5000, 0x1010..0x1020 removed, 0x1020..0x1030 -> 0x2000,
        // 0x1030.. -> 0x2010 (adjacent to the previous piece: merged).
        let omap: Vec<u8> = [
            (0x1000u32, 0x5000u32),
            (0x1010, 0),
            (0x1020, 0x2000),
            (0x1030, 0x2010),
        ]
        .iter()
        .flat_map(|&(a, b)| [a.to_le_bytes(), b.to_le_bytes()].concat())
        .collect();
        let map = AddressMap::new(&headers(&[(0x1000, 0x20)]), Some(&omap));
        assert_eq!(map.rva(1, 4), Some(0x5004));
        assert_eq!(map.rva(1, 0x14), None);
        assert_eq!(map.rva(1, 0x34), Some(0x2014));
        let mut got = Vec::new();
        map.ranges(1, 0x8, 0x30, |a, b| got.push((a, b)));
        assert_eq!(got, vec![(0x5008, 0x5010), (0x2000, 0x2018)]);
    }
}
