//! The TPI (stream 2, types) and IPI (stream 4, ids) streams: CodeView type records numbered
//! from `type_index_begin` (0x1000; smaller indices are built-in types). We read them only to
//! name inlined functions, the way LLVM's `NativeInlineSiteSymbol::getName` does:
//!
//! * `LF_FUNC_ID` (IPI 0x1601): `scope u32 | type u32 | name cstr`, shown as
//!   `<scope>::<name>` when `scope` (an `LF_STRING_ID`, e.g. a namespace) is set;
//! * `LF_MFUNC_ID` (IPI 0x1602): `class u32 | type u32 | name cstr`, shown as
//!   `<class name>::<name>`, the class name coming from its TPI record;
//! * `LF_STRING_ID` (IPI 0x1605): `substrings u32 | string cstr`;
//! * TPI `LF_CLASS`/`LF_STRUCTURE`/`LF_INTERFACE` (0x1504/0x1505/0x1519): `count u16 |
//!   properties u16 | fields u32 | derived u32 | vshape u32 | size (numeric leaf) | name cstr`;
//!   `LF_UNION` (0x1506): `count u16 | properties u16 | fields u32 | size | name`;
//!   `LF_ENUM` (0x1507): `count u16 | properties u16 | underlying u32 | fields u32 | name`.
//!
//! ```text
//! header: version u32 | header_bytes u32 | type_index_begin u32 | type_index_end u32
//!   | record_bytes u32 | hash stream fields (36 bytes, unused here)
//! records @header_bytes: length u16 (bytes after itself, padding included) | kind u16 | body
//! ```
//! (LLVM: `llvm/docs/PDB/TpiStream.rst`, `CodeViewTypes.def`.)
//!
//! A big program's TPI runs to hundreds of MiB, so the stream is read by range (`StreamBytes`,
//! through the page cache for a PDB) and never held. Records are found from sparse
//! `(type index, offset)` entries: the "index offset buffer" of the stream's hash stream
//! (header fields `hash_stream u16 @20`, `index_offsets {offset u32, length u32} @40`: one
//! entry per 8 KiB of records, written by LLVM's and Microsoft's linkers), so a lookup reads
//! one entry's records and nothing else; without a usable one, a scan over the record headers
//! keeps the offset of every 64th record (4 bytes per 64 records), and a broken record ends
//! the scan (the records before it stay usable).

use super::cursor::Cursor;
use super::msf::StreamBytes;
use crate::hash::FxHashMap;

const LF_CLASS: u16 = 0x1504;
const LF_STRUCTURE: u16 = 0x1505;
const LF_UNION: u16 = 0x1506;
const LF_ENUM: u16 = 0x1507;
const LF_INTERFACE: u16 = 0x1519;
const LF_FUNC_ID: u16 = 0x1601;
const LF_MFUNC_ID: u16 = 0x1602;
const LF_STRING_ID: u16 = 0x1605;

/// Inlinee names longer than this are cut (a hostile scope chain cannot blow up memory).
const MAX_NAME: usize = 4096;

/// Without an index offset buffer, one record offset is kept per this many records.
const STRIDE: u32 = 64;
/// A lookup walks at most this many records from an entry (8 KiB of records hold at most
/// 2,048): a hostile index offset buffer cannot make a lookup read a whole stream.
const MAX_WALK: u32 = 4096;

pub struct TypeStream<S> {
    data: S,
    /// The records: `[start, end)` of the stream.
    start: usize,
    end: usize,
    begin: u32,
    /// Type indices `[begin, last)` can be looked up.
    last: u32,
    /// `(type index, offset from start)`, ascending in both.
    sparse: Vec<(u32, u32)>,
}

impl<S: StreamBytes> TypeStream<S> {
    /// Indexes a TPI or IPI stream by a scan; an unreadable one indexes nothing.
    #[cfg(test)]
    pub fn parse(data: S) -> Self {
        Self::parse_indexed(data, None)
    }

