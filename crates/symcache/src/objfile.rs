//! Containers: what the builder needs to know about an object file, read through host reads
//! without loading the file. ELF and Mach-O are parsed here directly (their headers, section and
//! load-command tables are small, while a parser that also reads the symbol table up front would
//! fetch tens of MiB before the first DWARF byte); PE through `object` (a few small tables);
//! WebAssembly through our own module reader (the module is held whole: the symcache of a WASM
//! file is built in one piece).
//!
//! ELF: header @0 (e_ident class/data, e_type @16, e_machine @18, e_phoff @28/32, e_shoff
//! @32/40, e_phentsize..e_shstrndx @42/54); program headers (the first PT_LOAD's p_vaddr is the
//! load address); section headers (40/64 bytes; `e_shnum == 0` means the count is section 0's
//! sh_size, `e_shstrndx == 0xffff` means section 0's sh_link). Mach-O: header (28/32 bytes), then
//! `ncmds` load commands: LC_SEGMENT(_64) with their sections, LC_SYMTAB.

use crate::error::{Error, ErrorKind, Result};
use crate::host::{self, SourceId};
use crate::wasm::WasmModule;
use object::{Object, ObjectSection, ObjectSymbol};
use std::io::{Read, Seek, SeekFrom};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Elf,
    MachO,
    Pe,
    Wasm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    /// A zlib stream after an ELF compression header or a `.zdebug` "ZLIB" header.
    Zlib,
    /// A zstd frame after an ELF compression header (ELFCOMPRESS_ZSTD).
    Zstd,
}

/// A section as the builder uses it: where its bytes are, and how to read them.
#[derive(Debug, Clone)]
pub struct SectionInfo {
    /// Normalised: `.debug_info` for ELF `.debug_info`/`.zdebug_info` and Mach-O `__debug_info`.
    pub name: String,
    /// Offset of the (possibly compressed) data in the file, after any compression header.
    pub offset: u64,
    /// Bytes of data at `offset` (compressed size when compressed).
    pub size: u64,
    pub compression: Compression,
    /// Decompressed size (equal to `size` when uncompressed).
    pub data_size: u64,
    pub flags: u64,
}

/// A symbol read from a table, image-relative.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub addr: u64,
    pub size: u64,
    pub name: Vec<u8>,
}

/// Where the symbol table is, for reading it in parts (`symbols.rs`).
#[derive(Debug, Clone)]
pub enum SymbolTable {
    None,
    Elf {
        offset: u64,
        count: u64,
        entsize: u64,
        strings_offset: u64,
        strings_size: u64,
        /// Per section index: does it hold code (SHF_EXECINSTR)?
        exec: Vec<bool>,
    },
    MachO {
        offset: u64,
        count: u64,
        strings_offset: u64,
        strings_size: u64,
        /// Per 1-based section number: is it `__TEXT,__text` or `__TEXT,__stubs`?
        text: Vec<bool>,
    },
    /// Already read (PE exports, WebAssembly names).
    List(Vec<Symbol>),
}

impl SymbolTable {
    pub fn len(&self) -> u64 {
        match self {
            SymbolTable::None => 0,
            SymbolTable::Elf { count, .. } | SymbolTable::MachO { count, .. } => *count,
            SymbolTable::List(l) => l.len() as u64,
        }
    }
}

pub struct ObjectInfo {
    pub kind: Kind,
    pub source: SourceId,
    pub size: u64,
    pub load_address: u64,
    pub little_endian: bool,
    pub is64: bool,
    pub relocatable: bool,
    /// C names carry Windows x86 decorations (`_name`, `_name@8`): 32-bit x86 PE only. x86_64
    /// (and ARM) PE/COFF does not decorate C names, so a leading `_` there is part of the name
    /// (`_CRT_INIT`, Itanium `_ZN...` of MinGW C++).
    pub decorated_c_names: bool,
    /// Added to every DWARF address before subtracting the load address (WASM: the code
    /// section's offset in the file, since its DWARF is code-section relative).
    pub dwarf_bias: u64,
    pub sections: Vec<SectionInfo>,
    pub symbols: SymbolTable,
    /// `.gnu_debugaltlink`: (path, build id) of the dwz alternate file.
    pub alt_link: Option<(Vec<u8>, Vec<u8>)>,
    pub build_id: Option<Vec<u8>>,
}

