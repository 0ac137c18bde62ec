//! MSF 7.00, the container of every PDB written since Visual C++ 7: a file of fixed-size
//! pages holding numbered streams, each stream a list of (not necessarily consecutive) pages.
//! LLVM documents it in `llvm/docs/PDB/MsfFile.rst`.
//!
//! ```text
//! superblock @0 (all u32 LE after the magic):
//!   magic[32] "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0" | block_size @32 | free_block_map @36
//!   | num_blocks @40 | num_directory_bytes @44 | unknown @48 | block_map_addr @52
//! block map @ block_map_addr * block_size: the page numbers of the stream directory, u32 each
//! stream directory (the concatenation of those pages, num_directory_bytes long):
//!   num_streams u32 | sizes[num_streams] u32 (0xFFFFFFFF = nil stream)
//!   | for each stream in order, ceil(size / block_size) page numbers u32
//! ```
//!
//! A stream whose pages are consecutive in the file (the common case: linkers write streams
//! in one go) is borrowed from the input; only a fragmented one is copied. Every page number
//! is checked against `num_blocks` and the file size, every count against the bytes that hold
//! it, so a hostile directory cannot make us loop, allocate or read more than the file holds.

use super::bad;
use super::cursor::{u32_at, Cursor};
use crate::error::Result;
use std::borrow::Cow;
use std::cell::Cell;

pub const MAGIC: &[u8; 32] = b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0";
const PDB20_MAGIC: &[u8] = b"Microsoft C/C++ program database 2.00\r\n";
const NIL: u32 = 0xFFFF_FFFF;

pub struct Msf<'a> {
    data: &'a [u8],
    block_size: usize,
    num_blocks: usize,
    directory: Cow<'a, [u8]>,
    /// Per stream: (size, byte offset of its page list in the directory); `None` = nil stream.
    streams: Vec<Option<(u32, usize)>>,
    /// Bytes of streams handed out so far. Streams of a sound file never share pages, so they
    /// add up to at most the file size; a hostile directory that lists the same pages over and
    /// over (to make us read the file thousands of times) is stopped at twice that.
    handed_out: Cell<u64>,
}

impl<'a> Msf<'a> {
    pub fn open(data: &'a [u8]) -> Result<Self> {
        if data.starts_with(PDB20_MAGIC) {
            return Err(super::unsupported(
                "this is a PDB 2.0 file (Visual C++ 6 and older); only MSF 7.00 PDBs can be symbolicated",
            ));
        }
        if data.len() < 56 || &data[..32] != MAGIC {
            return Err(bad(
                "the file does not start with the MSF 7.00 signature of a PDB",
            ));
        }
        let mut c = Cursor::at(data, 32);
        let block_size = c.u32().unwrap_or(0) as usize;
        let _free_block_map = c.u32();
        let declared_blocks = c.u32().unwrap_or(0) as usize;
        let directory_bytes = c.u32().unwrap_or(0) as usize;
        let _unknown = c.u32();
        let block_map_addr = c.u32().unwrap_or(0) as usize;
        if !(512..=65536).contains(&block_size) || !block_size.is_power_of_two() {
            return Err(bad(format!(
                "the PDB declares an invalid page size of {} bytes",
                block_size
            )));
        }
        // Pages past the end of the file do not exist, whatever the superblock says.
        let num_blocks = declared_blocks
            .min(data.len() / block_size + usize::from(data.len() % block_size != 0));
        let dir_pages = pages_for(directory_bytes, block_size);
        if dir_pages > num_blocks {
            return Err(bad("the PDB stream directory is larger than the file"));
        }
        let map_at = block_map_addr
            .checked_mul(block_size)
            .ok_or_else(|| bad("the PDB block map lies past the end of the file"))?;
        let mut pages = Vec::with_capacity(dir_pages);
        for i in 0..dir_pages {
            let page = map_at
                .checked_add(4 * i)
                .and_then(|at| u32_at(data, at))
                .ok_or_else(|| bad("the PDB block map is truncated"))?;
            pages.push(page);
        }
        let mut msf = Msf {
            data,
            block_size,
            num_blocks,
            directory: Cow::Borrowed(&[]),
            streams: Vec::new(),
            handed_out: Cell::new(0),
        };
        msf.directory = msf
            .assemble(&pages, directory_bytes)
            .ok_or_else(|| bad("the PDB stream directory points past the end of the file"))?;
        msf.streams = msf.read_directory()?;
        Ok(msf)
    }

