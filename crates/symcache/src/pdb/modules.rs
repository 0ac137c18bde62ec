//! One module's symbol stream: its procedures and the inline sites nested in them.
//!
//! ```text
//! module stream: signature u32 (4 = C13) | symbol records up to symbol_bytes (from the DBI
//!   module record) | C11 lines (c11_bytes, obsolete, skipped) | C13 lines (c13_bytes)
//! symbol record: length u16 (bytes after itself) | kind u16 | body; 4-aligned in modules
//! S_GPROC32 0x1110, S_LPROC32 0x110F, S_GPROC32_ID 0x1147, S_LPROC32_ID 0x1146,
//! S_LPROC32_DPC 0x1155, S_LPROC32_DPC_ID 0x1156:
//!   parent u32 | end u32 | next u32 | code_size u32 | debug_start u32 | debug_end u32
//!   | type u32 | offset u32 | section u16 | flags u8 | name cstr
//! S_COMPILE3 0x113C / S_COMPILE2 0x1116: flags u32 (language in the low byte) | ...
//! S_SEPCODE 0x1132: parent u32 | end u32 | length u32 | flags u32 | offset u32
//!   | parent offset u32 | section u16 | parent section u16 (a block split off its procedure)
//! scopes: procedures, S_BLOCK32, S_THUNK32, S_WITH32, S_SEPCODE and managed procedures end at
//!   S_END (0x0006) / S_PROC_ID_END (0x114F); inline sites (see inlinees.rs) at
//!   S_INLINESITE_END (0x114E)
//! ```
//! (LLVM: `CodeViewSymbols.def`, `SymbolRecordHelpers.cpp`; Microsoft's `cvinfo.h`.)
//!
//! Nesting is followed with a stack instead of the records' `parent`/`end` offsets, so a
//! corrupt offset cannot send the walk backwards; depth is capped.

use super::cursor::{Cursor, Records};
use crate::lang::Lang;

const S_END: u16 = 0x0006;
const S_COMPILE2: u16 = 0x1116;
const S_COMPILE3: u16 = 0x113C;
const S_THUNK32: u16 = 0x1102;
const S_BLOCK32: u16 = 0x1103;
const S_WITH32: u16 = 0x1104;
const S_LPROC32: u16 = 0x110F;
const S_GPROC32: u16 = 0x1110;
const S_GMANPROC: u16 = 0x112A;
const S_LMANPROC: u16 = 0x112B;
const S_SEPCODE: u16 = 0x1132;
const S_LPROC32_ID: u16 = 0x1146;
const S_GPROC32_ID: u16 = 0x1147;
const S_INLINESITE: u16 = 0x114D;
const S_INLINESITE_END: u16 = 0x114E;
const S_PROC_ID_END: u16 = 0x114F;
const S_LPROC32_DPC: u16 = 0x1155;
const S_LPROC32_DPC_ID: u16 = 0x1156;
const S_INLINESITE2: u16 = 0x115D;

const MAX_DEPTH: usize = 1024;

pub struct Proc<'a> {
    pub name: &'a [u8],
    pub section: u16,
    pub offset: u32,
    pub len: u32,
    /// `(section, offset, length)` of code split off the procedure (S_SEPCODE: PGO's cold
    /// blocks), which belongs to it all the same.
    pub separated: Vec<(u16, u32, u32)>,
}

pub struct Site<'a> {
    /// Index of the enclosing site in the same procedure, `None` for a direct callee.
    pub parent: Option<usize>,
    pub depth: u32,
    pub inlinee: u32,
    pub annotations: &'a [u8],
}

enum Scope {
    Proc,
    Site(usize),
    /// A lexical block: inline sites inside it belong to the procedure (LLVM finds them too).
    Block,
    Other,
}

/// The symbol records and the C13 line data of a module stream.
pub fn split(stream: &[u8], symbol_bytes: u32, c11_bytes: u32, c13_bytes: u32) -> (&[u8], &[u8]) {
    let symbols = stream.get(4..symbol_bytes as usize).unwrap_or(&[]);
    let c13_start = (symbol_bytes as usize).saturating_add(c11_bytes as usize);
    let c13 = stream
        .get(
            c13_start
                ..c13_start
                    .saturating_add(c13_bytes as usize)
                    .min(stream.len()),
        )
        .unwrap_or(&[]);
    (symbols, c13)
}

