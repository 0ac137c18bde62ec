//! # symcache: debug file -> symcache, for wasm32 inside a 128 MB Worker isolate
//!
//! Input: one ELF, thin Mach-O, PE (MinGW DWARF) or WASM file with DWARF 2-5 and/or a symbol
//! table, a Breakpad `.sym` file, or a Windows PDB (MSF 7.00, read by our own `pdb/` module).
//! Output: a symcache, a flat binary file answering "image-relative address -> frames
//! (function, file, line), innermost inlined frame first" with one binary search and no
//! allocation. Fat Mach-O is refused with a message.
//! An ELF file can come framed together with its dwz supplementary file
//! (`InputKind::ObjectWithAlt`, FFI kind 2) so that names dwz moved there are resolved.
//!
//! ## Format, version 1 (`SYCE`), modelled on symbolic's SymCache v9
//!
//! All integers are u32 little-endian; every section starts 8-aligned (zero padding).
//! `NONE` is `0xFFFF_FFFF`. String offsets point into the string table.
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 4 | magic `S Y C E` |
//! | 4 | 4 | version = 1 |
//! | 8 | 32 | debug id: 16 UUID bytes as printed, u32 appendix (age), 11 zero bytes, type byte 0 |
//! | 40 | 4 | arch code (symbolic's numbers: x86 101, x86_64 201, arm64 401, wasm32 1001, ...) |
//! | 44 | 4 | num_files |
//! | 48 | 4 | num_functions |
//! | 52 | 4 | num_source_locations |
//! | 56 | 4 | num_ranges |
//! | 60 | 4 | string_bytes |
//! | 64 | 4 | num_source_links (0 unless the input had source indexing, e.g. a PDB's srcsrv) |
//! | 68 | 12 | reserved, zero |
//! | 80 | 12 × files | File `{comp_dir, directory, name}` string offsets (`NONE` = absent) |
//! | | 16 × functions | Function `{name, demangled_name, entry_pc, lang}` |
//! | | 16 × source locations | SourceLocation `{file, line, function, inlined_into}` |
//! | | 4 × ranges | range start addresses, strictly ascending |
//! | | string_bytes | strings: ULEB128 byte length + UTF-8 bytes, deduplicated |
//! | | 8 × source links | after padding to 8: SourceLink `{file, url}` (url a string offset), ascending by file |
//!
//! Differences from v9, on purpose: our own magic and version (the files are not
//! interchangeable); File has no source-server fields, the few files with a download URL are
//! listed in the optional source-link table at the end instead; Function replaces the
//! always-`NONE` `comp_dir` slot with the **demangled name** (C++ with parameters and no return
//! type, Rust without hash, capped at 4 KiB, equal to `name` when nothing demangles), so the
//! Worker needs no demangler. `name` is the raw (usually mangled) name. `entry_pc` is `NONE`
//! for inlined functions; `lang` is symbolic's language code, `NONE` for symbol-table entries.
//!
//! Source locations: the first `num_source_locations - num_ranges` records are *call
//! locations* (the caller frames of inlined code, reached only through `inlined_into`); then
//! exactly one record per range, in range order. Range `i` covers `[start[i], start[i+1])`
//! (the last one is unbounded). A range whose record is all `NONE` is a gap (the sentinel
//! written at every function end), and lookups there return nothing. Consecutive ranges never
//! repeat the same record (the writer merges them).
//!
//! Lookup of `addr`: binary search the last start `<= addr`; take record `base + i` where
//! `base = num_source_locations - num_ranges`; if it is the sentinel, no frames; else yield it
//! and follow `inlined_into` until `NONE`. The first frame is the innermost. The outermost
//! frame's function has the `entry_pc` (symbolicator's `sym_addr`). A file's path is
//! `clean_path(join_path(join_path(comp_dir, directory), name))`.
//!
//! Worked example (docs/symcache-format.md has the bytes): `compute` at 0x1130..0x1140 in
//! `/src/hello.c` line 3 with `add` (line 2) inlined at 0x1134..0x1138 gives ranges
//! `[0x1130, 0x1134, 0x1138, 0x1140]`, call location 0 = `{hello.c, 3, compute, NONE}` and range
//! records `{hello.c,3,compute,NONE}`, `{hello.c,2,add,0}`, `{hello.c,3,compute,NONE}`, sentinel.
//!
//! ## How it is built (memory is the constraint)
//!
//! DWARF is walked one compilation unit at a time with gimli's raw entry reader; the unit's line
//! rows and per-unit caches are dropped before the next one. Cross-unit references are read on
//! demand. Range records (24 bytes) go into fixed-size chunks, are sorted per chunk and k-way
//! merged into the output; rank decides conflicts (see `writer.rs`), which reproduces symbolic's
//! rules: lines overwrite, symbols only fill holes, end sentinels after functions, identical
//! top-level `(start, size)` ranges across units are written once. Bad units or DIEs are skipped.

