//! Breakpad `.sym` text (Breakpad's `docs/symbol_files.md`: `MODULE`, `INFO`, a block of `FILE` and
//! `INLINE_ORIGIN` records, then `FUNC` records each followed by its line and `INLINE` records,
//! `PUBLIC` records, and `STACK` records, which we stop at).
//!
//! The file is read through the page store, never whole, in spans: the *header* (everything
//! before the first `FUNC` or `PUBLIC`) holds the FILE and INLINE_ORIGIN tables; the *body*
//! (up to the first `STACK`) is cut into spans that start at `FUNC`/`PUBLIC` lines. A span is
//! built in two passes: the first notes which file and origin ids its records use, a scan of the
//! header resolves only those, the second builds. A browser's `.sym` (hundreds of MiB, tens of
//! MiB of header) is therefore built in units whose memory is bounded by their span.

use crate::error::{Error, ErrorKind, Result};
use crate::hash::{FxHashMap, FxHashSet};
use crate::lang::Lang;
use crate::store::Store;
use crate::writer::{InlineRec, LineSeg, Writer, NONE};
use std::borrow::Cow;

/// Where the parts of a Breakpad file are: `[0, header_end)` header, `[header_end, body_end)` body.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub header_end: u64,
    pub body_end: u64,
}

/// Lines of `[pos, end)` of a section, without the `\n`, trimmed.
struct Lines<'s> {
    store: &'s Store,
    section: u32,
    pos: usize,
    end: usize,
}

impl<'s> Lines<'s> {
    /// The next line and the offset it starts at.
    fn next_line(&mut self) -> Option<(usize, Cow<'s, [u8]>)> {
        if self.pos >= self.end {
            return None;
        }
        let start = self.pos;
        let stop = self
            .store
            .find(self.section, start, self.end, b'\n')
            .unwrap_or(self.end);
        self.pos = stop + 1;
        let line = self.store.slice(self.section, start, stop - start)?;
        Some((start, trim_cow(line)))
    }
}

fn trim_cow(line: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    match line {
        Cow::Borrowed(b) => Cow::Borrowed(trim(b)),
        Cow::Owned(v) => Cow::Owned(trim(&v).to_vec()),
    }
}

/// Reads the MODULE line and finds the header and the body.
pub fn layout(store: &Store, section: u32) -> Result<Layout> {
    let size = store.size(section);
    let mut lines = Lines {
        store,
        section,
        pos: 0,
        end: size,
    };
    let first = lines
        .next_line()
        .map(|(_, l)| l.into_owned())
        .unwrap_or_default();
    // The identity was read at upload; here the MODULE line only has to be sound.
    parse_module(&first)?;
    let mut header_end = None;
    let mut body_end = size as u64;
    let mut count = 0u32;
    while let Some((at, line)) = lines.next_line() {
        if header_end.is_none() && (line.starts_with(b"FUNC ") || line.starts_with(b"PUBLIC ")) {
            header_end = Some(at as u64);
        }
        if line.starts_with(b"STACK ") {
            body_end = at as u64;
            break;
        }
        drop(line);
        count = count.wrapping_add(1);
        if count % 65536 == 0 {
            store.relieve();
        }
    }
    Ok(Layout {
        header_end: header_end.unwrap_or(body_end).min(body_end),
        body_end,
    })
}

/// The layout a unit needs: the header ends where the body starts; scanning for it reads the
/// header only (up to the first FUNC or PUBLIC), never the rest of the body.
pub fn layout_of_span(store: &Store, section: u32, span_start: u64) -> Result<Layout> {
    let size = store.size(section) as u64;
    let mut lines = Lines {
        store,
        section,
        pos: 0,
        end: span_start.min(size) as usize,
    };
    let first = lines
        .next_line()
        .map(|(_, l)| l.into_owned())
        .unwrap_or_default();
    parse_module(&first)?;
    let mut header_end = span_start;
    while let Some((at, line)) = lines.next_line() {
        if line.starts_with(b"FUNC ") || line.starts_with(b"PUBLIC ") {
            header_end = at as u64;
            break;
        }
    }
    Ok(Layout {
        header_end,
        body_end: size,
    })
}