const PDB_MAGIC: &[u8] = b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0";

fn bad(what: &str) -> Error {
    Error::new(
        ErrorKind::BadObject,
        format!("the object file's {} is truncated or malformed", what),
    )
}

/// Reads exactly `len` bytes at `offset` of `source`, or fails with `what`.
pub fn read_exact(source: SourceId, offset: u64, len: usize, what: &str) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    if host::read_at(source, offset, &mut buf) != len {
        return Err(bad(what));
    }
    Ok(buf)
}

/// Reads the container of `source` (`size` bytes).
pub fn open(source: SourceId, size: u64) -> Result<ObjectInfo> {
    let head = read_exact(source, 0, size.min(64) as usize, "header")?;
    if head.starts_with(&PDB_MAGIC[..head.len().min(PDB_MAGIC.len())]) && head.len() >= 32 {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "this is a PDB file: it is built with the PDB input kind, not as an object file",
        ));
    }
    if head.len() >= 8 && head[..4] == [0xca, 0xfe, 0xba, 0xbe] {
        let n = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if n < 45 {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "fat (universal) Mach-O archives must be split into one file per architecture before building a symcache",
            ));
        }
    }
    if head.starts_with(b"\x7fELF") {
        return open_elf(source, size, &head);
    }
    if head.len() >= 4 {
        let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        if matches!(magic, 0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe) {
            return open_macho(source, size, &head);
        }
    }
    if head.starts_with(b"\0asm") {
        return open_wasm(source, size);
    }
    if head.starts_with(b"MZ") {
        return open_pe(source, size);
    }
    Err(Error::new(
        ErrorKind::UnknownFormat,
        "the file is not a readable ELF, Mach-O, PE or WASM object",
    ))
}

/// Fixed-size integers of a header or table entry in the file's byte order; `None` past its end.
pub(crate) struct Fields<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) le: bool,
}

impl Fields<'_> {
    pub(crate) fn u16(&self, at: usize) -> Option<u64> {
        let b: [u8; 2] = self.b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        } as u64)
    }
    pub(crate) fn u32(&self, at: usize) -> Option<u64> {
        let b: [u8; 4] = self.b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        } as u64)
    }
    pub(crate) fn u64(&self, at: usize) -> Option<u64> {
        let b: [u8; 8] = self.b.get(at..at + 8)?.try_into().ok()?;
        Some(if self.le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }
    pub(crate) fn word(&self, at: usize, is64: bool) -> Option<u64> {
        if is64 {
            self.u64(at)
        } else {
            self.u32(at)
        }
    }
}

