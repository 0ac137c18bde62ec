//! A small, safe Zstandard frame decoder (RFC 8878), for ELF sections compressed with
//! `ELFCOMPRESS_ZSTD`. Debian packages no pure-Rust zstd crate, so this is written from the RFC.
//!
//! Supported: any number of frames (skippable frames are skipped), raw / RLE / compressed
//! blocks, all four literals block types (raw, RLE, Huffman with 1 or 4 streams, treeless),
//! sequences with predefined / RLE / FSE / repeat tables and repeat offsets. Not supported:
//! dictionaries (a non-zero dictionary id is an error). The content checksum is skipped, not
//! verified (DWARF parsing validates the result anyway).
//!
//! Everything is bounds-checked: malformed input gives an `Err`, never a panic, and the output
//! never grows past the caller's `max_out` (the section's declared size).

use std::convert::TryInto;

pub type ZResult<T> = std::result::Result<T, &'static str>;

const FRAME_MAGIC: u32 = 0xFD2F_B528;
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
const BLOCK_MAX: usize = 128 * 1024;

/// Decompresses every frame of `input`, appending to one buffer of at most `max_out` bytes.
pub fn decompress(input: &[u8], max_out: usize) -> ZResult<Vec<u8>> {
    let mut out = Output {
        buf: Vec::new(),
        max: max_out,
    };
    // Reserve a plausible size up front; more is reserved fallibly as needed.
    let _ = out
        .buf
        .try_reserve(max_out.min(input.len().saturating_mul(8)).min(64 << 20));
    let mut pos = 0usize;
    while pos < input.len() {
        let magic = read_u32(input, pos)?;
        if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
            let size = read_u32(input, pos + 4)? as usize;
            pos = pos
                .checked_add(8 + size)
                .filter(|&p| p <= input.len())
                .ok_or("truncated skippable frame")?;
            continue;
        }
        if magic != FRAME_MAGIC {
            return Err("bad zstd frame magic");
        }
        pos = decode_frame(input, pos + 4, &mut out)?;
    }
    Ok(out.buf)
}

struct Output {
    buf: Vec<u8>,
    max: usize,
}

impl Output {
    fn room(&mut self, n: usize) -> ZResult<()> {
        let want = self.buf.len().checked_add(n).ok_or("output too large")?;
        if want > self.max {
            return Err("decompressed data exceeds the declared size");
        }
        if want > self.buf.capacity() {
            let extra = (self.buf.capacity().max(4096))
                .min(self.max - self.buf.len())
                .max(n);
            self.buf
                .try_reserve(extra)
                .map_err(|_| "out of memory while decompressing")?;
        }
        Ok(())
    }
    fn extend(&mut self, bytes: &[u8]) -> ZResult<()> {
        self.room(bytes.len())?;
        self.buf.extend_from_slice(bytes);
        Ok(())
    }
    fn fill(&mut self, byte: u8, n: usize) -> ZResult<()> {
        self.room(n)?;
        self.buf.resize(self.buf.len() + n, byte);
        Ok(())
    }
    /// Copies `len` bytes starting `offset` bytes back; `floor` is the frame's first byte.
    fn copy_match(&mut self, offset: usize, len: usize, floor: usize) -> ZResult<()> {
        if offset == 0 || offset > self.buf.len() - floor {
            return Err("match offset points before the start of the frame");
        }
        self.room(len)?;
        let start = self.buf.len() - offset;
        // The bytes from `start` repeat with period `offset`: copy whole periods from `start`,
        // doubling the run each time, so a short offset does not cost one call per byte.
        let mut copied = 0;
        while copied < len {
            let n = (len - copied).min(offset + copied);
            self.buf.extend_from_within(start..start + n);
            copied += n;
        }
        Ok(())
    }
}

fn read_u32(d: &[u8], pos: usize) -> ZResult<u32> {
    let b = d
        .get(pos..pos.checked_add(4).ok_or("truncated")?)
        .ok_or("truncated zstd stream")?;
    Ok(u32::from_le_bytes(b.try_into().map_err(|_| "truncated")?))
}

fn read_le(d: &[u8], pos: usize, n: usize) -> ZResult<u64> {
    let b = d
        .get(pos..pos.checked_add(n).ok_or("truncated")?)
        .ok_or("truncated zstd frame header")?;
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate() {
        v |= u64::from(x) << (8 * i);
    }
    Ok(v)
}