/// Walks the symbol records, calling `on_proc(language, procedure, its inline sites)` at the
/// end of each procedure. Inline sites come in record order (a parent before its children).
pub fn walk<'a>(symbols: &'a [u8], mut on_proc: impl FnMut(Lang, &Proc<'a>, &[Site<'a>])) {
    let mut lang = Lang::Unknown;
    let mut stack: Vec<Scope> = Vec::new();
    let mut proc: Option<Proc<'a>> = None;
    let mut sites: Vec<Site<'a>> = Vec::new();
    for (_, kind, body) in Records::new(symbols) {
        match kind {
            S_COMPILE3 | S_COMPILE2 => {
                if let Some(flags) = Cursor::new(body).u32() {
                    lang = language(flags as u8);
                }
            }
            S_GPROC32 | S_LPROC32 | S_GPROC32_ID | S_LPROC32_ID | S_LPROC32_DPC
            | S_LPROC32_DPC_ID => {
                if proc.is_none() && stack.is_empty() {
                    proc = parse_proc(body);
                    sites.clear();
                    stack.push(if proc.is_some() {
                        Scope::Proc
                    } else {
                        Scope::Other
                    });
                } else {
                    stack.push(Scope::Other);
                }
            }
            S_BLOCK32 => stack.push(Scope::Block),
            S_SEPCODE => {
                let in_proc = stack.iter().any(|s| matches!(s, Scope::Proc));
                if let (true, Some(p), Some(block)) =
                    (in_proc, proc.as_mut(), parse_separated(body))
                {
                    if p.separated.len() < 1024 {
                        p.separated.push(block);
                    }
                }
                // Inline sites inside it are relative to the block; they are not read.
                stack.push(Scope::Other);
            }
            S_THUNK32 | S_WITH32 | S_GMANPROC | S_LMANPROC => stack.push(Scope::Other),
            S_INLINESITE | S_INLINESITE2 => {
                let parent = stack.iter().rev().find_map(|s| match s {
                    Scope::Site(i) => Some(*i),
                    _ => None,
                });
                let in_proc = proc.is_some() && stack.iter().all(|s| !matches!(s, Scope::Other));
                match (in_proc, parse_site(body, kind == S_INLINESITE2)) {
                    (true, Some((inlinee, annotations))) => {
                        let depth = parent.map_or(0, |p| sites[p].depth + 1);
                        sites.push(Site {
                            parent,
                            depth,
                            inlinee,
                            annotations,
                        });
                        stack.push(Scope::Site(sites.len() - 1));
                    }
                    _ => stack.push(Scope::Other),
                }
            }
            S_END | S_PROC_ID_END | S_INLINESITE_END => {
                if let Some(Scope::Proc) = stack.pop() {
                    if let Some(p) = proc.take() {
                        on_proc(lang, &p, &sites);
                    }
                }
            }
            _ => {}
        }
        if stack.len() > MAX_DEPTH {
            // Deeper than any compiler nests: the records are garbage from here on.
            break;
        }
    }
    // A procedure without its S_END (a truncated stream) still has a valid range and name.
    if let Some(p) = proc.take() {
        on_proc(lang, &p, &sites);
    }
}

fn parse_proc(body: &[u8]) -> Option<Proc<'_>> {
    let mut c = Cursor::new(body);
    c.skip(12)?;
    let len = c.u32()?;
    c.skip(12)?;
    let offset = c.u32()?;
    let section = c.u16()?;
    let _flags = c.u8()?;
    let name = c.cstr().unwrap_or(&[]);
    Some(Proc {
        name,
        section,
        offset,
        len,
        separated: Vec::new(),
    })
}

/// S_SEPCODE: parent u32 | end u32 | length u32 | flags u32 | offset u32 | parent offset u32
/// | section u16 | parent section u16.
fn parse_separated(body: &[u8]) -> Option<(u16, u32, u32)> {
    let mut c = Cursor::new(body);
    c.skip(8)?;
    let len = c.u32()?;
    let _flags = c.u32()?;
    let offset = c.u32()?;
    let _parent_offset = c.u32()?;
    let section = c.u16()?;
    Some((section, offset, len))
}