    fn read_directory(&self) -> Result<Vec<Option<(u32, usize)>>> {
        let dir = &self.directory[..];
        let n = u32_at(dir, 0).ok_or_else(|| bad("the PDB stream directory is empty"))? as usize;
        if n > dir.len() / 4 {
            return Err(bad(
                "the PDB stream directory lists more streams than it holds",
            ));
        }
        let mut list_at = 4 + 4 * n;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let size = u32_at(dir, 4 + 4 * i).unwrap_or(NIL);
            if size == NIL {
                out.push(None);
                continue;
            }
            let pages = pages_for(size as usize, self.block_size);
            if pages > self.num_blocks {
                return Err(bad("a PDB stream is larger than the file"));
            }
            out.push(Some((size, list_at)));
            list_at = list_at
                .checked_add(4 * pages)
                .filter(|&end| end <= dir.len())
                .ok_or_else(|| bad("the PDB stream directory is truncated"))?;
        }
        Ok(out)
    }

    #[cfg(test)]
    pub fn num_streams(&self) -> usize {
        self.streams.len()
    }

    /// The bytes of stream `index`; `Ok(None)` for a nil or absent stream.
    pub fn stream(&self, index: u32) -> Result<Option<Cow<'a, [u8]>>> {
        let (size, list_at) = match self.streams.get(index as usize).copied().flatten() {
            Some(s) => s,
            None => return Ok(None),
        };
        let total = self.handed_out.get() + u64::from(size);
        if total > 2 * self.data.len() as u64 + (1 << 20) {
            return Err(bad(
                "the PDB's streams overlap each other (the stream directory is damaged)",
            ));
        }
        self.handed_out.set(total);
        let n = pages_for(size as usize, self.block_size);
        let mut pages = Vec::with_capacity(n);
        for i in 0..n {
            pages.push(u32_at(&self.directory, list_at + 4 * i).unwrap_or(u32::MAX));
        }
        match self.assemble(&pages, size as usize) {
            Some(bytes) => Ok(Some(bytes)),
            None => Err(bad(format!(
                "PDB stream {} points past the end of the file",
                index
            ))),
        }
    }

    /// `len` bytes from `pages` in order; borrowed when the pages are consecutive.
    fn assemble(&self, pages: &[u32], len: usize) -> Option<Cow<'a, [u8]>> {
        if pages.iter().any(|&p| p as usize >= self.num_blocks) {
            return None;
        }
        let bs = self.block_size;
        let consecutive = pages.windows(2).all(|w| w[1] == w[0].wrapping_add(1));
        if let (true, Some(&first)) = (consecutive, pages.first()) {
            let start = first as usize * bs;
            return self
                .data
                .get(start..start.checked_add(len)?)
                .map(Cow::Borrowed);
        }
        if pages.is_empty() {
            return if len == 0 {
                Some(Cow::Borrowed(&[]))
            } else {
                None
            };
        }
        let mut out = Vec::new();
        out.try_reserve_exact(len).ok()?;
        for &p in pages {
            let take = bs.min(len - out.len());
            let start = p as usize * bs;
            out.extend_from_slice(self.data.get(start..start + take)?);
        }
        Some(Cow::Owned(out))
    }
}

fn pages_for(bytes: usize, block_size: usize) -> usize {
    bytes / block_size + usize::from(bytes % block_size != 0)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A tiny MSF with 512-byte pages: page 0 superblock, 1 block map, 2 directory, then data.
    pub fn build(streams: &[&[u8]], fragment: bool) -> Vec<u8> {
        let bs = 512usize;
        let mut pages: Vec<Vec<u8>> = vec![vec![0; bs], vec![0; bs], vec![0; bs]];
        let mut dir = Vec::new();
        dir.extend_from_slice(&(streams.len() as u32).to_le_bytes());
        for s in streams {
            dir.extend_from_slice(&(s.len() as u32).to_le_bytes());
        }
        let mut lists = Vec::new();
        for s in streams {
            let chunks: Vec<&[u8]> = s.chunks(bs).collect();
            let mut ids = Vec::new();
            for c in &chunks {
                let mut p = c.to_vec();
                p.resize(bs, 0);
                ids.push(pages.len() as u32);
                pages.push(p);
                if fragment {
                    pages.push(vec![0xAA; bs]);
                }
            }
            lists.extend(ids);
        }
        for id in lists {
            dir.extend_from_slice(&id.to_le_bytes());
        }
        assert!(dir.len() <= bs);
        pages[2][..dir.len()].copy_from_slice(&dir);
        pages[1][..4].copy_from_slice(&2u32.to_le_bytes());
        let mut sb = MAGIC.to_vec();
        for v in [bs as u32, 0, pages.len() as u32, dir.len() as u32, 0, 1] {
            sb.extend_from_slice(&v.to_le_bytes());
        }
        pages[0][..sb.len()].copy_from_slice(&sb);
        pages.concat()
    }

    #[test]
    fn reads_consecutive_and_fragmented_streams() {
        let big: Vec<u8> = (0..1300u32).map(|i| i as u8).collect();
        for fragment in [false, true] {
            let file = build(&[b"", b"hello", &big], fragment);
            let msf = Msf::open(&file).unwrap();
            assert_eq!(msf.num_streams(), 3);
            assert_eq!(&msf.stream(1).unwrap().unwrap()[..], b"hello");
            let s = msf.stream(2).unwrap().unwrap();
            assert_eq!(&s[..], &big[..]);
            assert_eq!(matches!(s, Cow::Borrowed(_)), !fragment);
            assert!(msf.stream(7).unwrap().is_none());
        }
    }

    #[test]
    fn stops_a_directory_that_hands_out_the_same_pages_again_and_again() {
        let big = vec![7u8; 1300];
        let streams: Vec<&[u8]> = vec![&big; 1];
        let file = build(&streams, false);
        let msf = Msf::open(&file).unwrap();
        let limit = (2 * file.len() + (1 << 20)) / big.len();
        let mut ok = 0;
        while msf.stream(0).is_ok() {
            ok += 1;
            assert!(ok <= limit);
        }
        assert_eq!(ok, limit);
    }

    #[test]
    fn refuses_pages_past_the_end() {
        let mut file = build(&[b"abc"], false);
        // Point stream 0's only page far past the end.
        let dir = 2 * 512;
        file[dir + 8..dir + 12].copy_from_slice(&999u32.to_le_bytes());
        let msf = Msf::open(&file).unwrap();
        assert!(msf.stream(0).is_err());
        file.truncate(600);
        assert!(Msf::open(&file).is_err());
    }
}
