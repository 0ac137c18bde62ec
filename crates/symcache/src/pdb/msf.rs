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
//! The file is never held: the superblock, the block map and the stream directory are read with
//! ranged host reads (the directory is 4 bytes per page of the file: 3 MiB for a 3 GiB PDB),
//! and so is every stream. A stream the parsers need whole (DBI, a module's symbols and lines)
//! is read into memory, one ranged read per run of consecutive pages (linkers write streams in
//! one go, so usually one read); a stream read by record (TPI, IPI, the symbol records) is a
//! `PagedStream`: its page list, read through the bounded page cache (`store.rs`). Every page
//! number is checked against `num_blocks` and the file size, every count against the bytes that
//! hold it, so a hostile directory cannot make us loop, allocate or read more than the file holds.

use super::bad;
use super::cursor::u32_at;
use crate::error::Result;
use crate::host::{self, SourceId};
use crate::store::Store;
use std::cell::Cell;

pub const MAGIC: &[u8; 32] = b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0";
const PDB20_MAGIC: &[u8] = b"Microsoft C/C++ program database 2.00\r\n";
const NIL: u32 = 0xFFFF_FFFF;

pub struct Msf {
    source: SourceId,
    file_size: u64,
    block_size: usize,
    num_blocks: usize,
    directory: Vec<u8>,
    /// Per stream: (size, byte offset of its page list in the directory); `None` = nil stream.
    streams: Vec<Option<(u32, usize)>>,
    /// Bytes of streams handed out so far. Streams of a sound file never share pages, so they
    /// add up to at most the file size; a hostile directory that lists the same pages over and
    /// over (to make us read the file thousands of times) is stopped at twice that.
    handed_out: Cell<u64>,
}