/// Cuts the body into spans of about `bytes`, each starting at a FUNC or PUBLIC line.
pub fn spans(store: &Store, section: u32, layout: Layout, bytes: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut start = layout.header_end;
    let mut lines = Lines {
        store,
        section,
        pos: start as usize,
        end: layout.body_end as usize,
    };
    let mut count = 0u32;
    while let Some((at, line)) = lines.next_line() {
        let at = at as u64;
        if at - start >= bytes && (line.starts_with(b"FUNC ") || line.starts_with(b"PUBLIC ")) {
            out.push((start, at));
            start = at;
        }
        drop(line);
        count = count.wrapping_add(1);
        if count % 65536 == 0 {
            store.relieve();
        }
    }
    if layout.body_end > start {
        out.push((start, layout.body_end));
    }
    out
}

/// Builds the records of body span `[from, to)` into `writer`.
pub fn build_span(
    store: &Store,
    section: u32,
    layout: Layout,
    from: u64,
    to: u64,
    writer: &mut Writer,
) -> Result<()> {
    // Pass 1: which files and inline origins the span uses.
    let mut want_files: FxHashSet<u64> = FxHashSet::default();
    let mut want_origins: FxHashSet<u64> = FxHashSet::default();
    let mut in_func = false;
    let mut lines = Lines {
        store,
        section,
        pos: from as usize,
        end: to as usize,
    };
    let mut count = 0u32;
    while let Some((_, line)) = lines.next_line() {
        if line.starts_with(b"FUNC ") {
            in_func = true;
        } else if line.starts_with(b"PUBLIC ") {
            in_func = false;
        } else if line.starts_with(b"INLINE ") {
            let mut parts = line[7..].split(|&b| b == b' ').filter(|p| !p.is_empty());
            let _depth = parts.next();
            let _call_line = parts.next();
            if let Some(f) = parts.next().and_then(dec) {
                want_files.insert(f);
            }
            if let Some(o) = parts.next().and_then(dec) {
                want_origins.insert(o);
            }
        } else if in_func
            && !line.is_empty()
            && !line.starts_with(b"INLINE_ORIGIN ")
            && !line.starts_with(b"FILE ")
        {
            if let Some(f) = line
                .split(|&b| b == b' ')
                .filter(|p| !p.is_empty())
                .nth(3)
                .and_then(dec)
            {
                want_files.insert(f);
            }
        }
        drop(line);
        count = count.wrapping_add(1);
        if count % 65536 == 0 {
            store.relieve();
        }
    }

    // The header: the contiguous FILE block after MODULE/INFO (symbolic's fast path) and the
    // INLINE_ORIGIN records, only the ids the span uses.
    let mut files: FxHashMap<u64, u32> = FxHashMap::default();
    let mut origins: FxHashMap<u64, u32> = FxHashMap::default();
    let mut file_block = true;
    let mut lines = Lines {
        store,
        section,
        pos: 0,
        end: layout.header_end as usize,
    };
    lines.next_line(); // MODULE
    while let Some((_, line)) = lines.next_line() {
        if line.is_empty() {
            continue;
        }
        let is_file = line.starts_with(b"FILE ");
        if file_block && !is_file && !line.starts_with(b"INFO ") {
            file_block = false;
        }
        if is_file && file_block {
            if let Some((id, rest)) = split_dec(&line[5..]) {
                if want_files.contains(&id) {
                    files.insert(id, writer.file(&[], &[], rest)?);
                }
            }
        } else if line.starts_with(b"INLINE_ORIGIN ") {
            if let Some((id, name)) = split_dec(&line[14..]) {
                if want_origins.contains(&id) {
                    origins.insert(id, writer.function(name, NONE, Some(Lang::Unknown))?);
                }
            }
        }
        drop(line);
        count = count.wrapping_add(1);
        if count % 65536 == 0 {
            store.relieve();
        }
    }

    // Pass 2: the records.
    let mut func: Option<Func> = None;
    let mut publics: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut lines = Lines {
        store,
        section,
        pos: from as usize,
        end: to as usize,
    };
    while let Some((_, line)) = lines.next_line() {
        if line.is_empty()
            || line.starts_with(b"FILE ")
            || line.starts_with(b"INFO ")
            || line.starts_with(b"INLINE_ORIGIN ")
        {
            continue;
        }
        if line.starts_with(b"FUNC ") {
            if let Some(f) = func.take() {
                f.finish(writer);
            }
            func = parse_func(&line[5..], writer)?;
        } else if line.starts_with(b"PUBLIC ") {
            if let Some(f) = func.take() {
                f.finish(writer);
            }
            if let Some((addr, name)) = parse_public(&line[7..]) {
                publics.push((addr, name.to_vec()));
            }
        } else if line.starts_with(b"INLINE ") {
            if let Some(f) = func.as_mut() {
                f.add_inline(&line[7..], &files, &origins);
            }
        } else if let Some(f) = func.as_mut() {
            f.add_line(&line, &files);
        }
        drop(line);
        count = count.wrapping_add(1);
        if count % 65536 == 0 {
            store.relieve();
        }
    }
    if let Some(f) = func.take() {
        f.finish(writer);
    }
    for (addr, name) in publics {
        writer.add_symbol(&name, addr, 0)?;
    }
    Ok(())
}