/// Per-frame decoding state carried between blocks.
struct FrameState {
    huffman: Option<HuffTable>,
    ll: Option<FseTable>,
    of: Option<FseTable>,
    ml: Option<FseTable>,
    rep: [usize; 3],
    literals: Vec<u8>,
}

fn decode_frame(input: &[u8], mut pos: usize, out: &mut Output) -> ZResult<usize> {
    let fhd = *input.get(pos).ok_or("truncated frame header")?;
    pos += 1;
    let fcs_flag = fhd >> 6;
    let single_segment = fhd & 0x20 != 0;
    if fhd & 0x08 != 0 {
        return Err("reserved bit set in the frame header");
    }
    let checksum = fhd & 0x04 != 0;
    let dict_flag = fhd & 3;
    if !single_segment {
        let wd = *input.get(pos).ok_or("truncated frame header")?;
        pos += 1;
        let exponent = u32::from(wd >> 3);
        if 10 + exponent > 41 {
            return Err("window too large");
        }
    }
    let dict_size = [0usize, 1, 2, 4][dict_flag as usize];
    let dict_id = read_le(input, pos, dict_size)?;
    pos += dict_size;
    if dict_id != 0 {
        return Err("zstd frames with a dictionary are not supported");
    }
    let fcs_size = match fcs_flag {
        0 => usize::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let content_size = if fcs_size == 0 {
        None
    } else {
        let v = read_le(input, pos, fcs_size)?;
        Some(if fcs_size == 2 { v + 256 } else { v })
    };
    pos += fcs_size;

    let floor = out.buf.len();
    if let Some(size) = content_size {
        if size > (out.max - floor) as u64 {
            return Err("frame content size exceeds the declared section size");
        }
    }
    let mut state = FrameState {
        huffman: None,
        ll: None,
        of: None,
        ml: None,
        rep: [1, 4, 8],
        literals: Vec::new(),
    };
    loop {
        let header = read_le(input, pos, 3)? as u32;
        pos += 3;
        let last = header & 1 != 0;
        let kind = (header >> 1) & 3;
        let size = (header >> 3) as usize;
        match kind {
            0 => {
                let data = input.get(pos..pos + size).ok_or("truncated raw block")?;
                out.extend(data)?;
                pos += size;
            }
            1 => {
                let b = *input.get(pos).ok_or("truncated RLE block")?;
                if size > BLOCK_MAX {
                    return Err("RLE block too large");
                }
                out.fill(b, size)?;
                pos += 1;
            }
            2 => {
                if size > BLOCK_MAX {
                    return Err("compressed block too large");
                }
                let data = input
                    .get(pos..pos + size)
                    .ok_or("truncated compressed block")?;
                decode_block(data, &mut state, out, floor)?;
                pos += size;
            }
            _ => return Err("reserved block type"),
        }
        if last {
            break;
        }
    }
    if checksum {
        if input.len() < pos + 4 {
            return Err("truncated content checksum");
        }
        pos += 4;
    }
    if let Some(size) = content_size {
        if (out.buf.len() - floor) as u64 != size {
            return Err("frame content size does not match the decoded data");
        }
    }
    Ok(pos)
}

// ---------------------------------------------------------------------------------------------
// Bit streams

/// Forward little-endian bit reader (FSE table descriptions).
struct FwdBits<'a> {
    data: &'a [u8],
    bit: usize,
}

impl<'a> FwdBits<'a> {
    fn read(&mut self, n: u32) -> ZResult<u32> {
        let mut v = 0u32;
        for i in 0..n {
            let byte = *self
                .data
                .get(self.bit / 8)
                .ok_or("truncated FSE table description")?;
            v |= u32::from((byte >> (self.bit % 8)) & 1) << i;
            self.bit += 1;
        }
        Ok(v)
    }
    fn peek(&self, n: u32) -> u32 {
        let mut v = 0u32;
        for i in 0..n as usize {
            let b = self.bit + i;
            let byte = self.data.get(b / 8).copied().unwrap_or(0);
            v |= u32::from((byte >> (b % 8)) & 1) << i;
        }
        v
    }
    fn bytes_used(&self) -> usize {
        (self.bit + 7) / 8
    }
}