    /// Indexes a TPI or IPI stream, from `index_offsets` (the bytes of its hash stream's index
    /// offset buffer: `(type index u32, offset u32)` pairs) when they are usable, else by a scan.
    pub fn parse_indexed(data: S, index_offsets: Option<&[u8]>) -> Self {
        let mut stream = TypeStream {
            data,
            start: 0,
            end: 0,
            begin: 0,
            last: 0,
            sparse: Vec::new(),
        };
        let head = match stream.data.read(0, 20) {
            Some(h) => h,
            None => return stream,
        };
        let mut c = Cursor::new(&head);
        let head = (|| Some((c.u32()?, c.u32()?, c.u32()?, c.u32()?, c.u32()?)))();
        let (_version, header_bytes, begin, end, record_bytes) = match head {
            Some(h) => h,
            None => return stream,
        };
        let len = stream.data.len();
        let start = header_bytes as usize;
        if start > len {
            return stream;
        }
        // Trust the stream's end over a header that overstates it.
        let stop = start
            .checked_add(record_bytes as usize)
            .filter(|&e| e <= len)
            .unwrap_or(len);
        stream.start = start;
        stream.end = stop;
        stream.begin = begin;
        if let Some(entries) =
            index_offsets.and_then(|b| usable_entries(b, begin, end, stop - start))
        {
            stream.sparse = entries;
            stream.last = end;
            return stream;
        }
        let declared = end.saturating_sub(begin);
        let mut at = start;
        let mut count = 0u32;
        let mut length = [0u8; 2];
        while count < declared && stream.data.read_into(at, &mut length) {
            let n = u16::from_le_bytes(length) as usize;
            // length | kind | body: the kind must be there, and the record within the records.
            let next = at + 2 + n;
            if n < 2 || next > stop {
                break;
            }
            if count % STRIDE == 0 {
                stream.sparse.push((begin + count, (at - start) as u32));
                if stream.sparse.len() % 4096 == 0 {
                    stream.data.relieve();
                }
            }
            count += 1;
            at = next;
        }
        stream.data.relieve();
        stream.last = begin + count;
        stream
    }

    /// `(kind, body)` of the record with this type index.
    fn record(&self, index: u32) -> Option<(u16, Vec<u8>)> {
        if index < self.begin || index >= self.last {
            return None;
        }
        let entry = self
            .sparse
            .partition_point(|e| e.0 <= index)
            .checked_sub(1)?;
        let (first, offset) = self.sparse[entry];
        if index - first > MAX_WALK {
            return None;
        }
        let mut at = self.start + offset as usize;
        let mut head = [0u8; 4];
        for _ in 0..index - first {
            let mut length = [0u8; 2];
            if !self.data.read_into(at, &mut length) {
                return None;
            }
            let n = u16::from_le_bytes(length) as usize;
            if n < 2 || at + 2 + n > self.end {
                return None;
            }
            at += 2 + n;
        }
        if !self.data.read_into(at, &mut head) {
            return None;
        }
        let len = u16::from_le_bytes([head[0], head[1]]) as usize;
        let kind = u16::from_le_bytes([head[2], head[3]]);
        if len < 2 || at + 2 + len > self.end {
            return None;
        }
        Some((kind, self.data.read(at + 4, len - 2)?))
    }
}

/// The entries of an index offset buffer if they can be trusted to locate records: the first
/// at the first record, type indices and offsets strictly ascending, within the stream.
fn usable_entries(bytes: &[u8], begin: u32, end: u32, records: usize) -> Option<Vec<(u32, u32)>> {
    let mut c = Cursor::new(bytes);
    let mut entries: Vec<(u32, u32)> = Vec::with_capacity(bytes.len() / 8);
    while let (Some(index), Some(offset)) = (c.u32(), c.u32()) {
        let ascending = entries
            .last()
            .map_or(index == begin && offset == 0, |&(i, o)| {
                index > i && offset > o
            });
        if !ascending || index >= end || offset as usize >= records {
            return None;
        }
        entries.push((index, offset));
    }
    (!entries.is_empty()).then_some(entries)
}

/// Names of inlined functions by their IPI index, cached.
pub struct InlineeNames<S> {
    ipi: TypeStream<S>,
    tpi: TypeStream<S>,
    cache: FxHashMap<u32, Option<Vec<u8>>>,
}

