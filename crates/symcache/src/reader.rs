//! `Bytes`: gimli's `Reader` over a section of the page store, so that gimli parses DWARF that is
//! not in memory. A reader is a window `[pos, end)` of one section. It remembers the page it read
//! last (a pointer, checked against the store's epoch before every use), so that most reads are a
//! bounds check and a copy, as with a slice; when the store drops pages the remembered page is
//! simply looked up again.

use crate::store::Store;
use gimli::{Error, Reader, ReaderOffsetId, Result, RunTimeEndian};
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Copy)]
pub struct Bytes<'s> {
    store: &'s Store,
    section: u32,
    pos: usize,
    end: usize,
    endian: RunTimeEndian,
    /// The page read last: its bytes start at section offset `win_lo` and end at `win_hi`.
    win: *const u8,
    win_lo: usize,
    win_hi: usize,
    win_epoch: u32,
}

impl<'s> Bytes<'s> {
    /// The whole of `section`.
    pub fn section(store: &'s Store, section: u32, endian: RunTimeEndian) -> Self {
        Bytes {
            store,
            section,
            pos: 0,
            end: store.size(section),
            endian,
            win: std::ptr::null(),
            win_lo: 0,
            win_hi: 0,
            win_epoch: u32::MAX,
        }
    }

    /// The bytes, borrowed when they lie in one page (see `Store::slice`).
    pub fn bytes(&self) -> Cow<'s, [u8]> {
        self.store
            .slice(self.section, self.pos, self.end - self.pos)
            .unwrap_or(Cow::Borrowed(&[]))
    }

    fn eof(&self) -> Error {
        Error::UnexpectedEof(self.offset_id())
    }
}

/// Two windows are equal when they cover the same bytes of the same section.
impl PartialEq for Bytes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.section == other.section && self.pos == other.pos && self.end == other.end
    }
}

impl Eq for Bytes<'_> {}

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Bytes(section {}, {}..{})",
            self.section, self.pos, self.end
        )
    }
}

/// Section index in the top bits, position in the low 40 bits (sections are < 1 TiB).
const ID_SHIFT: u32 = 40;

impl<'s> gimli::Reader for Bytes<'s> {
    type Endian = RunTimeEndian;
    type Offset = usize;

    #[inline]
    fn endian(&self) -> RunTimeEndian {
        self.endian
    }

    #[inline]
    fn len(&self) -> usize {
        self.end - self.pos
    }

    fn empty(&mut self) {
        self.pos = self.end;
    }

    fn truncate(&mut self, len: usize) -> Result<()> {
        if len > self.len() {
            return Err(self.eof());
        }
        self.end = self.pos + len;
        Ok(())
    }

    fn offset_from(&self, base: &Self) -> usize {
        self.pos - base.pos
    }

    fn offset_id(&self) -> ReaderOffsetId {
        ReaderOffsetId(((self.section as u64) << ID_SHIFT) | self.pos as u64)
    }

    fn lookup_offset_id(&self, id: ReaderOffsetId) -> Option<usize> {
        let section = (id.0 >> ID_SHIFT) as u32;
        let pos = (id.0 & ((1 << ID_SHIFT) - 1)) as usize;
        (section == self.section && pos >= self.pos && pos <= self.end).then(|| pos - self.pos)
    }

    fn find(&self, byte: u8) -> Result<usize> {
        match self.store.find(self.section, self.pos, self.end, byte) {
            Some(at) => Ok(at - self.pos),
            None => Err(self.eof()),
        }
    }

    #[inline]
    fn skip(&mut self, len: usize) -> Result<()> {
        if len > self.len() {
            return Err(self.eof());
        }
        self.pos += len;
        Ok(())
    }

    #[inline]
    fn split(&mut self, len: usize) -> Result<Self> {
        if len > self.len() {
            return Err(self.eof());
        }
        let head = Bytes {
            end: self.pos + len,
            ..*self
        };
        self.pos += len;
        Ok(head)
    }

    fn to_slice(&self) -> Result<Cow<'_, [u8]>> {
        self.store
            .slice(self.section, self.pos, self.len())
            .ok_or_else(|| self.eof())
    }

    fn to_string(&self) -> Result<Cow<'_, str>> {
        match self.to_slice()? {
            Cow::Borrowed(b) => std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|_| Error::BadUtf8),
            Cow::Owned(v) => String::from_utf8(v)
                .map(Cow::Owned)
                .map_err(|_| Error::BadUtf8),
        }
    }

    fn to_string_lossy(&self) -> Result<Cow<'_, str>> {
        Ok(match self.to_slice()? {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        })
    }

    #[inline]
    fn read_slice(&mut self, buf: &mut [u8]) -> Result<()> {
        let n = buf.len();
        if n > self.len() {
            return Err(self.eof());
        }
        if self.pos < self.win_lo
            || self.pos + n > self.win_hi
            || self.win_epoch != self.store.epoch()
        {
            match self.store.window(self.section, self.pos) {
                Some((ptr, lo, hi)) => {
                    self.win = ptr;
                    self.win_lo = lo;
                    self.win_hi = hi;
                    self.win_epoch = self.store.epoch();
                }
                None => return Err(self.eof()),
            }
            if self.pos + n > self.win_hi {
                // Across a page boundary: the store copies piecewise.
                if !self.store.copy(self.section, self.pos, buf) {
                    return Err(self.eof());
                }
                self.pos += n;
                return Ok(());
            }
        }
        // SAFETY: [pos, pos + n) lies in the window, whose page is alive in this epoch.
        let src = unsafe { std::slice::from_raw_parts(self.win.add(self.pos - self.win_lo), n) };
        buf.copy_from_slice(src);
        self.pos += n;
        Ok(())
    }

    #[inline]
    fn read_u8(&mut self) -> Result<u8> {
        let mut b = [0u8; 1];
        self.read_slice(&mut b)?;
        Ok(b[0])
    }
}
