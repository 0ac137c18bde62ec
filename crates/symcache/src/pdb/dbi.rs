//! The DBI stream (stream 3): the list of modules (one per object file, each with its own
//! symbol stream), which module contributed which code (section contributions), and the
//! optional debug header naming the streams of the section headers and of OMAP.
//!
//! ```text
//! header (64 bytes): version_signature i32 = -1 @0 | version u32 @4 | age u32 @8
//!   | global_symbols u16 @12 | build u16 @14 | public_symbols u16 @16 | dll_version u16 @18
//!   | symbol_records u16 @20 | dll_build u16 @22 | module_info_bytes i32 @24
//!   | section_contribution_bytes i32 @28 | section_map_bytes i32 @32 | file_info_bytes i32 @36
//!   | type_server_map_bytes i32 @40 | mfc_type_server u32 @44 | debug_header_bytes i32 @48
//!   | ec_bytes i32 @52 | flags u16 @56 | machine u16 @58 | padding u32 @60
//! then the substreams, in this order and of these sizes:
//!   module info: per module (4-aligned): unused u32 | first section contribution (28 bytes)
//!     | flags u16 | symbol_stream u16 | symbol_bytes u32 | c11_bytes u32 | c13_bytes u32
//!     | file_count u16 | pad u16 | unused u32 | source_name u32 | pdb_name u32
//!     | module_name cstr | object_name cstr
//!   section contributions: version u32 (0xEFFE0000 + 19970605, or + 20140516 with an extra
//!     u32 per entry) | entries: section u16 | pad u16 | offset u32 | size u32
//!     | characteristics u32 | module u16 | pad u16 | data_crc u32 | reloc_crc u32 [| coff_section u32]
//!   section map, file info, type server map, EC: skipped
//!   optional debug header: u16 stream numbers (0xFFFF = none): 0 FPO, 1 exception, 2 fixup,
//!     3 OMAP to source, 4 OMAP from source, 5 section headers, 6 token map, 7 xdata,
//!     8 pdata, 9 new FPO, 10 original section headers
//! ```
//! (LLVM: `llvm/docs/PDB/DbiStream.rst`.)

use super::bad;
use super::cursor::{slice, Cursor};
use crate::error::Result;

pub const NO_STREAM: u16 = 0xFFFF;
const SC_VERSION_60: u32 = 0xEFFE_0000 + 19_970_605;
const SC_VERSION_2: u32 = 0xEFFE_0000 + 20_140_516;

pub const DBG_OMAP_FROM_SRC: usize = 4;
pub const DBG_SECTION_HEADERS: usize = 5;
pub const DBG_ORIGINAL_SECTION_HEADERS: usize = 10;

#[derive(Debug, Clone)]
pub struct ModuleInfo {
    pub index: u16,
    /// The module's symbol stream, `NO_STREAM` when the module has none.
    pub stream: u16,
    pub symbol_bytes: u32,
    pub c11_bytes: u32,
    pub c13_bytes: u32,
}

/// One section contribution: `size` bytes at `section:offset` came from `module`.
#[derive(Debug, Clone, Copy)]
pub struct Contribution {
    pub section: u16,
    pub offset: u32,
    pub size: u32,
    pub module: u16,
}

pub struct Dbi {
    pub age: u32,
    pub machine: u16,
    pub symbol_records: u16,
    pub modules: Vec<ModuleInfo>,
    pub contributions: Vec<Contribution>,
    pub debug_streams: Vec<u16>,
}

impl Dbi {
    pub fn parse(data: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(data);
        let truncated = || bad("the PDB debug information (DBI) stream is truncated");
        let signature = c.i32().ok_or_else(truncated)?;
        if signature != -1 {
            return Err(super::unsupported(
                "the PDB's debug information (DBI) stream uses a format older than Visual C++ 7",
            ));
        }
        let mut h = [0u32; 8];
        let _version = c.u32().ok_or_else(truncated)?;
        let age = c.u32().ok_or_else(truncated)?;
        let mut shorts = [0u16; 6];
        for s in shorts.iter_mut() {
            *s = c.u16().ok_or_else(truncated)?;
        }
        for v in h.iter_mut() {
            *v = c.u32().ok_or_else(truncated)?;
        }
        let _flags = c.u16().ok_or_else(truncated)?;
        let machine = c.u16().ok_or_else(truncated)?;
        c.skip(4).ok_or_else(truncated)?;
        let [module_bytes, contribution_bytes, section_map_bytes, file_info_bytes, type_server_bytes, _mfc, debug_header_bytes, ec_bytes] =
            [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]];
        let sizes = [
            module_bytes,
            contribution_bytes,
            section_map_bytes,
            file_info_bytes,
            type_server_bytes,
            ec_bytes,
            debug_header_bytes,
        ];
        let mut parts: Vec<&[u8]> = Vec::with_capacity(7);
        let mut at = c.pos();
        for &size in &sizes {
            // Negative (i32) sizes are as broken as sizes past the end.
            let part = slice(data, at, size as usize)
                .filter(|_| (size as i32) >= 0)
                .ok_or_else(truncated)?;
            parts.push(part);
            at += size as usize;
        }
        let modules = parse_modules(parts[0]);
        let contributions = parse_contributions(parts[1]);
        let mut debug_streams = Vec::new();
        let mut d = Cursor::new(parts[6]);
        while let Some(s) = d.u16() {
            debug_streams.push(s);
        }
        Ok(Dbi {
            age,
            machine,
            symbol_records: shorts[4],
            modules,
            contributions,
            debug_streams,
        })
    }

    /// A stream of the optional debug header, if present.
    pub fn debug_stream(&self, which: usize) -> Option<u32> {
        self.debug_streams
            .get(which)
            .copied()
            .filter(|&s| s != NO_STREAM)
            .map(u32::from)
    }
}