fn cstr(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

const SHT_SYMTAB: u64 = 2;
const SHT_NOTE: u64 = 7;
const SHT_NOBITS: u64 = 8;
const SHT_DYNSYM: u64 = 11;
const SHF_EXECINSTR: u64 = 4;
const SHF_COMPRESSED: u64 = 0x800;
const PT_LOAD: u64 = 1;
const PT_NOTE: u64 = 4;
/// Tables larger than this are not read (no real file comes close).
const MAX_TABLE: u64 = 64 << 20;

struct ElfSectionHeader {
    name: u64,
    kind: u64,
    flags: u64,
    offset: u64,
    size: u64,
    link: u64,
    entsize: u64,
}

fn open_elf(source: SourceId, size: u64, head: &[u8]) -> Result<ObjectInfo> {
    let is64 = match head.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err(bad("ELF header")),
    };
    let le = match head.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => return Err(bad("ELF header")),
    };
    let h = Fields { b: head, le };
    let e = || bad("ELF header");
    let e_type = h.u16(16).ok_or_else(e)?;
    let (phoff, shoff) = if is64 {
        (h.u64(32), h.u64(40))
    } else {
        (h.u32(28), h.u32(32))
    };
    let (phoff, shoff) = (phoff.ok_or_else(e)?, shoff.ok_or_else(e)?);
    let base = if is64 { 54 } else { 42 };
    let (phentsize, phnum) = (h.u16(base).ok_or_else(e)?, h.u16(base + 2).ok_or_else(e)?);
    let (shentsize, mut shnum, mut shstrndx) = (
        h.u16(base + 4).ok_or_else(e)?,
        h.u16(base + 6).ok_or_else(e)?,
        h.u16(base + 8).ok_or_else(e)?,
    );

    // The load address: the first PT_LOAD's p_vaddr.
    let mut load_address = 0;
    let mut note_segments = Vec::new();
    let phentsize_ok = (if is64 { 56 } else { 32 }..=256).contains(&phentsize);
    if phnum > 0 && phentsize_ok && phoff.saturating_add(phnum * phentsize) <= size {
        let table = read_exact(
            source,
            phoff,
            (phnum * phentsize) as usize,
            "program header table",
        )?;
        let t = Fields { b: &table, le };
        let mut found_load = false;
        for i in 0..phnum as usize {
            let at = i * phentsize as usize;
            let p_type = t.u32(at).ok_or_else(|| bad("program header table"))?;
            let (offset, vaddr, filesz) = if is64 {
                (t.u64(at + 8), t.u64(at + 16), t.u64(at + 32))
            } else {
                (t.u32(at + 4), t.u32(at + 8), t.u32(at + 16))
            };
            let (offset, vaddr, filesz) =
                (offset.unwrap_or(0), vaddr.unwrap_or(0), filesz.unwrap_or(0));
            if p_type == PT_LOAD && !found_load {
                load_address = vaddr;
                found_load = true;
            }
            if p_type == PT_NOTE {
                note_segments.push((offset, filesz));
            }
        }
    }

    let mut headers = Vec::new();
    let entsize = if is64 { 64 } else { 40 };
    if shoff != 0 && (entsize..=256).contains(&shentsize) {
        let first = read_exact(source, shoff, entsize as usize, "section header table")?;
        let f = Fields { b: &first, le };
        if shnum == 0 {
            shnum = f.word(if is64 { 32 } else { 20 }, is64).unwrap_or(0);
        }
        if shstrndx == 0xffff {
            shstrndx = f.u32(if is64 { 40 } else { 24 }).unwrap_or(0);
        }
        let bytes = shnum
            .checked_mul(shentsize)
            .filter(|&b| b <= MAX_TABLE && shoff + b <= size)
            .ok_or_else(|| bad("section header table"))?;
        let table = read_exact(source, shoff, bytes as usize, "section header table")?;
        let t = Fields { b: &table, le };
        for i in 0..shnum as usize {
            let at = i * shentsize as usize;
            let w = |o32: usize, o64: usize| {
                t.word(at + if is64 { o64 } else { o32 }, is64).unwrap_or(0)
            };
            headers.push(ElfSectionHeader {
                name: t.u32(at).unwrap_or(0),
                kind: t.u32(at + 4).unwrap_or(0),
                flags: w(8, 8),
                offset: w(16, 24),
                size: w(20, 32),
                link: t.u32(at + if is64 { 40 } else { 24 }).unwrap_or(0),
                entsize: w(36, 56),
            });
        }
    }
    let names = match headers.get(shstrndx as usize) {
        Some(s)
            if s.kind != SHT_NOBITS
                && s.offset.saturating_add(s.size) <= size
                && s.size <= MAX_TABLE =>
        {
            read_exact(source, s.offset, s.size as usize, "section name table")?
        }
        _ => Vec::new(),
    };

    let mut sections = Vec::new();
    let mut build_id = None;
    let mut alt_link = None;
    for s in &headers {
        let raw = cstr(names.get(s.name as usize..).unwrap_or(&[]));
        let name = String::from_utf8_lossy(raw).into_owned();
        let in_file =
            s.kind != SHT_NOBITS && s.offset != 0 && s.offset.saturating_add(s.size) <= size;
        if name == ".gnu_debugaltlink" && in_file && s.size < 4096 {
            let b = read_exact(
                source,
                s.offset,
                s.size as usize,
                "section .gnu_debugaltlink",
            )?;
            let nul = b.iter().position(|&c| c == 0);
            if let Some(nul) = nul.filter(|&n| n + 1 < b.len()) {
                alt_link = Some((b[..nul].to_vec(), b[nul + 1..].to_vec()));
            }
        }
        if build_id.is_none()
            && s.kind == SHT_NOTE
            && in_file
            && name == ".note.gnu.build-id"
            && s.size < 65536
        {
            build_id = find_build_id(&read_exact(source, s.offset, s.size as usize, "note")?, le);
        }
        let mut info = SectionInfo {
            name: name.clone(),
            offset: s.offset,
            size: if in_file { s.size } else { 0 },
            compression: Compression::None,
            data_size: if in_file { s.size } else { 0 },
            flags: s.flags,
        };
        if in_file && s.flags & SHF_COMPRESSED != 0 {
            // Elf64_Chdr: ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64 (24 bytes);
            // Elf32_Chdr: ch_type, ch_size, ch_addralign (12 bytes).
            let hdr = if is64 { 24 } else { 12 };
            if s.size >= hdr {
                let c = read_exact(source, s.offset, hdr as usize, "compressed section header")?;
                let c = Fields { b: &c, le };
                let ch_type = c.u32(0).unwrap_or(0);
                let ch_size = if is64 { c.u64(8) } else { c.u32(4) }.unwrap_or(0);
                info.compression = match ch_type {
                    1 => Compression::Zlib,
                    2 => Compression::Zstd,
                    _ => Compression::None,
                };
                // A compressed stream is never much larger than what it inflates to.
                let plausible = s.size - hdr <= ch_size + ch_size / 64 + 4096;
                if info.compression != Compression::None && !plausible {
                    return Err(bad("compressed section header"));
                }
                if info.compression != Compression::None {
                    info.offset = s.offset + hdr;
                    info.size = s.size - hdr;
                    info.data_size = ch_size;
                }
            }
        } else if in_file && name.starts_with(".zdebug_") && s.size >= 12 {
            let z = read_exact(source, s.offset, 12, "compressed section header")?;
            let declared = u64::from_be_bytes(z[4..12].try_into().unwrap_or([0; 8]));
            if &z[..4] == b"ZLIB" && s.size - 12 <= declared + declared / 64 + 4096 {
                info.compression = Compression::Zlib;
                info.data_size = declared;
                info.offset = s.offset + 12;
                info.size = s.size - 12;
                info.name = format!(".debug_{}", &name[8..]);
            }
        }
        sections.push(info);
    }
    if build_id.is_none() {
        for (offset, filesz) in note_segments {
            if filesz < 65536 && offset.saturating_add(filesz) <= size && filesz > 0 {
                build_id = find_build_id(
                    &read_exact(source, offset, filesz as usize, "note segment")?,
                    le,
                );
                if build_id.is_some() {
                    break;
                }
            }
        }
    }

    let exec: Vec<bool> = headers
        .iter()
        .map(|s| s.flags & SHF_EXECINSTR != 0)
        .collect();
    // Symbol entries are 16 (ELF32) or 24 (ELF64) bytes; other sizes are a damaged header.
    let sym_size = if is64 { 24 } else { 16 };
    let table = |kind: u64| {
        headers.iter().find(|s| {
            s.kind == kind && s.offset.saturating_add(s.size) <= size && s.entsize == sym_size
        })
    };
    // Symbols come from .symtab when the file has one, else from .dynsym (symbolic's order).
    let symbols = match table(SHT_SYMTAB).or_else(|| table(SHT_DYNSYM)) {
        Some(t) => match headers.get(t.link as usize) {
            Some(strings) if strings.offset.saturating_add(strings.size) <= size => {
                SymbolTable::Elf {
                    offset: t.offset,
                    count: t.size / t.entsize,
                    entsize: t.entsize,
                    strings_offset: strings.offset,
                    strings_size: strings.size,
                    exec,
                }
            }
            _ => SymbolTable::None,
        },
        None => SymbolTable::None,
    };
    Ok(ObjectInfo {
        kind: Kind::Elf,
        source,
        size,
        load_address,
        little_endian: le,
        is64,
        relocatable: e_type == 1,
        decorated_c_names: false,
        dwarf_bias: 0,
        sections,
        symbols,
        alt_link,
        build_id,
    })
}