impl Msf {
    /// Opens the PDB that is host source `source`, `file_size` bytes long.
    pub fn open(source: SourceId, file_size: u64) -> Result<Self> {
        let mut head = [0u8; 56];
        let got = host::read_at(source, 0, &mut head);
        if head[..got].starts_with(PDB20_MAGIC) {
            return Err(super::unsupported(
                "this is a PDB 2.0 file (Visual C++ 6 and older); only MSF 7.00 PDBs can be symbolicated",
            ));
        }
        if got < 56 || file_size < 56 || &head[..32] != MAGIC {
            return Err(bad(
                "the file does not start with the MSF 7.00 signature of a PDB",
            ));
        }
        let word = |at: usize| u32_at(&head, at).unwrap_or(0) as usize;
        let block_size = word(32);
        let declared_blocks = word(40);
        let directory_bytes = word(44);
        let block_map_addr = word(52);
        if !(512..=65536).contains(&block_size) || !block_size.is_power_of_two() {
            return Err(bad(format!(
                "the PDB declares an invalid page size of {} bytes",
                block_size
            )));
        }
        // Pages past the end of the file do not exist, whatever the superblock says.
        let file_blocks =
            file_size / block_size as u64 + u64::from(file_size % block_size as u64 != 0);
        let num_blocks = (declared_blocks as u64).min(file_blocks) as usize;
        let dir_pages = pages_for(directory_bytes, block_size);
        if dir_pages > num_blocks {
            return Err(bad("the PDB stream directory is larger than the file"));
        }
        let map_at = (block_map_addr as u64)
            .checked_mul(block_size as u64)
            .filter(|&at| at < file_size)
            .ok_or_else(|| bad("the PDB block map is truncated"))?;
        let mut map = vec![0u8; 4 * dir_pages];
        if host::read_at(source, map_at, &mut map) != map.len() {
            return Err(bad("the PDB block map is truncated"));
        }
        let pages: Vec<u32> = (0..dir_pages)
            .map(|i| u32_at(&map, 4 * i).unwrap_or(u32::MAX))
            .collect();
        let mut msf = Msf {
            source,
            file_size,
            block_size,
            num_blocks,
            directory: Vec::new(),
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

    /// The size of stream `index`; 0 for a nil or absent one.
    pub fn stream_size(&self, index: u32) -> u64 {
        self.streams
            .get(index as usize)
            .copied()
            .flatten()
            .map_or(0, |s| u64::from(s.0))
    }

    /// The page list of stream `index`, counted against the bytes a sound file can hand out.
    fn pages(&self, index: u32) -> Result<Option<(usize, Vec<u32>)>> {
        let (size, list_at) = match self.streams.get(index as usize).copied().flatten() {
            Some(s) => s,
            None => return Ok(None),
        };
        let total = self.handed_out.get() + u64::from(size);
        if total > 2 * self.file_size + (1 << 20) {
            return Err(bad(
                "the PDB's streams overlap each other (the stream directory is damaged)",
            ));
        }
        self.handed_out.set(total);
        let n = pages_for(size as usize, self.block_size);
        let pages = (0..n)
            .map(|i| u32_at(&self.directory, list_at + 4 * i).unwrap_or(u32::MAX))
            .collect();
        Ok(Some((size as usize, pages)))
    }

    /// The bytes of stream `index`, read whole; `Ok(None)` for a nil or absent stream.
    pub fn stream(&self, index: u32) -> Result<Option<Vec<u8>>> {
        let (size, pages) = match self.pages(index)? {
            Some(p) => p,
            None => return Ok(None),
        };
        match self.assemble(&pages, size) {
            Some(bytes) => Ok(Some(bytes)),
            None => Err(past_the_end(index)),
        }
    }

    /// Stream `index` to be read by record through `store`, whose section `file` is the
    /// whole PDB; `Ok(None)` for a nil or absent stream.
    pub fn paged<'s>(
        &self,
        index: u32,
        store: &'s Store,
        file: u32,
    ) -> Result<Option<PagedStream<'s>>> {
        let (size, pages) = match self.pages(index)? {
            Some(p) => p,
            None => return Ok(None),
        };
        let bs = self.block_size as u64;
        // Every page holds its share of the stream within the file (only the file's last page
        // may be short).
        let fits = pages.iter().enumerate().all(|(i, &p)| {
            let take = bs.min(size as u64 - i as u64 * bs);
            (p as usize) < self.num_blocks && u64::from(p) * bs + take <= self.file_size
        });
        if !fits {
            return Err(past_the_end(index));
        }
        Ok(Some(PagedStream {
            store,
            file,
            block_size: self.block_size,
            pages,
            size,
        }))
    }

    /// `len` bytes from `pages` in order, one host read per run of consecutive pages.
    fn assemble(&self, pages: &[u32], len: usize) -> Option<Vec<u8>> {
        if pages.iter().any(|&p| p as usize >= self.num_blocks)
            || pages_for(len, self.block_size) != pages.len()
        {
            return None;
        }
        let bs = self.block_size;
        let mut out = Vec::new();
        out.try_reserve_exact(len).ok()?;
        out.resize(len, 0);
        let mut i = 0;
        while i < pages.len() {
            let mut j = i + 1;
            while j < pages.len() && pages[j] == pages[j - 1].wrapping_add(1) {
                j += 1;
            }
            let from = i * bs;
            let to = (j * bs).min(len);
            let at = u64::from(pages[i]) * bs as u64;
            if host::read_at(self.source, at, &mut out[from..to]) != to - from {
                return None;
            }
            i = j;
        }
        Some(out)
    }
}

fn past_the_end(index: u32) -> crate::Error {
    bad(format!(
        "PDB stream {} points past the end of the file",
        index
    ))
}

/// Bytes a parser reads by range: a stream in memory, or a `PagedStream`.
pub trait StreamBytes {
    fn len(&self) -> usize;
    /// Fills `buf` from `offset`; false if the stream ends first.
    fn read_into(&self, offset: usize, buf: &mut [u8]) -> bool;
    /// Lets a page cache drop what it holds beyond its budget.
    fn relieve(&self) {}

    /// `len` bytes at `offset`, or `None` past the end.
    fn read(&self, offset: usize, len: usize) -> Option<Vec<u8>> {
        if offset.checked_add(len).map_or(true, |end| end > self.len()) {
            return None;
        }
        let mut out = vec![0u8; len];
        self.read_into(offset, &mut out).then_some(out)
    }
}

