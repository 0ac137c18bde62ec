//! Sections as the DWARF reader sees them: a byte range of a host source, read in pages on
//! demand and kept in a bounded cache, or bytes held in memory (a decompressed section).
//!
//! A debug file's `.debug_str` alone can be hundreds of MiB, but one compilation unit touches
//! only a few of its pages (strings a linker merged sit near the ones of the same object file,
//! plus the common ones near the start). So pages are fetched when first read and dropped when
//! the cache exceeds its budget. Dropping happens only at `relieve`, which the caller invokes
//! between compilation units: slices borrowed from pages (`slice`) never outlive one unit.

use crate::hash::FxHashMap;
use crate::host::{self, SourceId};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};

/// What a section is made of.
pub enum SectionData {
    /// `size` bytes of `source` starting at `base`.
    Host {
        source: SourceId,
        base: u64,
        size: usize,
    },
    /// Bytes in memory (a decompressed section, or a module held whole).
    Memory(Box<[u8]>),
}

struct Page {
    bytes: Box<[u8]>,
    used: Cell<u64>,
}

pub struct Store {
    sections: Vec<SectionData>,
    pages: RefCell<FxHashMap<u64, Page>>,
    /// The page read last: (key, data pointer, length). Pages are boxed, so the pointer stays
    /// valid until the page is dropped, and every drop clears this entry.
    last: Cell<(u64, *const u8, usize)>,
    held: Cell<usize>,
    clock: Cell<u64>,
    page_shift: u32,
    budget: usize,
}

/// The key of page `index` of `source`.
fn key(source: SourceId, index: u64) -> u64 {
    ((source as u64) << 40) | index
}

impl Store {
    /// A store whose pages are `1 << page_shift` bytes and which keeps about `budget` bytes.
    pub fn new(page_shift: u32, budget: usize) -> Self {
        Store {
            sections: Vec::new(),
            pages: RefCell::new(FxHashMap::default()),
            last: Cell::new((u64::MAX, std::ptr::null(), 0)),
            held: Cell::new(0),
            clock: Cell::new(0),
            page_shift,
            budget,
        }
    }

    /// Adds a section and returns its index.
    pub fn add(&mut self, data: SectionData) -> u32 {
        self.sections.push(data);
        (self.sections.len() - 1) as u32
    }

    pub fn size(&self, section: u32) -> usize {
        match self.sections.get(section as usize) {
            Some(SectionData::Host { size, .. }) => *size,
            Some(SectionData::Memory(b)) => b.len(),
            None => 0,
        }
    }

    /// The page `index` of `source` (fetched if needed): its data pointer and length.
    fn page(&self, source: SourceId, index: u64) -> (*const u8, usize) {
        let k = key(source, index);
        let (last_key, ptr, len) = self.last.get();
        if last_key == k {
            return (ptr, len);
        }
        let now = self.clock.get() + 1;
        self.clock.set(now);
        let mut pages = self.pages.borrow_mut();
        let page = pages.entry(k).or_insert_with(|| {
            let mut bytes = vec![0u8; 1 << self.page_shift];
            let n = host::read_at(source, index << self.page_shift, &mut bytes);
            bytes.truncate(n);
            self.held.set(self.held.get() + n);
            Page {
                bytes: bytes.into_boxed_slice(),
                used: Cell::new(now),
            }
        });
        page.used.set(now);
        let out = (page.bytes.as_ptr(), page.bytes.len());
        self.last.set((k, out.0, out.1));
        out
    }