mod breakpad;
mod demangle;
mod dwarf;
mod error;
pub mod ffi;
mod hash;
mod lang;
mod msvc_demangle;
mod objfile;
mod pdb;
mod wasm;
mod zstd;
pub mod writer;

pub use error::{Error, ErrorKind, Result};

/// Deeper inline chains are cut (Breakpad INLINE bombs; Chromium's real maximum is about 60).
pub const MAX_INLINE_DEPTH: u32 = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// ELF, Mach-O, PE or WASM.
    Object,
    /// Breakpad `.sym` text.
    Breakpad,
    /// An ELF file together with the dwz supplementary file its `.gnu_debugaltlink` names,
    /// framed as: `"DWZ\0"`, u32 LE length of the main file, the main file, zero padding to a
    /// multiple of 8, the supplementary file. Names and strings that dwz moved into the
    /// supplementary file (DW_FORM_GNU_strp_alt, DW_FORM_GNU_ref_alt) are then resolved.
    ObjectWithAlt,
    /// A Windows PDB (MSF 7.00): procedures, C13 lines, inline sites and publics (`pdb/`).
    Pdb,
}

pub const ALT_BUNDLE_MAGIC: &[u8; 4] = b"DWZ\0";

/// Splits an `InputKind::ObjectWithAlt` input into (main file, supplementary file).
fn split_alt_bundle(data: &[u8]) -> Result<(&[u8], &[u8])> {
    let bad = || Error::new(ErrorKind::BadObject, "the object + dwz alternate file input is malformed");
    if data.len() < 8 || &data[..4] != ALT_BUNDLE_MAGIC {
        return Err(bad());
    }
    let main_len = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
    let main = data.get(8..8 + main_len).ok_or_else(bad)?;
    let alt_start = 8 + (main_len + 7) / 8 * 8;
    let alt = data.get(alt_start..).ok_or_else(bad)?;
    Ok((main, alt))
}

/// Builds a symcache from one debug file.
pub fn build_symcache(data: &[u8], kind: InputKind) -> Result<Vec<u8>> {
    let mut writer = writer::Writer::default();
    if kind == InputKind::Breakpad || data.starts_with(b"MODULE ") {
        breakpad::build(data, &mut writer)?;
        return writer.serialize();
    }
    if kind == InputKind::Pdb || data.starts_with(pdb::MAGIC) {
        pdb::build(data, &mut writer)?;
        return writer.serialize();
    }
    let (data, alt_data) = if kind == InputKind::ObjectWithAlt {
        let (main, alt) = split_alt_bundle(data)?;
        (main, Some(alt))
    } else {
        (data, None)
    };
    let obj = objfile::open(data)?;
    writer.debug_id = obj.debug_id;
    writer.arch = obj.arch;
    writer.is_windows = obj.is_windows;
    if obj.has_dwarf() {
        let sections = dwarf::Sections::load(&obj)?;
        let endian = if obj.little_endian { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };
        let alt_sections = match alt_data {
            Some(alt) => Some(load_alt(&obj, alt)?),
            None => None,
        };
        let mut dwarf = sections.dwarf(endian);
        if let Some(s) = &alt_sections {
            dwarf.sup = Some(std::sync::Arc::new(s.dwarf(endian)));
        }
        let mut processor = dwarf::DwarfProcessor::new(&dwarf, &obj, &obj.symbols);
        processor.process(&mut writer)?;
    }
    for s in &obj.symbols {
        writer.add_symbol(s.name, s.addr, s.size)?;
    }
    writer.serialize()
}

/// Opens the dwz supplementary file and loads its DWARF after checking that it is the file the
/// main one's `.gnu_debugaltlink` names (same build id).
fn load_alt<'a>(obj: &objfile::ObjectInfo<'a>, alt: &'a [u8]) -> Result<dwarf::Sections<'a>> {
    let (_, want) = obj.debug_altlink().ok_or_else(|| {
        Error::new(ErrorKind::BadObject, "a dwz alternate file was passed but the object has no .gnu_debugaltlink")
    })?;
    let alt_obj = objfile::open(alt).map_err(|e| {
        Error::new(e.kind(), format!("the dwz alternate file could not be read: {}", e.message()))
    })?;
    if alt_obj.build_id() != Some(want) {
        return Err(Error::new(
            ErrorKind::BadObject,
            "the dwz alternate file's build id does not match the object's .gnu_debugaltlink",
        ));
    }
    dwarf::Sections::load(&alt_obj)
}
