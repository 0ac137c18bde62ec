//! Breakpad `.sym` text, streamed line by line (symbolic.md §2.3). Only the FILE and
//! INLINE_ORIGIN maps and the current FUNC are held in memory.

use crate::error::{Error, ErrorKind, Result};
use crate::hash::FxHashMap;
use crate::lang::Lang;
use crate::writer::{InlineRec, LineSeg, Writer, NONE};

pub fn build(data: &[u8], writer: &mut Writer) -> Result<()> {
    let mut lines = data.split(|&b| b == b'\n').map(trim);
    let first = lines.next().unwrap_or(&[]);
    let module = parse_module(first)?;
    writer.debug_id = module.0;
    writer.arch = module.1;

    let mut files: FxHashMap<u64, u32> = FxHashMap::default();
    let mut file_block = true;
    let mut origins: FxHashMap<u64, u32> = FxHashMap::default();
    let mut func: Option<Func> = None;
    let mut publics: Vec<(u64, &[u8])> = Vec::new();

    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with(b"STACK ") {
            break;
        }
        let is_file = line.starts_with(b"FILE ");
        if file_block && !is_file && !line.starts_with(b"INFO ") {
            file_block = false;
        }
        if is_file {
            // Only the contiguous FILE block after MODULE/INFO counts (symbolic's fast path).
            if file_block {
                if let Some((id, rest)) = split_dec(&line[5..]) {
                    let f = writer.file(&[], &[], rest)?;
                    files.insert(id, f);
                }
            }
            continue;
        }
        if line.starts_with(b"INFO ") {
            continue;
        }
        if line.starts_with(b"INLINE_ORIGIN ") {
            if let Some((id, rest)) = split_dec(&line[14..]) {
                let name: &[u8] = rest;
                let f = writer.function(name, NONE, Some(Lang::Unknown))?;
                origins.insert(id, f);
            }
            continue;
        }
        if line.starts_with(b"FUNC ") {
            if let Some(f) = func.take() {
                f.finish(writer);
            }
            func = parse_func(&line[5..], writer)?;
            continue;
        }
        if line.starts_with(b"PUBLIC ") {
            if let Some(f) = func.take() {
                f.finish(writer);
            }
            if let Some(p) = parse_public(&line[7..]) {
                publics.push(p);
            }
            continue;
        }
        if line.starts_with(b"INLINE ") {
            if let Some(f) = func.as_mut() {
                f.add_inline(&line[7..], &files, &origins);
            }
            continue;
        }
        if let Some(f) = func.as_mut() {
            f.add_line(line, &files);
        }
    }
    if let Some(f) = func.take() {
        f.finish(writer);
    }
    for (addr, name) in publics {
        writer.add_symbol(name, addr, 0)?;
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
        let (addr, size, lineno, file) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
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
        let lineno = if lineno.first() == Some(&b'-') { 0 } else { dec(lineno).unwrap_or(0).min(u32::MAX as u64) as u32 };
        let file = files.get(&file).copied().unwrap_or(NONE);
        self.lines.push(LineSeg { start: addr, end: addr.saturating_add(size), file, line: lineno });
    }

    fn add_inline(&mut self, rest: &[u8], files: &FxHashMap<u64, u32>, origins: &FxHashMap<u64, u32>) {
        let mut parts = rest.split(|&b| b == b' ').filter(|p| !p.is_empty());
        let nums: Option<(u64, u64, u64, u64)> = (|| Some((dec(parts.next()?)?, dec(parts.next()?)?, dec(parts.next()?)?, dec(parts.next()?)?)))();
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
        loop {
            let (a, s) = match (parts.next(), parts.next()) {
                (Some(a), Some(s)) => (hex(a), hex(s)),
                _ => break,
            };
            if let (Some(a), Some(s)) = (a, s) {
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
        self.lines.retain(|l| l.end > l.start && l.start >= self.start);
        writer.add_function(self.function, self.start, self.end, &self.lines, &self.inlinees);
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
    Ok(Some(Func { function, start: addr, end: addr.saturating_add(size), lines: Vec::new(), inlinees: Vec::new() }))
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
    let bad = || Error::new(ErrorKind::BadObject, "the Breakpad file does not start with a valid MODULE line");
    let rest = line.strip_prefix(b"MODULE ").ok_or_else(bad)?;
    let mut it = splitn_space(rest, 4);
    let _os = it.next().ok_or_else(bad)?;
    let arch = arch_from_name(it.next().ok_or_else(bad)?).ok_or_else(|| {
        Error::new(ErrorKind::BadObject, "the Breakpad MODULE line names an architecture we do not know")
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
    let appendix = if tail.is_empty() { 0 } else { u32::from_str_radix(std::str::from_utf8(tail).ok()?, 16).ok()? };
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
    let start = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
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