struct Func {
    function: u32,
    start: u64,
    end: u64,
    lines: Vec<LineSeg>,
    inlinees: Vec<InlineRec>,
}

impl Func {
    fn add_line(&mut self, line: &[u8], files: &FxHashMap<u64, u32>) {
        let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
        let (addr, size, lineno, file) =
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(s), Some(l), Some(f)) => (hex(a), hex(s), l, dec(f)),
                _ => return,
            };
        let (addr, size, file) = match (addr, size, file) {
            (Some(a), Some(s), Some(f)) => (a, s, f),
            _ => return,
        };
        if size == 0 {
            return;
        }
        let lineno = if lineno.first() == Some(&b'-') {
            0
        } else {
            dec(lineno).unwrap_or(0).min(u32::MAX as u64) as u32
        };
        let file = files.get(&file).copied().unwrap_or(NONE);
        self.lines.push(LineSeg {
            start: addr,
            end: addr.saturating_add(size),
            file,
            line: lineno,
        });
    }

    fn add_inline(
        &mut self,
        rest: &[u8],
        files: &FxHashMap<u64, u32>,
        origins: &FxHashMap<u64, u32>,
    ) {
        let mut parts = rest.split(|&b| b == b' ').filter(|p| !p.is_empty());
        let nums: Option<(u64, u64, u64, u64)> = (|| {
            Some((
                dec(parts.next()?)?,
                dec(parts.next()?)?,
                dec(parts.next()?)?,
                dec(parts.next()?)?,
            ))
        })();
        let (depth, call_line, call_file, origin) = match nums {
            Some(n) => n,
            None => return,
        };
        if depth >= crate::MAX_INLINE_DEPTH as u64 {
            return;
        }
        let function = match origins.get(&origin) {
            Some(&f) => f,
            None => return,
        };
        let call_file = files.get(&call_file).copied().unwrap_or(NONE);
        while let (Some(a), Some(s)) = (parts.next(), parts.next()) {
            if let (Some(a), Some(s)) = (hex(a), hex(s)) {
                if s > 0 && self.inlinees.len() < 1 << 22 {
                    self.inlinees.push(InlineRec {
                        start: a,
                        end: a.saturating_add(s),
                        depth: depth as u32,
                        function,
                        call_file,
                        call_line: call_line.min(u32::MAX as u64) as u32,
                    });
                }
            }
        }
    }

    fn finish(mut self, writer: &mut Writer) {
        self.lines.sort_by_key(|l| l.start);
        let mut prev_end = 0;
        for l in self.lines.iter_mut() {
            if l.start < prev_end {
                l.start = prev_end.min(l.end);
            }
            prev_end = prev_end.max(l.end);
        }
        self.lines
            .retain(|l| l.end > l.start && l.start >= self.start);
        writer.add_function(
            self.function,
            self.start,
            self.end,
            &self.lines,
            &self.inlinees,
        );
    }
}