    /// Copies `buf.len()` bytes of `section` at `pos` into `buf`; false if they are not all there.
    pub fn copy(&self, section: u32, pos: usize, buf: &mut [u8]) -> bool {
        match self.sections.get(section as usize) {
            Some(SectionData::Memory(b)) => match b.get(pos..pos.saturating_add(buf.len())) {
                Some(src) => {
                    buf.copy_from_slice(src);
                    true
                }
                None => false,
            },
            Some(SectionData::Host { source, base, size }) => {
                if pos.checked_add(buf.len()).map_or(true, |end| end > *size) {
                    return false;
                }
                let mask = (1u64 << self.page_shift) - 1;
                let mut abs = base + pos as u64;
                let mut done = 0;
                while done < buf.len() {
                    let (ptr, len) = self.page(*source, abs >> self.page_shift);
                    let within = (abs & mask) as usize;
                    if within >= len {
                        return false; // the source is shorter than the section claims
                    }
                    let take = (buf.len() - done).min(len - within);
                    // SAFETY: `ptr..ptr+len` is a live page (no page is dropped during a copy).
                    let src = unsafe { std::slice::from_raw_parts(ptr.add(within), take) };
                    buf[done..done + take].copy_from_slice(src);
                    done += take;
                    abs += take as u64;
                }
                true
            }
            None => false,
        }
    }

    /// `len` bytes of `section` at `pos`, borrowed when they lie in one page (valid until the
    /// next `relieve`), copied otherwise; None if they are not all there.
    pub fn slice(&self, section: u32, pos: usize, len: usize) -> Option<Cow<'_, [u8]>> {
        match self.sections.get(section as usize)? {
            SectionData::Memory(b) => b.get(pos..pos.checked_add(len)?).map(Cow::Borrowed),
            SectionData::Host { source, base, size } => {
                if pos.checked_add(len)? > *size {
                    return None;
                }
                if len == 0 {
                    return Some(Cow::Borrowed(&[]));
                }
                let abs = base + pos as u64;
                let mask = (1u64 << self.page_shift) - 1;
                let within = (abs & mask) as usize;
                if within + len <= (1usize << self.page_shift) {
                    let (ptr, plen) = self.page(*source, abs >> self.page_shift);
                    if within + len > plen {
                        return None;
                    }
                    // SAFETY: pages are only dropped by `relieve`, which callers invoke only when
                    // no borrowed slice is alive (between compilation units).
                    return Some(Cow::Borrowed(unsafe {
                        std::slice::from_raw_parts(ptr.add(within), len)
                    }));
                }
                let mut owned = vec![0u8; len];
                if self.copy(section, pos, &mut owned) {
                    Some(Cow::Owned(owned))
                } else {
                    None
                }
            }
        }
    }

    /// The position of the first `byte` in `section[pos..end]`.
    pub fn find(&self, section: u32, pos: usize, end: usize, byte: u8) -> Option<usize> {
        match self.sections.get(section as usize)? {
            SectionData::Memory(b) => b
                .get(pos..end.min(b.len()))?
                .iter()
                .position(|&c| c == byte)
                .map(|i| pos + i),
            SectionData::Host { source, base, size } => {
                let end = end.min(*size);
                let mask = (1u64 << self.page_shift) - 1;
                let mut at = pos;
                while at < end {
                    let abs = base + at as u64;
                    let (ptr, len) = self.page(*source, abs >> self.page_shift);
                    let within = (abs & mask) as usize;
                    if within >= len {
                        return None;
                    }
                    let take = (end - at).min(len - within);
                    // SAFETY: a live page, see `copy`.
                    let chunk = unsafe { std::slice::from_raw_parts(ptr.add(within), take) };
                    if let Some(i) = chunk.iter().position(|&c| c == byte) {
                        return Some(at + i);
                    }
                    at += take;
                }
                None
            }
        }
    }

    /// Drops the least recently used pages once more than the budget is held. Call it only
    /// when no slice borrowed from a page is alive.
    pub fn relieve(&self) {
        if self.held.get() <= self.budget {
            return;
        }
        let mut pages = self.pages.borrow_mut();
        let mut ages: Vec<(u64, u64)> = pages.iter().map(|(k, p)| (p.used.get(), *k)).collect();
        ages.sort_unstable();
        for (_, k) in ages {
            if self.held.get() <= self.budget / 2 {
                break;
            }
            if let Some(p) = pages.remove(&k) {
                self.held.set(self.held.get() - p.bytes.len());
            }
        }
        self.last.set((u64::MAX, std::ptr::null(), 0));
    }
}
