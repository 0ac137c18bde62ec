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
use crate::objfile::{Fields, ObjectInfo, Symbol, SymbolTable};
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
            let table = Table {
                offset: *offset,
                count: *count,
                entsize: *entsize,
                strings_offset: *strings_offset,
                strings_size: *strings_size,
            };
            Ok(scan(obj, &table, from, to, |f, names| {
                let (name, info, shndx, value, size) = if obj.is64 {
                    (f.u32(0)?, f.b[4], f.u16(6)?, f.u64(8)?, f.u64(16)?)
                } else {
                    (f.u32(0)?, f.b[12], f.u16(14)?, f.u32(4)?, f.u32(8)?)
                };
                let kind = info & 0xf;
                // STT_FUNC = 2, STT_GNU_IFUNC = 10; SHN_UNDEF = 0, reserved indices from 0xff00.
                if (kind != 2 && kind != 10) || shndx == 0 || shndx >= 0xff00 {
                    return None;
                }
                if !exec.get(shndx as usize).copied().unwrap_or(false) || value < obj.load_address {
                    return None;
                }
                Some(Symbol {
                    addr: value - obj.load_address,
                    size,
                    name: names(name as usize)?,
                })
            }))
        }
        SymbolTable::MachO {
            offset,
            count,
            strings_offset,
            strings_size,
            text,
        } => {
            let table = Table {
                offset: *offset,
                count: *count,
                entsize: if obj.is64 { 16 } else { 12 },
                strings_offset: *strings_offset,
                strings_size: *strings_size,
            };
            Ok(scan(obj, &table, from, to, |f, names| {
                let (strx, n_type, n_sect) = (f.u32(0)?, f.b[4], f.b[5]);
                let value = f.word(8, obj.is64)?;
                // No stabs (N_STAB = 0xe0 bits), defined in a section (N_TYPE bits == N_SECT).
                if n_type & 0xe0 != 0 || n_type & 0x0e != 0x0e || n_sect == 0 {
                    return None;
                }
                if !text.get(n_sect as usize).copied().unwrap_or(false) || value < obj.load_address
                {
                    return None;
                }
                let mut name = names(strx as usize)?;
                // The map holds the raw name, with Mach-O's `_`.
                if let Some(original) = hidden::resolve(&name) {
                    name = original;
                }
                if name.starts_with(b"_") && !name.starts_with(b"__hidden#") {
                    name.remove(0);
                }
                Some(Symbol {
                    addr: value - obj.load_address,
                    size: 0,
                    name,
                })
            }))
        }
    }
}

/// Where a symbol table and its string table are in the file.
struct Table {
    offset: u64,
    count: u64,
    entsize: u64,
    strings_offset: u64,
    strings_size: u64,
}

/// Reads entries `[from, to)` of `table` through paged host reads and keeps what `symbol` makes
/// of each (it gets the entry's fields and a reader of NUL-terminated names by offset).
fn scan(
    obj: &ObjectInfo,
    table: &Table,
    from: u64,
    to: u64,
    mut symbol: impl FnMut(&Fields, &dyn Fn(usize) -> Option<Vec<u8>>) -> Option<Symbol>,
) -> Vec<Symbol> {
    let mut store = Store::new(PAGE_SHIFT, 8 << 20);
    let entries = store.add(SectionData::Host {
        source: obj.source,
        base: table.offset,
        size: (table.count * table.entsize) as usize,
    });
    let strings = store.add(SectionData::Host {
        source: obj.source,
        base: table.strings_offset,
        size: table.strings_size as usize,
    });
    let mut out = Vec::new();
    let mut entry = vec![0u8; table.entsize as usize];
    for i in from..to.min(table.count) {
        if !store.copy(entries, (i * table.entsize) as usize, &mut entry) {
            break;
        }
        let fields = Fields {
            b: &entry,
            le: obj.little_endian,
        };
        if let Some(s) = symbol(&fields, &|at| c_string(&store, strings, at)) {
            out.push(s);
            if out.len() % 4096 == 0 {
                store.relieve();
            }
        }
    }
    out
}

/// The NUL-terminated string at `at` of `section` (at most 64 KiB).
fn c_string(store: &Store, section: u32, at: usize) -> Option<Vec<u8>> {
    let end = store.find(section, at, at.saturating_add(65536), 0)?;
    store.slice(section, at, end - at).map(|s| s.into_owned())
}