/// Module records up to the first malformed one (later ones cannot be located).
fn parse_modules(data: &[u8]) -> Vec<ModuleInfo> {
    let mut out = Vec::new();
    let mut c = Cursor::new(data);
    while !c.is_empty() && out.len() < u16::MAX as usize {
        let parsed = (|| {
            c.skip(4 + 28 + 2)?;
            let stream = c.u16()?;
            let symbol_bytes = c.u32()?;
            let c11_bytes = c.u32()?;
            let c13_bytes = c.u32()?;
            c.skip(2 + 2 + 4 + 4 + 4)?;
            let _name = c.cstr()?;
            let _object = c.cstr()?;
            c.align(4);
            Some(ModuleInfo {
                index: out.len() as u16,
                stream,
                symbol_bytes,
                c11_bytes,
                c13_bytes,
            })
        })();
        match parsed {
            Some(m) => out.push(m),
            None => break,
        }
    }
    out
}

fn parse_contributions(data: &[u8]) -> Vec<Contribution> {
    let mut c = Cursor::new(data);
    let entry_bytes = match c.u32() {
        Some(SC_VERSION_60) => 28,
        Some(SC_VERSION_2) => 32,
        _ => return Vec::new(),
    };
    let mut out = Vec::with_capacity(c.remaining() / entry_bytes);
    while let Some(e) = c.bytes(entry_bytes) {
        let mut e = Cursor::new(e);
        let parsed = (|| {
            let section = e.u16()?;
            e.skip(2)?;
            let offset = e.u32()?;
            let size = e.u32()?;
            let _characteristics = e.u32()?;
            let module = e.u16()?;
            Some(Contribution {
                section,
                offset,
                size,
                module,
            })
        })();
        if let Some(x) = parsed {
            out.push(x);
        }
    }
    out
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub struct TestModule<'a> {
        pub stream: u16,
        pub symbol_bytes: u32,
        pub c13_bytes: u32,
        pub name: &'a str,
    }

    /// A DBI stream with these modules, contributions `(section, offset, size, module)` and
    /// optional debug header streams.
    pub fn dbi_stream(
        modules: &[TestModule<'_>],
        contributions: &[(u16, u32, u32, u16)],
        debug: &[u16],
    ) -> Vec<u8> {
        let mut mods = Vec::new();
        for m in modules {
            mods.extend_from_slice(&[0u8; 4 + 28 + 2]);
            mods.extend_from_slice(&m.stream.to_le_bytes());
            for v in [m.symbol_bytes, 0, m.c13_bytes] {
                mods.extend_from_slice(&v.to_le_bytes());
            }
            mods.extend_from_slice(&[0u8; 16]);
            mods.extend_from_slice(m.name.as_bytes());
            mods.push(0);
            mods.extend_from_slice(m.name.as_bytes());
            mods.push(0);
            while mods.len() % 4 != 0 {
                mods.push(0);
            }
        }
        let mut sc = SC_VERSION_60.to_le_bytes().to_vec();
        for &(section, offset, size, module) in contributions {
            sc.extend_from_slice(&section.to_le_bytes());
            sc.extend_from_slice(&[0, 0]);
            for v in [offset, size, 0x6000_0020] {
                sc.extend_from_slice(&v.to_le_bytes());
            }
            sc.extend_from_slice(&module.to_le_bytes());
            sc.extend_from_slice(&[0u8; 10]);
        }
        let dbg: Vec<u8> = debug.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut out = Vec::new();
        out.extend_from_slice(&(-1i32).to_le_bytes());
        out.extend_from_slice(&19_990_903u32.to_le_bytes());
        out.extend_from_slice(&3u32.to_le_bytes());
        for s in [NO_STREAM, 0, NO_STREAM, 0, NO_STREAM, 0] {
            out.extend_from_slice(&s.to_le_bytes());
        }
        for v in [
            mods.len() as u32,
            sc.len() as u32,
            0,
            0,
            0,
            0,
            dbg.len() as u32,
            0,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0x8664u16.to_le_bytes());
        out.extend_from_slice(&[0u8; 4]);
        out.extend_from_slice(&mods);
        out.extend_from_slice(&sc);
        out.extend_from_slice(&dbg);
        out
    }

    #[test]
    fn reads_modules_contributions_and_debug_streams() {
        let data = dbi_stream(
            &[
                TestModule {
                    stream: 9,
                    symbol_bytes: 100,
                    c13_bytes: 40,
                    name: "a.obj",
                },
                TestModule {
                    stream: NO_STREAM,
                    symbol_bytes: 0,
                    c13_bytes: 0,
                    name: "* Linker *",
                },
            ],
            &[(1, 0x10, 0x20, 0), (1, 0x30, 0x8, 1)],
            &[NO_STREAM, NO_STREAM, NO_STREAM, NO_STREAM, NO_STREAM, 11],
        );
        let dbi = Dbi::parse(&data).unwrap();
        assert_eq!(dbi.age, 3);
        assert_eq!(dbi.machine, 0x8664);
        assert_eq!(dbi.modules.len(), 2);
        assert_eq!(dbi.modules[0].stream, 9);
        assert_eq!(dbi.modules[1].stream, NO_STREAM);
        assert_eq!(dbi.contributions.len(), 2);
        assert_eq!(dbi.contributions[1].offset, 0x30);
        assert_eq!(dbi.debug_stream(DBG_SECTION_HEADERS), Some(11));
        assert_eq!(dbi.debug_stream(DBG_OMAP_FROM_SRC), None);
        assert_eq!(dbi.debug_stream(DBG_ORIGINAL_SECTION_HEADERS), None);
        for n in 0..data.len() {
            let _ = Dbi::parse(&data[..n]);
        }
    }
}