/// Backward bit reader (Huffman streams, FSE streams): starts after the padding marker of the
/// last byte and reads towards the first byte; bits past the start read as zeros and drive
/// `remaining` negative.
struct BackBits<'a> {
    data: &'a [u8],
    remaining: i64,
}

impl<'a> BackBits<'a> {
    fn new(data: &'a [u8]) -> ZResult<Self> {
        let last = *data.last().ok_or("empty bit stream")?;
        if last == 0 {
            return Err("bit stream without an end marker");
        }
        let high = 7 - last.leading_zeros() as i64;
        Ok(BackBits {
            data,
            remaining: (data.len() as i64 - 1) * 8 + high,
        })
    }

    #[inline]
    fn word_at(&self, start: usize) -> u64 {
        let byte = start / 8;
        let w = match self.data.get(byte..byte + 8) {
            Some(s) => u64::from_le_bytes(s.try_into().unwrap_or([0; 8])),
            None => {
                let mut buf = [0u8; 8];
                let tail = self.data.get(byte..).unwrap_or(&[]);
                buf[..tail.len().min(8)].copy_from_slice(&tail[..tail.len().min(8)]);
                u64::from_le_bytes(buf)
            }
        };
        w >> (start % 8)
    }

    /// The next `n` (<= 32) bits without consuming them.
    #[inline]
    fn peek(&self, n: u32) -> u64 {
        if n == 0 {
            return 0;
        }
        let mask = (1u64 << n) - 1;
        let n64 = i64::from(n);
        if self.remaining >= n64 {
            self.word_at((self.remaining - n64) as usize) & mask
        } else if self.remaining > 0 {
            let avail = self.remaining as u32;
            ((self.word_at(0) & ((1u64 << avail) - 1)) << (n - avail)) & mask
        } else {
            0
        }
    }

    #[inline]
    fn consume(&mut self, n: u32) {
        self.remaining -= i64::from(n);
    }

    #[inline]
    fn read(&mut self, n: u32) -> u64 {
        let v = self.peek(n);
        self.consume(n);
        v
    }

    fn overflowed(&self) -> bool {
        self.remaining < 0
    }
}

// ---------------------------------------------------------------------------------------------
// FSE

#[derive(Clone, Copy, Default)]
struct FseEntry {
    symbol: u8,
    bits: u8,
    base: u16,
}

#[derive(Clone)]
struct FseTable {
    log: u32,
    entries: Vec<FseEntry>,
}

impl FseTable {
    /// Reads a table description; returns the table and the bytes consumed.
    fn read(data: &[u8], max_log: u32, max_symbol: usize) -> ZResult<(FseTable, usize)> {
        let mut bits = FwdBits { data, bit: 0 };
        let log = bits.read(4)? + 5;
        if log > max_log {
            return Err("FSE accuracy log too large");
        }
        let mut probs: Vec<i32> = Vec::with_capacity(max_symbol + 1);
        let mut remaining: i32 = (1 << log) + 1;
        let mut threshold: i32 = 1 << log;
        let mut nb = log + 1;
        while remaining > 1 {
            if probs.len() > max_symbol {
                return Err("FSE table has too many symbols");
            }
            let max = (2 * threshold - 1) - remaining;
            let low = bits.peek(nb - 1) as i32;
            let value = if low < max {
                bits.read(nb - 1)?;
                low
            } else {
                let v = bits.read(nb)? as i32;
                if v >= threshold {
                    v - max
                } else {
                    v
                }
            };
            let prob = value - 1;
            remaining -= prob.abs();
            probs.push(prob);
            if prob == 0 {
                loop {
                    let repeat = bits.read(2)?;
                    probs.resize(probs.len() + repeat as usize, 0);
                    if probs.len() > max_symbol + 1 {
                        return Err("FSE table has too many symbols");
                    }
                    if repeat != 3 {
                        break;
                    }
                }
            }
            while remaining < threshold && nb > 1 {
                nb -= 1;
                threshold >>= 1;
            }
        }
        if remaining != 1 || probs.len() > max_symbol + 1 {
            return Err("bad FSE table description");
        }
        let table = FseTable::build(&probs, log)?;
        Ok((table, bits.bytes_used()))
    }