impl<S: StreamBytes> InlineeNames<S> {
    pub fn new(ipi: TypeStream<S>, tpi: TypeStream<S>) -> Self {
        InlineeNames {
            ipi,
            tpi,
            cache: FxHashMap::default(),
        }
    }

    /// The qualified name of an `LF_FUNC_ID` / `LF_MFUNC_ID`, or `None` if it has none.
    // Not the entry API: `compute` borrows the whole table while the entry would hold the cache.
    #[allow(clippy::map_entry)]
    pub fn get(&mut self, index: u32) -> Option<&[u8]> {
        if !self.cache.contains_key(&index) {
            let name = self.compute(index);
            self.cache.insert(index, name);
            self.ipi.data.relieve();
        }
        self.cache.get(&index).and_then(|n| n.as_deref())
    }

    fn compute(&self, index: u32) -> Option<Vec<u8>> {
        let (kind, body) = self.ipi.record(index)?;
        let mut c = Cursor::new(&body);
        let scope = c.u32()?;
        let _type = c.u32()?;
        let name = c.cstr()?;
        let mut out = Vec::new();
        match kind {
            LF_FUNC_ID if scope != 0 => {
                if let Some(s) = self.string_id(scope) {
                    out.extend_from_slice(&s);
                    out.extend_from_slice(b"::");
                }
            }
            LF_FUNC_ID => {}
            LF_MFUNC_ID => {
                if let Some(class) = self.class_name(scope) {
                    out.extend_from_slice(&class);
                    out.extend_from_slice(b"::");
                }
            }
            _ => return None,
        }
        out.extend_from_slice(name);
        out.truncate(MAX_NAME);
        Some(out)
    }

    fn string_id(&self, index: u32) -> Option<Vec<u8>> {
        match self.ipi.record(index)? {
            (LF_STRING_ID, body) => Cursor::at(&body, 4).cstr().map(<[u8]>::to_vec),
            _ => None,
        }
    }

    fn class_name(&self, index: u32) -> Option<Vec<u8>> {
        let (kind, body) = self.tpi.record(index)?;
        let mut c = Cursor::new(&body);
        match kind {
            LF_CLASS | LF_STRUCTURE | LF_INTERFACE => {
                c.skip(2 + 2 + 4 + 4 + 4)?;
                numeric_leaf(&mut c)?;
            }
            LF_UNION => {
                c.skip(2 + 2 + 4)?;
                numeric_leaf(&mut c)?;
            }
            LF_ENUM => c.skip(2 + 2 + 4 + 4)?,
            _ => return None,
        }
        c.cstr().map(<[u8]>::to_vec)
    }
}