fn parse_func(rest: &[u8], writer: &mut Writer) -> Result<Option<Func>> {
    let rest = rest.strip_prefix(b"m ").unwrap_or(rest);
    let mut it = splitn_space(rest, 4);
    let (addr, size) = match (it.next().and_then(hex), it.next().and_then(hex)) {
        (Some(a), Some(s)) => (a, s),
        _ => return Ok(None),
    };
    let _param = it.next();
    let name = it.next().unwrap_or(&[]);
    let name: &[u8] = if name.is_empty() { b"<unknown>" } else { name };
    if size == 0 || addr > u32::MAX as u64 {
        return Ok(None);
    }
    // Breakpad names are already demangled: Lang::Unknown here still only demangles `_Z`/Rust
    // mangled names, which dump_syms leaves as is when it cannot demangle them.
    let function = writer.function(name, addr as u32, Some(Lang::Unknown))?;
    Ok(Some(Func {
        function,
        start: addr,
        end: addr.saturating_add(size),
        lines: Vec::new(),
        inlinees: Vec::new(),
    }))
}

fn parse_public(rest: &[u8]) -> Option<(u64, &[u8])> {
    let rest = rest.strip_prefix(b"m ").unwrap_or(rest);
    let mut it = splitn_space(rest, 3);
    let addr = hex(it.next()?)?;
    let _param = it.next()?;
    Some((addr, it.next().unwrap_or(&[])))
}

/// `MODULE <os> <arch> <id>[ <name>]` -> (debug id bytes, arch code).
fn parse_module(line: &[u8]) -> Result<([u8; 32], u32)> {
    let bad = || {
        Error::new(
            ErrorKind::BadObject,
            "the Breakpad file does not start with a valid MODULE line",
        )
    };
    let rest = line.strip_prefix(b"MODULE ").ok_or_else(bad)?;
    let mut it = splitn_space(rest, 4);
    let _os = it.next().ok_or_else(bad)?;
    let arch = arch_from_name(it.next().ok_or_else(bad)?).ok_or_else(|| {
        Error::new(
            ErrorKind::BadObject,
            "the Breakpad MODULE line names an architecture we do not know",
        )
    })?;
    let id = it.next().ok_or_else(bad)?;
    Ok((parse_breakpad_id(id).ok_or_else(bad)?, arch))
}

fn parse_breakpad_id(id: &[u8]) -> Option<[u8; 32]> {
    let hexs: Vec<u8> = id.iter().copied().filter(|&b| b != b'-').collect();
    if hexs.len() < 32 || !hexs.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0u8; 32];
    for i in 0..16 {
        let s = std::str::from_utf8(&hexs[2 * i..2 * i + 2]).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    let tail = &hexs[32..hexs.len().min(40)];
    let appendix = if tail.is_empty() {
        0
    } else {
        u32::from_str_radix(std::str::from_utf8(tail).ok()?, 16).ok()?
    };
    out[16..20].copy_from_slice(&appendix.to_le_bytes());
    Some(out)
}

pub fn arch_from_name(name: &[u8]) -> Option<u32> {
    let lower: Vec<u8> = name.iter().map(u8::to_ascii_lowercase).collect();
    Some(match &lower[..] {
        b"x86" | b"i386" => 101,
        b"x86_64" | b"amd64" | b"x86-64" => 201,
        b"x86_64h" => 202,
        b"arm" => 301,
        b"armv7" => 305,
        b"arm64" | b"arm-64" | b"aarch64" => 401,
        b"arm64e" => 403,
        b"ppc" => 501,
        b"ppc64" => 601,
        b"mips" => 701,
        b"mips64" => 801,
        b"arm64_32" => 901,
        b"wasm32" => 1001,
        b"unknown" => 0,
        _ => return None,
    })
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end.max(start)]
}

fn splitn_space(s: &[u8], n: usize) -> impl Iterator<Item = &[u8]> {
    s.splitn(n, |&b| b == b' ')
}

fn split_dec(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut it = s.splitn(2, |&b| b == b' ');
    let id = dec(it.next()?)?;
    Some((id, it.next().unwrap_or(&[])))
}

fn hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
}

fn dec(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}