    fn build(probs: &[i32], log: u32) -> ZResult<FseTable> {
        let size = 1usize << log;
        let mut entries = vec![FseEntry::default(); size];
        let mut next = vec![0u32; probs.len()];
        let sum: i64 = probs.iter().map(|&p| i64::from(p.abs())).sum();
        if sum != size as i64 || probs.iter().any(|&p| p < -1) || probs.len() > 256 {
            return Err("FSE probabilities do not add up");
        }
        let mut high = size - 1;
        for (s, &p) in probs.iter().enumerate() {
            if p == -1 {
                entries[high].symbol = s as u8;
                high = high.wrapping_sub(1);
                next[s] = 1;
            } else if p > 0 {
                next[s] = p as u32;
            }
        }
        let step = (size >> 1) + (size >> 3) + 3;
        let mask = size - 1;
        let mut pos = 0usize;
        for (s, &p) in probs.iter().enumerate() {
            for _ in 0..p.max(0) {
                entries[pos].symbol = s as u8;
                loop {
                    pos = (pos + step) & mask;
                    if high == usize::MAX || pos <= high {
                        break;
                    }
                }
            }
        }
        if pos != 0 {
            return Err("bad FSE symbol spread");
        }
        for e in entries.iter_mut() {
            let s = e.symbol as usize;
            let state = next[s];
            next[s] += 1;
            let bits = log - (31 - state.leading_zeros());
            e.bits = bits as u8;
            e.base = ((state << bits) as usize - size) as u16;
        }
        Ok(FseTable { log, entries })
    }

    fn rle(symbol: u8) -> FseTable {
        FseTable {
            log: 0,
            entries: vec![FseEntry {
                symbol,
                bits: 0,
                base: 0,
            }],
        }
    }
}

struct FseState<'t> {
    table: &'t FseTable,
    state: usize,
}

impl<'t> FseState<'t> {
    fn new(table: &'t FseTable, bits: &mut BackBits<'_>) -> Self {
        FseState {
            table,
            state: bits.read(table.log) as usize,
        }
    }
    #[inline]
    fn symbol(&self) -> u8 {
        self.table.entries[self.state].symbol
    }
    #[inline]
    fn update(&mut self, bits: &mut BackBits<'_>) {
        let e = self.table.entries[self.state];
        self.state = usize::from(e.base) + bits.read(u32::from(e.bits)) as usize;
    }
}

// ---------------------------------------------------------------------------------------------
// Huffman

#[derive(Clone)]
struct HuffTable {
    max_bits: u32,
    /// Indexed by the next `max_bits` bits: (symbol, bits consumed).
    entries: Vec<(u8, u8)>,
}

impl HuffTable {
    /// Reads a Huffman tree description; returns the table and the bytes consumed.
    fn read(data: &[u8]) -> ZResult<(HuffTable, usize)> {
        let header = *data.first().ok_or("truncated Huffman tree description")?;
        let mut weights: Vec<u8> = Vec::with_capacity(256);
        let used = if header < 128 {
            let size = usize::from(header);
            let body = data.get(1..1 + size).ok_or("truncated Huffman weights")?;
            let (table, n) = FseTable::read(body, 6, 255)?;
            let stream = body
                .get(n..)
                .filter(|s| !s.is_empty())
                .ok_or("truncated Huffman weights")?;
            let mut bits = BackBits::new(stream)?;
            let mut s1 = FseState::new(&table, &mut bits);
            let mut s2 = FseState::new(&table, &mut bits);
            loop {
                if weights.len() > 253 {
                    return Err("too many Huffman weights");
                }
                weights.push(s1.symbol());
                s1.update(&mut bits);
                if bits.overflowed() {
                    weights.push(s2.symbol());
                    break;
                }
                weights.push(s2.symbol());
                s2.update(&mut bits);
                if bits.overflowed() {
                    weights.push(s1.symbol());
                    break;
                }
            }
            1 + size
        } else {
            let n = usize::from(header) - 127;
            let bytes = data
                .get(1..1 + (n + 1) / 2)
                .ok_or("truncated Huffman weights")?;
            for i in 0..n {
                let b = bytes[i / 2];
                weights.push(if i % 2 == 0 { b >> 4 } else { b & 15 });
            }
            1 + (n + 1) / 2
        };
        if weights.len() > 255 {
            return Err("too many Huffman weights");
        }
        let mut total: u32 = 0;
        for &w in &weights {
            if w > 11 {
                return Err("Huffman weight too large");
            }
            if w > 0 {
                total += 1 << (w - 1);
            }
        }
        if total == 0 {
            return Err("Huffman weights are all zero");
        }
        let max_bits = 32 - total.leading_zeros();
        if max_bits > 11 {
            return Err("Huffman code too long");
        }
        let left = (1u32 << max_bits) - total;
        if left == 0 || !left.is_power_of_two() {
            return Err("Huffman weights do not form a complete tree");
        }
        weights.push((31 - left.leading_zeros() + 1) as u8);
        // Fill the table: by ascending weight, then symbol; weight w spans 2^(w-1) entries.
        let size = 1usize << max_bits;
        let mut entries = vec![(0u8, 0u8); size];
        let mut pos = 0usize;
        for w in 1..=max_bits as u8 {
            for (s, &sw) in weights.iter().enumerate() {
                if sw != w {
                    continue;
                }
                let span = 1usize << (w - 1);
                let nbits = (max_bits + 1 - u32::from(w)) as u8;
                let slot = entries
                    .get_mut(pos..pos + span)
                    .ok_or("Huffman table overflow")?;
                for e in slot.iter_mut() {
                    *e = (s as u8, nbits);
                }
                pos += span;
            }
        }
        if pos != size {
            return Err("Huffman table incomplete");
        }
        Ok((HuffTable { max_bits, entries }, used))
    }