/// The first NT_GNU_BUILD_ID note's descriptor.
fn find_build_id(notes: &[u8], le: bool) -> Option<Vec<u8>> {
    let n = Fields { b: notes, le };
    let mut at = 0usize;
    while at + 12 <= notes.len() {
        let namesz = n.u32(at)? as usize;
        let descsz = n.u32(at + 4)? as usize;
        let kind = n.u32(at + 8)?;
        let name_at = at + 12;
        let desc_at = name_at.checked_add((namesz + 3) & !3)?;
        let end = desc_at.checked_add((descsz + 3) & !3)?;
        if kind == 3 && namesz == 4 && notes.get(name_at..name_at + 4) == Some(b"GNU\0") {
            return notes.get(desc_at..desc_at + descsz).map(<[u8]>::to_vec);
        }
        at = end;
    }
    None
}

const LC_SEGMENT: u64 = 0x1;
const LC_SYMTAB: u64 = 0x2;
const LC_SEGMENT_64: u64 = 0x19;

fn open_macho(source: SourceId, size: u64, head: &[u8]) -> Result<ObjectInfo> {
    let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let le = matches!(magic, 0xfeed_face | 0xfeed_facf);
    let is64 = matches!(magic, 0xfeed_facf | 0xcffa_edfe);
    let h = Fields { b: head, le };
    let e = || bad("Mach-O header");
    let filetype = h.u32(12).ok_or_else(e)?;
    let ncmds = h.u32(16).ok_or_else(e)?;
    let sizeofcmds = h.u32(20).ok_or_else(e)?;
    let header_size = if is64 { 32 } else { 28 };
    if sizeofcmds > MAX_TABLE || header_size + sizeofcmds > size {
        return Err(bad("Mach-O load commands"));
    }
    let cmds = read_exact(
        source,
        header_size,
        sizeofcmds as usize,
        "Mach-O load commands",
    )?;
    let c = Fields { b: &cmds, le };
    let mut at = 0usize;
    let mut sections = Vec::new();
    // 1-based section numbers (n_sect) over all segments, in load-command order.
    let mut text = vec![false];
    let mut load_address = 0;
    let mut symtab = None;
    for _ in 0..ncmds {
        let cmd = c.u32(at).ok_or_else(|| bad("Mach-O load commands"))?;
        let cmdsize = c.u32(at + 4).ok_or_else(|| bad("Mach-O load commands"))? as usize;
        if cmdsize < 8 || at + cmdsize > cmds.len() {
            return Err(bad("Mach-O load commands"));
        }
        if cmd == LC_SEGMENT || cmd == LC_SEGMENT_64 {
            let seg64 = cmd == LC_SEGMENT_64;
            let segname = cstr(&cmds[at + 8..at + 24]).to_vec();
            let vmaddr = c.word(at + 24, seg64).unwrap_or(0);
            if segname == b"__TEXT" {
                load_address = vmaddr;
            }
            let (nsects_at, first) = if seg64 {
                (at + 64, at + 72)
            } else {
                (at + 48, at + 56)
            };
            let nsects = c.u32(nsects_at).unwrap_or(0) as usize;
            let stride = if seg64 { 80 } else { 68 };
            for i in 0..nsects {
                let s = first + i * stride;
                if s + stride > at + cmdsize {
                    break;
                }
                let sectname = cstr(&cmds[s..s + 16]);
                let secseg = cstr(&cmds[s + 16..s + 32]);
                let (sect_size, offset) = if seg64 {
                    (c.u64(s + 40), c.u32(s + 48))
                } else {
                    (c.u32(s + 36), c.u32(s + 40))
                };
                let (sect_size, offset) = (sect_size.unwrap_or(0), offset.unwrap_or(0));
                text.push(secseg == b"__TEXT" && (sectname == b"__text" || sectname == b"__stubs"));
                let in_file = offset != 0 && offset.saturating_add(sect_size) <= size;
                sections.push(SectionInfo {
                    name: macho_section_name(sectname),
                    offset,
                    size: if in_file { sect_size } else { 0 },
                    compression: Compression::None,
                    data_size: if in_file { sect_size } else { 0 },
                    flags: 0,
                });
            }
        } else if cmd == LC_SYMTAB {
            let f = |o| c.u32(at + o).unwrap_or(0);
            symtab = Some((f(8), f(12), f(16), f(20)));
        }
        at += cmdsize;
    }
    let entsize = if is64 { 16 } else { 12 };
    let symbols = match symtab {
        Some((symoff, nsyms, stroff, strsize))
            if symoff.saturating_add(nsyms * entsize) <= size
                && stroff.saturating_add(strsize) <= size =>
        {
            SymbolTable::MachO {
                offset: symoff,
                count: nsyms,
                strings_offset: stroff,
                strings_size: strsize,
                text,
            }
        }
        _ => SymbolTable::None,
    };
    Ok(ObjectInfo {
        kind: Kind::MachO,
        source,
        size,
        load_address,
        little_endian: le,
        is64,
        relocatable: filetype == 1,
        decorated_c_names: false,
        dwarf_bias: 0,
        sections,
        symbols,
        alt_link: None,
        build_id: None,
    })
}

