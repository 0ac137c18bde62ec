//! A minimal WebAssembly module reader: custom sections by name, the code section's offset,
//! function body positions and names from the `name` section. (Debian's `object` 0.30 is built
//! without its wasm reader, which needs wasmparser.)
//!
//! Layout: `\0asm`, u32 version, then sections `id:u8 size:uleb32 payload`. Custom sections
//! (id 0) start with a name `len:uleb32 bytes`. Imports (id 2) count imported functions, which
//! come first in the function index space. Code (id 10) is `count:uleb32` then per body
//! `size:uleb32 bytes`. The `name` section's subsection 1 maps function index -> name.

use crate::error::{Error, ErrorKind, Result};

pub struct WasmModule<'a> {
    customs: Vec<(&'a [u8], &'a [u8])>,
    code_offset: u64,
    bodies: Vec<(u64, u64)>,
    imported_functions: u32,
    names: Vec<(u32, &'a [u8])>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn uleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = *self.data.get(self.pos)?;
            self.pos += 1;
            if shift >= 64 {
                return None;
            }
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }
    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.uleb()?).ok()
    }
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn name(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }
}

fn bad() -> Error {
    Error::new(
        ErrorKind::BadObject,
        "the WebAssembly module is truncated or malformed",
    )
}

impl<'a> WasmModule<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        if data.len() < 8 || &data[..4] != b"\0asm" {
            return Err(bad());
        }
        let mut m = WasmModule {
            customs: Vec::new(),
            code_offset: 0,
            bodies: Vec::new(),
            imported_functions: 0,
            names: Vec::new(),
        };
        let mut c = Cursor { data, pos: 8 };
        while c.pos < data.len() {
            let id = c.byte().ok_or_else(bad)?;
            let size = c.u32().ok_or_else(bad)? as usize;
            let start = c.pos;
            let payload = c.bytes(size).ok_or_else(bad)?;
            let mut p = Cursor {
                data: payload,
                pos: 0,
            };
            match id {
                0 => {
                    if let Some(name) = p.name() {
                        let body = &payload[p.pos..];
                        if name == b"name" {
                            m.parse_names(body);
                        }
                        m.customs.push((name, body));
                    }
                }
                2 => m.imported_functions = count_imported_functions(payload).unwrap_or(0),
                10 => {
                    m.code_offset = start as u64;
                    if let Some(n) = p.u32() {
                        for _ in 0..n {
                            let len = match p.u32() {
                                Some(l) => l as u64,
                                None => break,
                            };
                            let body_start = (start + p.pos) as u64;
                            if p.bytes(len as usize).is_none() {
                                break;
                            }
                            m.bodies.push((body_start, len));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(m)
    }

    fn parse_names(&mut self, body: &'a [u8]) {
        let mut c = Cursor { data: body, pos: 0 };
        while c.pos < body.len() {
            let (id, size) = match (c.byte(), c.u32()) {
                (Some(i), Some(s)) => (i, s as usize),
                _ => return,
            };
            let sub = match c.bytes(size) {
                Some(s) => s,
                None => return,
            };
            if id != 1 {
                continue;
            }
            let mut s = Cursor { data: sub, pos: 0 };
            let n = s.u32().unwrap_or(0);
            for _ in 0..n {
                match (s.u32(), s.name()) {
                    (Some(idx), Some(name)) => self.names.push((idx, name)),
                    _ => return,
                }
            }
        }
    }

    /// Every custom section: (name, body).
    pub fn customs(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.customs.iter().copied()
    }

    pub fn code_offset(&self) -> u64 {
        self.code_offset
    }

    /// `(body offset in the file, size up to the next body, name)` of every named function.
    pub fn functions(&self) -> impl Iterator<Item = (u64, u64, &'a [u8])> + '_ {
        self.names.iter().filter_map(move |&(idx, name)| {
            let local = idx.checked_sub(self.imported_functions)? as usize;
            let &(start, len) = self.bodies.get(local)?;
            let size = match self.bodies.get(local + 1) {
                Some(&(next, _)) => next - start,
                None => len,
            };
            Some((start, size, name))
        })
    }
}

fn count_imported_functions(payload: &[u8]) -> Option<u32> {
    let mut c = Cursor {
        data: payload,
        pos: 0,
    };
    let n = c.u32()?;
    let mut funcs = 0;
    for _ in 0..n {
        c.name()?;
        c.name()?;
        match c.byte()? {
            0 => {
                c.u32()?;
                funcs += 1;
            }
            1 => {
                c.byte()?;
                limits(&mut c)?;
            }
            2 => limits(&mut c)?,
            3 => {
                c.byte()?;
                c.byte()?;
            }
            4 => {
                c.byte()?;
                c.u32()?;
            }
            _ => return None,
        }
    }
    Some(funcs)
}

fn limits(c: &mut Cursor<'_>) -> Option<()> {
    let flags = c.byte()?;
    c.uleb()?;
    if flags & 1 != 0 {
        c.uleb()?;
    }
    Some(())
}