    fn decode_stream(&self, stream: &[u8], count: usize, out: &mut Vec<u8>) -> ZResult<()> {
        let mut bits = BackBits::new(stream)?;
        for _ in 0..count {
            let (sym, nb) = self.entries[bits.peek(self.max_bits) as usize];
            out.push(sym);
            bits.consume(u32::from(nb));
        }
        if bits.remaining != 0 {
            return Err("Huffman stream not fully consumed");
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Blocks

fn decode_block(data: &[u8], st: &mut FrameState, out: &mut Output, floor: usize) -> ZResult<()> {
    let used = decode_literals(data, st)?;
    decode_sequences(&data[used..], st, out, floor)
}

/// Fills `st.literals`; returns the size of the literals section.
fn decode_literals(data: &[u8], st: &mut FrameState) -> ZResult<usize> {
    let b0 = *data.first().ok_or("truncated literals section")?;
    let kind = b0 & 3;
    let size_format = (b0 >> 2) & 3;
    st.literals.clear();
    match kind {
        0 | 1 => {
            let (regen, header) = match size_format {
                0 | 2 => (usize::from(b0 >> 3), 1),
                1 => (read_le(data, 0, 2)? as usize >> 4, 2),
                _ => (read_le(data, 0, 3)? as usize >> 4, 3),
            };
            if regen > BLOCK_MAX {
                return Err("literals too large");
            }
            if kind == 0 {
                let lit = data
                    .get(header..header + regen)
                    .ok_or("truncated raw literals")?;
                st.literals.extend_from_slice(lit);
                Ok(header + regen)
            } else {
                let b = *data.get(header).ok_or("truncated RLE literals")?;
                st.literals.resize(regen, b);
                Ok(header + 1)
            }
        }
        _ => {
            let (header, bits) = match size_format {
                0 | 1 => (3, 10),
                2 => (4, 14),
                _ => (5, 18),
            };
            let h = read_le(data, 0, header)?;
            let mask = (1u64 << bits) - 1;
            let regen = ((h >> 4) & mask) as usize;
            let comp = ((h >> (4 + bits)) & mask) as usize;
            let four = size_format != 0;
            if regen > BLOCK_MAX {
                return Err("literals too large");
            }
            let body = data
                .get(header..header + comp)
                .ok_or("truncated compressed literals")?;
            let mut body_pos = 0;
            if kind == 2 {
                let (table, used) = HuffTable::read(body)?;
                st.huffman = Some(table);
                body_pos = used;
            }
            let table = st
                .huffman
                .as_ref()
                .ok_or("treeless literals without a previous Huffman table")?;
            let streams = body.get(body_pos..).ok_or("truncated literals")?;
            st.literals.reserve(regen);
            if !four {
                table.decode_stream(streams, regen, &mut st.literals)?;
            } else {
                if streams.len() < 6 {
                    return Err("truncated literals jump table");
                }
                let s1 = usize::from(u16::from_le_bytes([streams[0], streams[1]]));
                let s2 = usize::from(u16::from_le_bytes([streams[2], streams[3]]));
                let s3 = usize::from(u16::from_le_bytes([streams[4], streams[5]]));
                let rest = &streams[6..];
                let s123 = s1 + s2 + s3;
                if s123 > rest.len() {
                    return Err("bad literals jump table");
                }
                let part = (regen + 3) / 4;
                if 3 * part > regen {
                    return Err("too few literals for four streams");
                }
                table.decode_stream(&rest[..s1], part, &mut st.literals)?;
                table.decode_stream(&rest[s1..s1 + s2], part, &mut st.literals)?;
                table.decode_stream(&rest[s1 + s2..s123], part, &mut st.literals)?;
                table.decode_stream(&rest[s123..], regen - 3 * part, &mut st.literals)?;
            }
            Ok(header + comp)
        }
    }
}

const LL_DEFAULT: [i32; 36] = [
    4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
    -1, -1, -1, -1,
];
const ML_DEFAULT: [i32; 53] = [
    1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT: [i32; 29] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/// Literals length code -> (baseline, extra bits).
fn ll_code(code: u8) -> ZResult<(u32, u32)> {
    const T: [(u32, u32); 20] = [
        (16, 1),
        (18, 1),
        (20, 1),
        (22, 1),
        (24, 2),
        (28, 2),
        (32, 3),
        (40, 3),
        (48, 4),
        (64, 6),
        (128, 7),
        (256, 8),
        (512, 9),
        (1024, 10),
        (2048, 11),
        (4096, 12),
        (8192, 13),
        (16384, 14),
        (32768, 15),
        (65536, 16),
    ];
    match code {
        0..=15 => Ok((u32::from(code), 0)),
        16..=35 => Ok(T[usize::from(code) - 16]),
        _ => Err("bad literals length code"),
    }
}

/// Match length code -> (baseline, extra bits).
fn ml_code(code: u8) -> ZResult<(u32, u32)> {
    const T: [(u32, u32); 21] = [
        (35, 1),
        (37, 1),
        (39, 1),
        (41, 1),
        (43, 2),
        (47, 2),
        (51, 3),
        (59, 3),
        (67, 4),
        (83, 4),
        (99, 5),
        (131, 7),
        (259, 8),
        (515, 9),
        (1027, 10),
        (2051, 11),
        (4099, 12),
        (8195, 13),
        (16387, 14),
        (32771, 15),
        (65539, 16),
    ];
    match code {
        0..=31 => Ok((u32::from(code) + 3, 0)),
        32..=52 => Ok(T[usize::from(code) - 32]),
        _ => Err("bad match length code"),
    }
}

// The sequence section names three tables the same way; one function reads any of them.
#[allow(clippy::too_many_arguments)]
fn choose_table<'s>(
    mode: u8,
    data: &[u8],
    pos: &mut usize,
    slot: &'s mut Option<FseTable>,
    default: &[i32],
    default_log: u32,
    max_log: u32,
    max_symbol: usize,
) -> ZResult<()> {
    match mode {
        0 => *slot = Some(FseTable::build(default, default_log)?),
        1 => {
            let s = *data.get(*pos).ok_or("truncated sequences header")?;
            if usize::from(s) > max_symbol {
                return Err("bad RLE sequence symbol");
            }
            *slot = Some(FseTable::rle(s));
            *pos += 1;
        }
        2 => {
            let (t, used) = FseTable::read(data.get(*pos..).unwrap_or(&[]), max_log, max_symbol)?;
            *slot = Some(t);
            *pos += used;
        }
        _ => {
            if slot.is_none() {
                return Err("repeat sequence table without a previous table");
            }
        }
    }
    Ok(())
}

fn decode_sequences(
    data: &[u8],
    st: &mut FrameState,
    out: &mut Output,
    floor: usize,
) -> ZResult<()> {
    let b0 = *data.first().ok_or("truncated sequences section")?;
    let (count, mut pos) = match b0 {
        0 => (0usize, 1usize),
        1..=127 => (usize::from(b0), 1),
        128..=254 => (
            (usize::from(b0 - 128) << 8)
                + usize::from(*data.get(1).ok_or("truncated sequences header")?),
            2,
        ),
        255 => (read_le(data, 1, 2)? as usize + 0x7F00, 3),
    };
    if count == 0 {
        if pos != data.len() {
            return Err("trailing bytes after an empty sequences section");
        }
        let lits = std::mem::take(&mut st.literals);
        let r = out.extend(&lits);
        st.literals = lits;
        return r;
    }
    let modes = *data.get(pos).ok_or("truncated sequences header")?;
    pos += 1;
    if modes & 3 != 0 {
        return Err("reserved bits set in the sequence compression modes");
    }
    choose_table(
        modes >> 6,
        data,
        &mut pos,
        &mut st.ll,
        &LL_DEFAULT,
        6,
        9,
        35,
    )?;
    choose_table(
        (modes >> 4) & 3,
        data,
        &mut pos,
        &mut st.of,
        &OF_DEFAULT,
        5,
        8,
        31,
    )?;
    choose_table(
        (modes >> 2) & 3,
        data,
        &mut pos,
        &mut st.ml,
        &ML_DEFAULT,
        6,
        9,
        52,
    )?;
    let stream = data
        .get(pos..)
        .filter(|s| !s.is_empty())
        .ok_or("truncated sequences bit stream")?;
    let mut bits = BackBits::new(stream)?;
    let (ll_t, of_t, ml_t) = match (&st.ll, &st.of, &st.ml) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => return Err("missing sequence tables"),
    };
    let mut ll = FseState::new(ll_t, &mut bits);
    let mut of = FseState::new(of_t, &mut bits);
    let mut ml = FseState::new(ml_t, &mut bits);
    let lits = &st.literals;
    let mut lit_pos = 0usize;
    let rep = &mut st.rep;
    for i in 0..count {
        let of_code = u32::from(of.symbol());
        if of_code > 31 {
            return Err("bad offset code");
        }
        let (ml_base, ml_bits) = ml_code(ml.symbol())?;
        let (ll_base, ll_bits) = ll_code(ll.symbol())?;
        let of_value = (1u64 << of_code) + bits.read(of_code);
        let match_len = (ml_base as u64 + bits.read(ml_bits)) as usize;
        let lit_len = (ll_base as u64 + bits.read(ll_bits)) as usize;
        let offset = if of_value > 3 {
            let o = (of_value - 3) as usize;
            rep[2] = rep[1];
            rep[1] = rep[0];
            rep[0] = o;
            o
        } else {
            let idx = of_value as usize - 1 + usize::from(lit_len == 0);
            match idx {
                0 => rep[0],
                1 => {
                    rep.swap(0, 1);
                    rep[0]
                }
                2 => {
                    let o = rep[2];
                    rep[2] = rep[1];
                    rep[1] = rep[0];
                    rep[0] = o;
                    o
                }
                _ => {
                    let o = rep[0].wrapping_sub(1);
                    rep[2] = rep[1];
                    rep[1] = rep[0];
                    rep[0] = o;
                    o
                }
            }
        };
        let lit = lits
            .get(lit_pos..lit_pos + lit_len)
            .ok_or("sequence uses more literals than decoded")?;
        out.extend(lit)?;
        lit_pos += lit_len;
        out.copy_match(offset, match_len, floor)?;
        if i + 1 < count {
            ll.update(&mut bits);
            ml.update(&mut bits);
            of.update(&mut bits);
        }
        if bits.overflowed() {
            return Err("sequences bit stream overrun");
        }
    }
    if bits.remaining != 0 {
        return Err("sequences bit stream not fully consumed");
    }
    out.extend(&lits[lit_pos..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `*.zst` in $ZSTD_TEST_DIR must decompress to the file without the suffix.
    #[test]
    fn corpus_from_env() {
        let dir = match std::env::var("ZSTD_TEST_DIR") {
            Ok(d) => d,
            Err(_) => return,
        };
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().map_or(false, |e| e == "zst") {
                let original = std::fs::read(path.with_extension("")).unwrap();
                let compressed = std::fs::read(&path).unwrap();
                let got = decompress(&compressed, original.len())
                    .unwrap_or_else(|e| panic!("{}: {}", path.display(), e));
                assert!(got == original, "{} differs", path.display());
                n += 1;
            }
        }
        assert!(n > 0);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        let mut seed = 0x1234_5678u32;
        for len in 0..200 {
            let mut data = vec![0x28, 0xB5, 0x2F, 0xFD];
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                data.push(seed as u8);
            }
            let _ = decompress(&data, 1 << 20);
        }
    }
}