/// `__debug_info` is `.debug_info`; Mach-O cuts names at 16 bytes (`__debug_str_offs`).
fn macho_section_name(raw: &[u8]) -> String {
    let name = String::from_utf8_lossy(raw).into_owned();
    match name.strip_prefix("__") {
        Some("debug_str_offs") => ".debug_str_offsets".to_string(),
        Some(rest) if rest.starts_with("debug_") => format!(".{}", rest),
        _ => name,
    }
}

/// WebAssembly modules are read whole (they are built in one piece).
const MAX_WASM: u64 = 64 << 20;

fn open_wasm(source: SourceId, size: u64) -> Result<ObjectInfo> {
    if size > MAX_WASM {
        return Err(Error::new(ErrorKind::TooLarge, "WebAssembly modules larger than 64 MiB are not supported yet; upload the DWARF as a separate .debug.wasm file"));
    }
    let data = read_exact(source, 0, size as usize, "WebAssembly module")?;
    let module = WasmModule::parse(&data)?;
    // DWARF addresses are offsets into the code section; without it (llvm-objcopy
    // --only-keep-debug) they cannot be turned into the module offsets stack traces carry.
    if module.code_offset() == 0 && module.customs().any(|(name, _)| name == b".debug_info") {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "this WebAssembly debug file has DWARF but no code section, so its addresses (relative to the code section) cannot be placed in the module; upload the module with its DWARF, or a debug file that keeps the code section (emscripten -gseparate-dwarf and wasm-split write one)",
        ));
    }
    let base = data.as_ptr() as usize;
    let sections = module
        .customs()
        .map(|(name, body)| {
            let offset = (body.as_ptr() as usize - base) as u64;
            let len = body.len() as u64;
            SectionInfo {
                name: String::from_utf8_lossy(name).into_owned(),
                offset,
                size: len,
                compression: Compression::None,
                data_size: len,
                flags: 0,
            }
        })
        .collect();
    let symbols = module
        .functions()
        .filter(|(_, _, name)| !name.is_empty())
        .map(|(addr, size, name)| Symbol {
            addr,
            size,
            name: name.to_vec(),
        })
        .collect();
    Ok(ObjectInfo {
        kind: Kind::Wasm,
        source,
        size,
        load_address: 0,
        little_endian: true,
        is64: false,
        // Code offset 0 is a real address in WASM DWARF (the first body), not a tombstone:
        // treat it like a relocatable object for the "address 0" filters.
        relocatable: true,
        decorated_c_names: false,
        dwarf_bias: module.code_offset(),
        sections,
        symbols: SymbolTable::List(symbols),
        alt_link: None,
        build_id: None,
    })
}

