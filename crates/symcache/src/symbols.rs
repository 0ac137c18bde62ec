//! Symbol tables, read in index ranges through host reads, so that a file's symbols can be cut
//! into units like its DWARF. Each entry is filtered the way symbolic's object readers do:
//!
//! - ELF (`Elf32_Sym` 16 bytes / `Elf64_Sym` 24 bytes): STT_FUNC, and STT_GNU_IFUNC (glibc's
//!   resolvers of `strncpy`, `time`, ... whose public names llvm-symbolizer shows), defined in an
//!   SHF_EXECINSTR section, at or above the load address.
//! - Mach-O (`nlist` 12 / `nlist_64` 16 bytes): no stabs, N_SECT in `__TEXT,__text` or
//!   `__TEXT,__stubs`, at or above the load address; a bitcode build's `__hidden#N_` name is
//!   resolved through its BCSymbolMap when the build has one (`hidden.rs`), then one leading `_`
//!   is stripped (names still hidden excepted).
//!
//! Every symbol is returned, aliases included, in table order: the merge picks the alias
//! llvm-symbolizer shows for an address.

use crate::error::Result;
use crate::hidden;
use crate::objfile::{ObjectInfo, Symbol, SymbolTable};
use crate::store::{SectionData, Store};

/// Symbols are read through pages this large.
const PAGE_SHIFT: u32 = 18;

/// The symbols of table entries `[from, to)`.
pub fn read(obj: &ObjectInfo, from: u64, to: u64) -> Result<Vec<Symbol>> {
    match &obj.symbols {
        SymbolTable::None => Ok(Vec::new()),
        SymbolTable::List(list) => Ok(list
            .get(from as usize..(to as usize).min(list.len()))
            .unwrap_or(&[])
            .to_vec()),
        SymbolTable::Elf {
            offset,
            count,
            entsize,
            strings_offset,
            strings_size,
            exec,
        } => {
            let mut store = Store::new(PAGE_SHIFT, 8 << 20);
            let table = store.add(SectionData::Host {
                source: obj.source,
                base: *offset,
                size: (count * entsize) as usize,
            });
            let names = store.add(SectionData::Host {
                source: obj.source,
                base: *strings_offset,
                size: *strings_size as usize,
            });
            let mut out = Vec::new();
            let mut entry = vec![0u8; *entsize as usize];
            for i in from..to.min(*count) {
                if !store.copy(table, (i * entsize) as usize, &mut entry) {
                    break;
                }
                let f = Field {
                    b: &entry,
                    le: obj.little_endian,
                };
                let (name, info, shndx, value, size) = if obj.is64 {
                    (f.u32(0), entry[4], f.u16(6), f.u64(8), f.u64(16))
                } else {
                    (f.u32(0), entry[12], f.u16(14), f.u32(4), f.u32(8))
                };
                let kind = info & 0xf;
                // STT_FUNC = 2, STT_GNU_IFUNC = 10; SHN_UNDEF = 0, reserved indices from 0xff00.
                if (kind != 2 && kind != 10) || shndx == 0 || shndx >= 0xff00 {
                    continue;
                }
                if !exec.get(shndx as usize).copied().unwrap_or(false) || value < obj.load_address {
                    continue;
                }
                if let Some(name) = c_string(&store, names, name as usize) {
                    out.push(Symbol {
                        addr: value - obj.load_address,
                        size,
                        name,
                    });
                }
                if out.len() % 4096 == 0 {
                    store.relieve();
                }
            }
            Ok(out)
        }
        SymbolTable::MachO {
            offset,
            count,
            strings_offset,
            strings_size,
            text,
        } => {
            let entsize: u64 = if obj.is64 { 16 } else { 12 };
            let mut store = Store::new(PAGE_SHIFT, 8 << 20);
            let table = store.add(SectionData::Host {
                source: obj.source,
                base: *offset,
                size: (count * entsize) as usize,
            });
            let names = store.add(SectionData::Host {
                source: obj.source,
                base: *strings_offset,
                size: *strings_size as usize,
            });
            let mut out = Vec::new();
            let mut entry = vec![0u8; entsize as usize];
            for i in from..to.min(*count) {
                if !store.copy(table, (i * entsize) as usize, &mut entry) {
                    break;
                }
                let f = Field {
                    b: &entry,
                    le: obj.little_endian,
                };
                let (strx, n_type, n_sect) = (f.u32(0), entry[4], entry[5]);
                let value = if obj.is64 { f.u64(8) } else { f.u32(8) };
                // No stabs (N_STAB = 0xe0 bits), defined in a section (N_TYPE bits == N_SECT).
                if n_type & 0xe0 != 0 || n_type & 0x0e != 0x0e || n_sect == 0 {
                    continue;
                }
                if !text.get(n_sect as usize).copied().unwrap_or(false) || value < obj.load_address
                {
                    continue;
                }
                if let Some(mut name) = c_string(&store, names, strx as usize) {
                    // The map holds the raw name, with Mach-O's `_`.
                    if let Some(original) = hidden::resolve(&name) {
                        name = original;
                    }
                    if name.starts_with(b"_") && !name.starts_with(b"__hidden#") {
                        name.remove(0);
                    }
                    out.push(Symbol {
                        addr: value - obj.load_address,
                        size: 0,
                        name,
                    });
                }
                if out.len() % 4096 == 0 {
                    store.relieve();
                }
            }
            Ok(out)
        }
    }
}

/// The NUL-terminated string at `at` of `section` (at most 64 KiB).
fn c_string(store: &Store, section: u32, at: usize) -> Option<Vec<u8>> {
    let end = store.find(section, at, at.saturating_add(65536), 0)?;
    store.slice(section, at, end - at).map(|s| s.into_owned())
}

struct Field<'a> {
    b: &'a [u8],
    le: bool,
}

impl Field<'_> {
    fn u16(&self, at: usize) -> u64 {
        let b = [self.b[at], self.b[at + 1]];
        (if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }) as u64
    }
    fn u32(&self, at: usize) -> u64 {
        let b: [u8; 4] = self.b[at..at + 4].try_into().unwrap_or([0; 4]);
        (if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }) as u64
    }
    fn u64(&self, at: usize) -> u64 {
        let b: [u8; 8] = self.b[at..at + 8].try_into().unwrap_or([0; 8]);
        if self.le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    }
}