fn parse_site(body: &[u8], has_invocations: bool) -> Option<(u32, &[u8])> {
    let mut c = Cursor::new(body);
    c.skip(8)?;
    let inlinee = c.u32()?;
    if has_invocations {
        c.skip(4)?;
    }
    let rest = c.remaining();
    Some((inlinee, c.bytes(rest)?))
}

/// CodeView `CV_CFL_LANG` to our language codes.
fn language(code: u8) -> Lang {
    match code {
        0x00 => Lang::C,
        0x01 => Lang::Cpp,
        0x11 => Lang::ObjC,
        0x12 => Lang::ObjCpp,
        0x13 => Lang::Swift,
        0x15 => Lang::Rust,
        0x16 => Lang::Go,
        _ => Lang::Unknown,
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn record(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut rec = kind.to_le_bytes().to_vec();
        rec.extend_from_slice(body);
        while (rec.len() + 2) % 4 != 0 {
            rec.push(0);
        }
        let mut out = (rec.len() as u16).to_le_bytes().to_vec();
        out.extend_from_slice(&rec);
        out
    }

    pub fn proc_record(kind: u16, section: u16, offset: u32, len: u32, name: &str) -> Vec<u8> {
        let mut b = vec![0u8; 12];
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&[0u8; 12]);
        b.extend_from_slice(&offset.to_le_bytes());
        b.extend_from_slice(&section.to_le_bytes());
        b.push(0);
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        record(kind, &b)
    }

    pub fn site_record(inlinee: u32, annotations: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b.extend_from_slice(&inlinee.to_le_bytes());
        b.extend_from_slice(annotations);
        record(S_INLINESITE, &b)
    }

    pub fn compile3(lang: u8) -> Vec<u8> {
        let mut b = vec![lang, 0, 0, 0];
        b.extend_from_slice(&[0u8; 20]);
        record(S_COMPILE3, &b)
    }

    pub fn end(kind: u16) -> Vec<u8> {
        record(kind, &[])
    }

    #[test]
    fn walks_procedures_and_nested_sites() {
        let mut s = compile3(1);
        s.extend(proc_record(S_GPROC32, 1, 0x10, 0x40, "outer"));
        s.extend(record(S_BLOCK32, &[0u8; 20]));
        s.extend(site_record(0x2000, &[1]));
        s.extend(end(S_INLINESITE_END));
        s.extend(end(S_END));
        s.extend(site_record(0x2001, &[2]));
        s.extend(site_record(0x2002, &[3]));
        s.extend(end(S_INLINESITE_END));
        s.extend(end(S_INLINESITE_END));
        s.extend(end(S_END));
        s.extend(proc_record(S_LPROC32_ID, 1, 0x60, 0x8, "second"));
        let mut sep = vec![0u8; 8];
        for v in [0x10u32, 0, 0x900, 0x60] {
            sep.extend_from_slice(&v.to_le_bytes());
        }
        sep.extend_from_slice(&[1, 0, 1, 0]);
        s.extend(record(S_SEPCODE, &sep));
        s.extend(site_record(0x2009, &[4]));
        s.extend(end(S_INLINESITE_END));
        s.extend(end(S_END));
        s.extend(end(S_PROC_ID_END));
        let mut got = Vec::new();
        walk(&s, |lang, p, sites| {
            let sites: Vec<_> = sites
                .iter()
                .map(|x| (x.inlinee, x.parent, x.depth))
                .collect();
            got.push((
                lang,
                p.name.to_vec(),
                p.offset,
                p.len,
                p.separated.clone(),
                sites,
            ));
        });
        assert_eq!(
            got,
            vec![
                (
                    Lang::Cpp,
                    b"outer".to_vec(),
                    0x10,
                    0x40,
                    vec![],
                    vec![(0x2000, None, 0), (0x2001, None, 0), (0x2002, Some(1), 1)]
                ),
                (
                    Lang::Cpp,
                    b"second".to_vec(),
                    0x60,
                    0x8,
                    vec![(1, 0x900, 0x10)],
                    vec![]
                ),
            ]
        );
        for n in 0..s.len() {
            walk(&s[..n], |_, _, _| {});
        }
    }
}