/// A buffered `Read + Seek` over a host source, for `object`'s lazy reader.
struct HostFile {
    source: SourceId,
    size: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

impl Read for HostFile {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let end = self.buf_start + self.buf.len() as u64;
        if self.pos < self.buf_start || self.pos >= end {
            let want = out
                .len()
                .max(64 * 1024)
                .min((self.size - self.pos) as usize);
            self.buf.resize(want, 0);
            let n = host::read_at(self.source, self.pos, &mut self.buf);
            self.buf.truncate(n);
            self.buf_start = self.pos;
            if n == 0 {
                return Ok(0);
            }
        }
        let from = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - from);
        out[..n].copy_from_slice(&self.buf[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for HostFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => (self.size as i64 + d).max(0) as u64,
            SeekFrom::Current(d) => (self.pos as i64 + d).max(0) as u64,
        };
        Ok(self.pos)
    }
}

fn open_pe(source: SourceId, size: u64) -> Result<ObjectInfo> {
    let cache = object::ReadCache::new(HostFile {
        source,
        size,
        pos: 0,
        buf: Vec::new(),
        buf_start: 0,
    });
    let file = object::File::parse(&cache).map_err(|e| {
        Error::new(
            ErrorKind::UnknownFormat,
            format!(
                "the file is not a readable ELF, Mach-O, PE or WASM object ({})",
                e
            ),
        )
    })?;
    let load_address = file.relative_address_base();
    let sections = file
        .sections()
        .filter_map(|s| {
            let (offset, len) = s.file_range()?;
            let name = s.name().ok()?.to_string();
            Some(SectionInfo {
                name,
                offset,
                size: len,
                compression: Compression::None,
                data_size: len,
                flags: 0,
            })
        })
        .collect();
    let mut symbols = Vec::new();
    // The COFF symbol table (MinGW linkers keep it next to the DWARF): the names llvm-symbolizer
    // shows, and code the DWARF does not describe. Function symbols in code sections; no sizes.
    for s in file.symbols() {
        let in_code = match s.section() {
            object::SymbolSection::Section(index) => file
                .section_by_index(index)
                .map_or(false, |section| section.kind() == object::SectionKind::Text),
            _ => false,
        };
        if in_code && s.kind() == object::SymbolKind::Text && s.address() >= load_address {
            if let Ok(name) = s.name_bytes() {
                symbols.push(Symbol {
                    addr: s.address() - load_address,
                    size: 0,
                    name: name.to_vec(),
                });
            }
        }
    }
    if let Ok(exports) = file.exports() {
        for e in exports {
            if e.address() >= load_address {
                symbols.push(Symbol {
                    addr: e.address() - load_address,
                    size: 0,
                    name: e.name().to_vec(),
                });
            }
        }
    }
    Ok(ObjectInfo {
        kind: Kind::Pe,
        source,
        size,
        load_address,
        little_endian: true,
        is64: file.is_64(),
        relocatable: false,
        decorated_c_names: file.architecture() == object::Architecture::I386,
        dwarf_bias: 0,
        sections,
        symbols: SymbolTable::List(symbols),
        alt_link: None,
        build_id: None,
    })
}

impl ObjectInfo {
    /// A DWARF section by its ELF name (`.debug_info`), if the file has it with data.
    pub fn section(&self, name: &str) -> Option<&SectionInfo> {
        self.sections
            .iter()
            .find(|s| s.name == name && s.data_size > 0)
    }

    pub fn has_dwarf(&self) -> bool {
        self.section(".debug_info").is_some()
    }

    /// Whether symbol names replace the DWARF names of functions starting at them: not for
    /// WebAssembly, whose name section wasm-ld writes demangled, return types included.
    pub fn symbols_rename_functions(&self) -> bool {
        self.kind != Kind::Wasm
    }
}