/// Skips a CodeView numeric leaf: a u16 below 0x8000 is the value itself, otherwise it names
/// the type of the value that follows. Returns the value when it fits in u64.
pub fn numeric_leaf(c: &mut Cursor<'_>) -> Option<u64> {
    let tag = c.u16()?;
    if tag < 0x8000 {
        return Some(u64::from(tag));
    }
    let (bytes, value): (usize, bool) = match tag {
        0x8000 => (1, true),                     // LF_CHAR
        0x8001 | 0x8002 => (2, true),            // LF_SHORT, LF_USHORT
        0x8003 | 0x8004 => (4, true),            // LF_LONG, LF_ULONG
        0x8009 | 0x800a => (8, true),            // LF_QUADWORD, LF_UQUADWORD
        0x8005 => (4, false),                    // LF_REAL32
        0x8006 | 0x800c => (8, false),           // LF_REAL64, LF_COMPLEX32
        0x8007 => (10, false),                   // LF_REAL80
        0x8008 | 0x8017 | 0x8018 => (16, false), // LF_REAL128, LF_OCTWORD, LF_UOCTWORD
        0x8010 => {
            // LF_VARSTRING: u16 length + bytes
            let n = c.u16()? as usize;
            c.skip(n)?;
            return Some(0);
        }
        _ => return None,
    };
    let raw = c.bytes(bytes)?;
    if !value {
        return Some(0);
    }
    let mut v = [0u8; 8];
    v[..bytes].copy_from_slice(raw);
    Some(u64::from_le_bytes(v))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A TPI/IPI stream holding these `(kind, body)` records from index 0x1000.
    pub fn type_stream(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (kind, data) in records {
            let mut rec = kind.to_le_bytes().to_vec();
            rec.extend_from_slice(data);
            while (rec.len() + 2) % 4 != 0 {
                rec.push(0xF0 + ((4 - (rec.len() + 2) % 4) as u8));
            }
            body.extend_from_slice(&(rec.len() as u16).to_le_bytes());
            body.extend_from_slice(&rec);
        }
        let mut out = Vec::new();
        for v in [
            20040203u32,
            56,
            0x1000,
            0x1000 + records.len() as u32,
            body.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.resize(56, 0);
        out.extend_from_slice(&body);
        out
    }

    pub fn id_record(a: u32, b: u32, name: &str) -> Vec<u8> {
        let mut v = a.to_le_bytes().to_vec();
        v.extend_from_slice(&b.to_le_bytes());
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        v
    }

    #[test]
    fn names_function_ids_like_llvm() {
        let mut class = vec![0u8; 2 + 2 + 4 + 4 + 4];
        class.extend_from_slice(&0x8002u16.to_le_bytes());
        class.extend_from_slice(&300u16.to_le_bytes());
        class.extend_from_slice(b"ns::Vec<int>\0");
        let tpi = type_stream(&[(LF_STRUCTURE, class)]);
        let ipi = type_stream(&[
            (LF_STRING_ID, id_record(0, 0, "ns").split_off(4)),
            (LF_FUNC_ID, id_record(0x1000, 0x1000, "add")),
            (LF_MFUNC_ID, id_record(0x1000, 0x1000, "dot")),
            (LF_FUNC_ID, id_record(0, 0x1000, "plain")),
            (LF_MFUNC_ID, id_record(0x1234, 0x1000, "orphan")),
        ]);
        let mut names = InlineeNames::new(TypeStream::parse(&ipi[..]), TypeStream::parse(&tpi[..]));
        assert_eq!(names.get(0x1001), Some(&b"ns::add"[..]));
        assert_eq!(names.get(0x1002), Some(&b"ns::Vec<int>::dot"[..]));
        assert_eq!(names.get(0x1003), Some(&b"plain"[..]));
        assert_eq!(names.get(0x1004), Some(&b"orphan"[..]));
        assert_eq!(names.get(0x1000), None);
        assert_eq!(names.get(0x0fff), None);
        assert_eq!(names.get(0x2000), None);
        // The same through index offsets: an entry per two records, and unusable ones.
        let offsets = |pairs: &[(u32, u32)]| -> Vec<u8> {
            pairs
                .iter()
                .flat_map(|&(i, o)| [i.to_le_bytes(), o.to_le_bytes()].concat())
                .collect()
        };
        let record_at = |n: usize| -> u32 {
            let mut at = 56;
            for _ in 0..n {
                at += 2 + u16::from_le_bytes([ipi[at], ipi[at + 1]]) as usize;
            }
            (at - 56) as u32
        };
        let good = offsets(&[(0x1000, 0), (0x1002, record_at(2)), (0x1004, record_at(4))]);
        for buffer in [
            good.clone(),
            offsets(&[(0x1001, record_at(1))]),
            offsets(&[(0x1000, 0), (0x1000, 0)]),
            offsets(&[(0x1000, 0), (0x1002, 99_999)]),
            vec![1, 2, 3],
        ] {
            let mut names = InlineeNames::new(
                TypeStream::parse_indexed(&ipi[..], Some(&buffer)),
                TypeStream::parse(&tpi[..]),
            );
            assert_eq!(names.get(0x1001), Some(&b"ns::add"[..]));
            assert_eq!(names.get(0x1002), Some(&b"ns::Vec<int>::dot"[..]));
            assert_eq!(names.get(0x1004), Some(&b"orphan"[..]));
            assert_eq!(names.get(0x1005), None);
        }
        assert!(usable_entries(&good, 0x1000, 0x1005, ipi.len() - 56).is_some());
        for n in 0..ipi.len() {
            let mut names =
                InlineeNames::new(TypeStream::parse(&ipi[..n]), TypeStream::parse(&tpi[..]));
            for i in 0x1000..0x1005 {
                let _ = names.get(i);
            }
        }
    }
}
