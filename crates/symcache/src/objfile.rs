//! Containers: ELF, Mach-O (thin), PE through `object`; WASM through our own small parser.
//! Gives the identity (debug id, arch), the load address, the symbol table and the raw or
//! decompressed DWARF sections.

use crate::error::{Error, ErrorKind, Result};
use crate::wasm::WasmModule;
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol};
use std::borrow::Cow;
use std::convert::TryInto;

/// One symbol-table entry, image-relative.
pub struct Symbol<'a> {
    pub addr: u64,
    pub size: u64,
    pub name: &'a [u8],
}

pub enum Container<'a> {
    Object(object::File<'a>),
    Wasm(WasmModule<'a>),
}

pub struct ObjectInfo<'a> {
    pub container: Container<'a>,
    pub debug_id: [u8; 32],
    pub arch: u32,
    pub load_address: u64,
    pub little_endian: bool,
    pub relocatable: bool,
    pub is_windows: bool,
    /// Added to every DWARF address before subtracting the load address (WASM: the code
    /// section's offset in the file, since its DWARF is code-section relative).
    pub dwarf_bias: u64,
    /// One symbol per address, ascending: the alias llvm-symbolizer shows (see `pick_aliases`).
    pub symbols: Vec<Symbol<'a>>,
}

const PDB_MAGIC: &[u8] = b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0";

pub fn open(data: &[u8]) -> Result<ObjectInfo<'_>> {
    if data.starts_with(PDB_MAGIC) {
        return Err(Error::new(ErrorKind::Unsupported, "PDB files are not supported for symbolication yet"));
    }
    if data.len() >= 8 && data[..4] == [0xca, 0xfe, 0xba, 0xbe] {
        let n = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
        if n < 45 {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "fat (universal) Mach-O archives must be split into one file per architecture before building a symcache",
            ));
        }
    }
    if data.starts_with(b"\0asm") {
        return open_wasm(data);
    }
    let file = object::File::parse(data).map_err(|e| {
        Error::new(ErrorKind::UnknownFormat, format!("the file is not a readable ELF, Mach-O, PE or WASM object ({})", e))
    })?;
    let little_endian = file.is_little_endian();
    let format = file.format();
    let is_windows = format == object::BinaryFormat::Pe || format == object::BinaryFormat::Coff;
    let relocatable = file.kind() == object::ObjectKind::Relocatable;
    let load_address = match format {
        object::BinaryFormat::Elf => file.segments().next().map_or(0, |s| s.address()),
        object::BinaryFormat::MachO => file
            .segments()
            .find(|s| s.name().ok().flatten() == Some("__TEXT"))
            .map_or(0, |s| s.address()),
        _ => file.relative_address_base(),
    };
    let debug_id = match format {
        object::BinaryFormat::Elf => elf_debug_id(&file, little_endian),
        object::BinaryFormat::MachO => match file.mach_uuid() {
            Ok(Some(uuid)) => id_bytes(uuid, 0),
            _ => [0; 32],
        },
        object::BinaryFormat::Pe => match file.pdb_info() {
            Ok(Some(cv)) => {
                let g = cv.guid();
                let uuid = [
                    g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15],
                ];
                id_bytes(uuid, cv.age())
            }
            _ => [0; 32],
        },
        _ => [0; 32],
    };
    let arch = arch_code(&file);
    let symbols = pick_aliases(collect_symbols(&file, format, load_address));
    Ok(ObjectInfo {
        container: Container::Object(file),
        debug_id,
        arch,
        load_address,
        little_endian,
        relocatable,
        is_windows,
        dwarf_bias: 0,
        symbols,
    })
}

fn open_wasm(data: &[u8]) -> Result<ObjectInfo<'_>> {
    let module = WasmModule::parse(data)?;
    let mut debug_id = [0u8; 32];
    if let Some(b) = module.custom_section("build_id") {
        // symbolic takes the first 16 bytes of the raw section, length byte included; sentry-cli
        // computes the same id, so we must too.
        if b.len() >= 16 {
            let mut u = [0u8; 16];
            u.copy_from_slice(&b[..16]);
            debug_id = id_bytes(u, 0);
        }
    }
    let symbols = module
        .functions()
        .map(|(addr, size, name)| Symbol { addr, size, name })
        .filter(|s| !s.name.is_empty())
        .collect();
    Ok(ObjectInfo {
        dwarf_bias: module.code_offset(),
        container: Container::Wasm(module),
        debug_id,
        arch: 1001,
        load_address: 0,
        little_endian: true,
        // Code offset 0 is a real address in WASM DWARF (the first body), not a tombstone:
        // treat it like a relocatable object for the "address 0" filters.
        relocatable: true,
        is_windows: false,
        symbols,
    })
}

/// The DebugId memory layout of the header: 16 UUID bytes, u32 appendix LE, padding, type 0.
fn id_bytes(uuid: [u8; 16], appendix: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&uuid);
    out[16..20].copy_from_slice(&appendix.to_le_bytes());
    out
}

