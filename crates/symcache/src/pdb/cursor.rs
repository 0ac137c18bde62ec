//! The one bounds-checked reader every PDB parser goes through: little-endian integers,
//! NUL-terminated strings and sub-slices of a borrowed byte slice. Every read returns `None`
//! instead of reading past the end, so a truncated or hostile record ends its parser with a
//! reason, never a panic. Offsets are `usize` and all arithmetic is checked. `Records` walks
//! the CodeView record framing that symbol and type streams share.

#[derive(Clone, Copy)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    /// A cursor at `pos` (which may be past the end: every read then fails).
    pub fn at(data: &'a [u8], pos: usize) -> Self {
        Cursor { data, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn i32(&mut self) -> Option<i32> {
        self.u32().map(|v| v as i32)
    }

    /// A NUL-terminated string (without the NUL). A string running to the end of the data is
    /// refused: every producer terminates its names.
    pub fn cstr(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        self.pos += len + 1;
        Some(&rest[..len])
    }

    /// Moves forward to the next multiple of `align` (a power of two), clamped to the end.
    pub fn align(&mut self, align: usize) {
        let aligned = self
            .pos
            .checked_add(align - 1)
            .map_or(usize::MAX, |p| p & !(align - 1));
        self.pos = aligned.min(self.data.len().max(self.pos));
    }
}

/// `data[offset..offset + len]`, or `None`.
pub fn slice(data: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    data.get(offset..offset.checked_add(len)?)
}

/// A little-endian u32 at `offset`, or `None`.
pub fn u32_at(data: &[u8], offset: usize) -> Option<u32> {
    Cursor::at(data, offset).u32()
}

/// CodeView records as symbol and type streams hold them: `length u16` (the bytes after it,
/// padding included; at least 2) `| kind u16 | body`. Yields `(offset, kind, body)` and stops
/// at the first record that does not fit.
pub struct Records<'a> {
    c: Cursor<'a>,
}

impl<'a> Records<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Records {
            c: Cursor::new(data),
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (usize, u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.c.pos();
        let len = self.c.u16().filter(|&l| l >= 2)? as usize;
        let kind = self.c.u16()?;
        let body = self.c.bytes(len - 2)?;
        Some((at, kind, body))
    }
}