impl<T: StreamBytes + ?Sized> StreamBytes for &T {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn read_into(&self, offset: usize, buf: &mut [u8]) -> bool {
        (**self).read_into(offset, buf)
    }
    fn relieve(&self) {
        (**self).relieve()
    }
}

/// An absent stream: empty.
impl<T: StreamBytes> StreamBytes for Option<T> {
    fn len(&self) -> usize {
        self.as_ref().map_or(0, T::len)
    }
    fn read_into(&self, offset: usize, buf: &mut [u8]) -> bool {
        self.as_ref().map_or(false, |s| s.read_into(offset, buf))
    }
    fn relieve(&self) {
        if let Some(s) = self {
            s.relieve()
        }
    }
}

impl StreamBytes for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }
    fn read_into(&self, offset: usize, buf: &mut [u8]) -> bool {
        match super::cursor::slice(self, offset, buf.len()) {
            Some(src) => {
                buf.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// A stream read by byte range through the page cache: memory stays at the cache's budget
/// whatever the stream's size. Reads copy, so the cache may drop pages at any time.
pub struct PagedStream<'s> {
    store: &'s Store,
    file: u32,
    block_size: usize,
    pages: Vec<u32>,
    size: usize,
}

impl StreamBytes for PagedStream<'_> {
    fn len(&self) -> usize {
        self.size
    }

    fn read_into(&self, offset: usize, buf: &mut [u8]) -> bool {
        if offset
            .checked_add(buf.len())
            .map_or(true, |end| end > self.size)
        {
            return false;
        }
        let bs = self.block_size;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done;
            let within = at % bs;
            let take = (bs - within).min(buf.len() - done);
            let file_at = self.pages[at / bs] as usize * bs + within;
            if !self
                .store
                .copy(self.file, file_at, &mut buf[done..done + take])
            {
                return false;
            }
            done += take;
        }
        true
    }

    /// Reads only copy out of the cache, so any time will do.
    fn relieve(&self) {
        self.store.relieve();
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

    /// Opens `file` as host source 0.
    pub fn open(file: &[u8]) -> Result<Msf> {
        crate::host::native::set_sources(vec![file.to_vec()]);
        Msf::open(0, file.len() as u64)
    }

    #[test]
    fn reads_consecutive_and_fragmented_streams() {
        let big: Vec<u8> = (0..1300u32).map(|i| i as u8).collect();
        for fragment in [false, true] {
            let file = build(&[b"", b"hello", &big], fragment);
            let msf = open(&file).unwrap();
            assert_eq!(msf.num_streams(), 3);
            assert_eq!(&msf.stream(1).unwrap().unwrap()[..], b"hello");
            let s = msf.stream(2).unwrap().unwrap();
            assert_eq!(&s[..], &big[..]);
            assert!(msf.stream(7).unwrap().is_none());
            // Read by range through a small page cache, across page and block boundaries.
            let mut store = Store::new(9, 1024);
            let whole = store.add(crate::store::SectionData::Host {
                source: 0,
                base: 0,
                size: file.len(),
            });
            let paged = msf.paged(2, &store, whole).unwrap().unwrap();
            assert_eq!(paged.len(), big.len());
            for (at, len) in [(0, 1300), (500, 30), (1023, 2), (1299, 1)] {
                assert_eq!(paged.read(at, len).unwrap(), &big[at..at + len]);
                paged.relieve();
            }
            assert!(paged.read(1299, 2).is_none());
        }
    }

    #[test]
    fn stops_a_directory_that_hands_out_the_same_pages_again_and_again() {
        let big = vec![7u8; 1300];
        let streams: Vec<&[u8]> = vec![&big; 1];
        let file = build(&streams, false);
        let msf = open(&file).unwrap();
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
        let msf = open(&file).unwrap();
        assert!(msf.stream(0).is_err());
        file.truncate(600);
        assert!(open(&file).is_err());
    }
}