fn elf_debug_id(file: &object::File<'_>, little_endian: bool) -> [u8; 32] {
    let mut uuid = [0u8; 16];
    match file.build_id() {
        Ok(Some(id)) if !id.is_empty() => {
            let n = id.len().min(16);
            uuid[..n].copy_from_slice(&id[..n]);
        }
        _ => {
            // No build id: XOR the start of .text into 16 bytes (symbolic's fallback).
            let text = match file.section_by_name(".text") {
                Some(s) if s.file_range().is_some() => s.data().unwrap_or(&[]),
                _ => return [0; 32],
            };
            for (i, b) in text.iter().take(4096).enumerate() {
                uuid[i % 16] ^= b;
            }
        }
    }
    if little_endian {
        uuid[..4].reverse();
        uuid.swap(4, 5);
        uuid.swap(6, 7);
    }
    id_bytes(uuid, 0)
}

fn arch_code(file: &object::File<'_>) -> u32 {
    use object::Architecture as A;
    match file.architecture() {
        A::I386 => 101,
        A::X86_64 => 201,
        A::Arm => 301,
        A::Aarch64 => 401,
        A::PowerPc => 501,
        A::PowerPc64 => 601,
        // symbolic: 64-bit only with an O64/EABI64 ABI flag, whatever the ELF class says.
        A::Mips | A::Mips64 => match file.flags() {
            object::FileFlags::Elf { e_flags, .. } if e_flags & 0x6000 != 0 => 801,
            _ => 701,
        },
        A::Wasm32 => 1001,
        _ => 0,
    }
}

fn collect_symbols<'a>(file: &object::File<'a>, format: object::BinaryFormat, load: u64) -> Vec<Symbol<'a>> {
    let mut out = Vec::new();
    match format {
        object::BinaryFormat::Elf => {
            let mut any = false;
            for sym in file.symbols() {
                any = true;
                push_elf_symbol(file, &sym, load, &mut out);
            }
            if !any {
                for sym in file.dynamic_symbols() {
                    push_elf_symbol(file, &sym, load, &mut out);
                }
            }
        }
        object::BinaryFormat::MachO => {
            for sym in file.symbols() {
                if sym.kind() != object::SymbolKind::Text || !sym.is_definition() {
                    continue;
                }
                let in_text = match sym.section_index().and_then(|i| file.section_by_index(i).ok()) {
                    Some(s) => {
                        let seg = s.segment_name().ok().flatten();
                        let name = s.name().ok();
                        seg == Some("__TEXT") && (name == Some("__text") || name == Some("__stubs"))
                    }
                    None => false,
                };
                let name = match sym.name_bytes() {
                    Ok(n) => n,
                    Err(_) => continue,
                };
                if !in_text || sym.address() < load {
                    continue;
                }
                let name = if name.starts_with(b"_") && !name.starts_with(b"__hidden#") { &name[1..] } else { name };
                out.push(Symbol { addr: sym.address() - load, size: 0, name });
            }
        }
        object::BinaryFormat::Pe => {
            if let Ok(exports) = file.exports() {
                for e in exports {
                    if e.address() >= load {
                        out.push(Symbol { addr: e.address() - load, size: 0, name: e.name() });
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// Several symbols often share an address (`srand`, `srandom` and `__srandom`; `freelocale`
/// and `__freelocale`; `abort` and `__GI_abort`). Keep the one llvm-symbolizer names such an
/// address after: the largest size, and among equal sizes the last in symbol-table order (ELF
/// puts local symbols first, so a global or weak alias beats a local one). Returns one symbol
/// per address, in ascending address order.
fn pick_aliases(mut symbols: Vec<Symbol<'_>>) -> Vec<Symbol<'_>> {
    // Stable: equal (address, size) keep file order, so the last of each address is the pick.
    symbols.sort_by_key(|s| (s.addr, s.size));
    let mut out: Vec<Symbol<'_>> = Vec::with_capacity(symbols.len());
    for s in symbols {
        match out.last_mut() {
            Some(last) if last.addr == s.addr => *last = s,
            _ => out.push(s),
        }
    }
    out
}

fn push_elf_symbol<'a>(file: &object::File<'a>, sym: &object::Symbol<'a, '_>, load: u64, out: &mut Vec<Symbol<'a>>) {
    // STT_FUNC, and STT_GNU_IFUNC (the resolver of `strncpy`, `time`, ... whose public name
    // llvm-symbolizer shows; object 0.30 reports its kind as Unknown).
    let ifunc = match sym.flags() {
        object::SymbolFlags::Elf { st_info, .. } => st_info & 0xf == object::elf::STT_GNU_IFUNC,
        _ => false,
    };
    if (sym.kind() != object::SymbolKind::Text && !ifunc) || sym.address() < load {
        return;
    }
    let exec = match sym.section_index().and_then(|i| file.section_by_index(i).ok()) {
        Some(s) => match s.flags() {
            object::SectionFlags::Elf { sh_flags } => sh_flags & u64::from(object::elf::SHF_EXECINSTR) != 0,
            _ => false,
        },
        None => false,
    };
    if !exec {
        return;
    }
    if let Ok(name) = sym.name_bytes() {
        out.push(Symbol { addr: sym.address() - load, size: sym.size(), name });
    }
}

impl<'a> ObjectInfo<'a> {
    /// The bytes of a DWARF section (`.debug_info` etc.), decompressed if needed; empty if absent.
    pub fn dwarf_section(&self, name: &str) -> Result<Cow<'a, [u8]>> {
        match &self.container {
            Container::Wasm(m) => Ok(Cow::Borrowed(m.custom_section(name).unwrap_or(&[]))),
            Container::Object(file) => {
                let section = match file.section_by_name(name) {
                    Some(s) => s,
                    None => return Ok(Cow::Borrowed(&[])),
                };
                if section.file_range().is_none() {
                    return Ok(Cow::Borrowed(&[]));
                }
                if let Some((size, payload)) = zstd_payload(file, &section, self.little_endian) {
                    return decompress_zstd(name, size, payload).map(Cow::Owned);
                }
                let compressed = section.compressed_data().map_err(|_| bad_section(name))?;
                match compressed.format {
                    object::CompressionFormat::None => {
                        let data = compressed.data;
                        // PE: DWARF sections are `[PointerToRawData, +VirtualSize)`; object gives
                        // SizeOfRawData, which is padded to the file alignment. Trailing zeros
                        // are harmless to gimli (they parse as padding units), but trim anyway.
                        Ok(Cow::Borrowed(data))
                    }
                    object::CompressionFormat::Zlib => compressed.decompress().map_err(|_| {
                        Error::new(
                            ErrorKind::BadDebugInfo,
                            format!("the compressed debug section {} could not be decompressed", name),
                        )
                    }),
                    _ => Err(Error::new(
                        ErrorKind::Unsupported,
                        format!("the debug section {} uses an unknown compression format", name),
                    )),
                }
            }
        }
    }

    pub fn has_dwarf(&self) -> bool {
        match &self.container {
            Container::Wasm(m) => m.custom_section(".debug_info").is_some(),
            Container::Object(file) => file.section_by_name(".debug_info").map_or(false, |s| s.file_range().is_some()),
        }
    }

    /// The dwz supplementary file this one points to, if any: (file name, build id).
    pub fn debug_altlink(&self) -> Option<(&'a [u8], &'a [u8])> {
        match &self.container {
            Container::Object(file) => file.gnu_debugaltlink().ok().flatten(),
            Container::Wasm(_) => None,
        }
    }

    /// The raw GNU build id note, if any.
    pub fn build_id(&self) -> Option<&'a [u8]> {
        match &self.container {
            Container::Object(file) => file.build_id().ok().flatten(),
            Container::Wasm(_) => None,
        }
    }
}

/// ELF SHF_COMPRESSED with `ch_type` 2 (ELFCOMPRESS_ZSTD), which object 0.30 cannot inflate:
/// the declared uncompressed size (`ch_size`) and the zstd stream after the compression header.
fn zstd_payload<'a>(
    file: &object::File<'a>,
    section: &object::Section<'a, '_>,
    little_endian: bool,
) -> Option<(u64, &'a [u8])> {
    let compressed = match section.flags() {
        object::SectionFlags::Elf { sh_flags } => sh_flags & u64::from(object::elf::SHF_COMPRESSED) != 0,
        _ => false,
    };
    if !compressed {
        return None;
    }
    let d = section.data().ok()?;
    let u32_at = |at: usize| -> Option<u64> {
        let b: [u8; 4] = d.get(at..at + 4)?.try_into().ok()?;
        Some(u64::from(if little_endian { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) }))
    };
    let u64_at = |at: usize| -> Option<u64> {
        let b: [u8; 8] = d.get(at..at + 8)?.try_into().ok()?;
        Some(if little_endian { u64::from_le_bytes(b) } else { u64::from_be_bytes(b) })
    };
    if u32_at(0)? != 2 {
        return None;
    }
    // Elf64_Chdr: ch_type, ch_reserved, ch_size (u64), ch_addralign (u64); Elf32_Chdr: 3 x u32.
    if file.is_64() {
        Some((u64_at(8)?, d.get(24..)?))
    } else {
        Some((u32_at(4)?, d.get(12..)?))
    }
}

/// Sections larger than this are refused whatever they declare (the Worker has 128 MB).
const MAX_DECOMPRESSED: u64 = 1 << 30;

fn decompress_zstd(name: &str, size: u64, payload: &[u8]) -> Result<Vec<u8>> {
    if size > MAX_DECOMPRESSED {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("the compressed debug section {} declares {} bytes, more than the 1 GiB limit", name, size),
        ));
    }
    let out = crate::zstd::decompress(payload, size as usize).map_err(|e| {
        Error::new(
            ErrorKind::BadDebugInfo,
            format!("the zstd-compressed debug section {} could not be decompressed ({})", name, e),
        )
    })?;
    if out.len() as u64 != size {
        return Err(Error::new(
            ErrorKind::BadDebugInfo,
            format!("the zstd-compressed debug section {} is shorter than its declared size", name),
        ));
    }
    Ok(out)
}

fn bad_section(name: &str) -> Error {
    Error::new(ErrorKind::BadObject, format!("the section {} is truncated or malformed", name))
}
