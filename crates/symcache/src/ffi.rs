//! The C ABI, the only place where errors cross into JavaScript. No wasm-bindgen: the host
//! passes each call's parameters as an array of little-endian u64 in memory it allocated.
//!
//! ```text
//! alloc(len) -> ptr              0 if the memory cannot be reserved
//! dealloc(ptr, len)
//! input words       [kind, main_size, alt_size + 1 or 0, m, (section code, source) x m,
//!                    BCSymbolMap source + 1 or 0, its size]
//! plan(p, n)        [input words, fast_bytes, unit_bytes, symbols_per_unit] -> plan JSON in output
//! build_whole(p, n) [input words]                              -> pages on stream 0
//! build_unit(p, n)  [input words, unit index,
//!                    span kind (1 DWARF, 2 symbols, 3 Breakpad), from, to, k, unit starts x k,
//!                    j, alternate-file unit starts x j]         -> a run on stream 1
//! merge_runs(p, n)  [last (0/1), block bytes, r, (source, size) x r] -> run or pages
//!   each returns 0 (ok: output_ptr()/output_len() hold a JSON report) or 1 (error_ptr()/
//!   error_len() hold a UTF-8 message for a release engineer)
//! memory_bytes() -> u32          the size of linear memory, which never shrinks: the peak
//! format_version() -> u32
//! ```
//! kind: 0 = object file (ELF, Mach-O, PE, WASM), 1 = Breakpad, 2 = PDB, 3 = Portable PDB (or a
//! .NET PE that embeds one). Section codes index
//! `plan::SECTION_NAMES`.

use crate::host;
use crate::merge::MergeStats;
use crate::plan::{Limits, UnitSpan, SECTION_NAMES};
use crate::{
    build_unit as unit, build_whole as whole, merge_runs as merge, plan_build, Error, ErrorKind,
    Input, InputKind, UnitTask,
};
use std::cell::RefCell;

thread_local! {
    static OUTPUT: RefCell<Vec<u8>> = RefCell::new(Vec::new());
    static ERROR: RefCell<Vec<u8>> = RefCell::new(Vec::new());
}

#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut v: Vec<u8> = Vec::new();
    if v.try_reserve_exact(len.max(1)).is_err() {
        return std::ptr::null_mut();
    }
    let ptr = v.as_mut_ptr();
    std::mem::forget(v);
    ptr
}

/// # Safety
/// `ptr` must come from `alloc(len)` with the same `len`, and not be freed twice.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        drop(Vec::from_raw_parts(ptr, 0, len.max(1)));
    }
}

/// Reads the u64 parameters, failing with a message instead of reading past them.
struct Params<'a> {
    words: &'a [u8],
    at: usize,
}

impl Params<'_> {
    fn next(&mut self) -> crate::Result<u64> {
        let b = self.words.get(self.at..self.at + 8).ok_or_else(|| {
            Error::new(ErrorKind::BadObject, "the host passed too few parameters")
        })?;
        self.at += 8;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn list(&mut self) -> crate::Result<Vec<u64>> {
        let n = self.next()? as usize;
        if n > self.words.len() / 8 {
            return Err(Error::new(
                ErrorKind::BadObject,
                "the host passed a malformed parameter list",
            ));
        }
        (0..n).map(|_| self.next()).collect()
    }

    fn input(&mut self) -> crate::Result<Input> {
        let kind = match self.next()? {
            0 => InputKind::Object,
            1 => InputKind::Breakpad,
            2 => InputKind::Pdb,
            3 => InputKind::PortablePdb,
            _ => {
                return Err(Error::new(
                    ErrorKind::BadObject,
                    "unknown input kind (expected 0 = object file, 1 = Breakpad, 2 = PDB, 3 = Portable PDB)",
                ))
            }
        };
        let main_size = self.next()?;
        let alt = self.next()?;
        let n = self.next()? as usize;
        let mut materialized = Vec::new();
        for _ in 0..n.min(SECTION_NAMES.len()) {
            let code = self.next()? as usize;
            let source = self.next()? as u32;
            let name = SECTION_NAMES
                .get(code)
                .ok_or_else(|| Error::new(ErrorKind::BadObject, "unknown section code"))?;
            materialized.push((name.to_string(), source));
        }
        let map = self.next()?;
        let map_size = self.next()?;
        Ok(Input {
            kind,
            main_size,
            alt_size: if alt == 0 { None } else { Some(alt - 1) },
            materialized,
            symbol_map: if map == 0 {
                None
            } else {
                Some(((map - 1) as u32, map_size))
            },
        })
    }
}

unsafe fn params<'a>(ptr: *const u8, len: usize) -> Params<'a> {
    let words = if ptr.is_null() {
        &[][..]
    } else {
        std::slice::from_raw_parts(ptr, len)
    };
    Params { words, at: 0 }
}

fn finish(result: crate::Result<String>) -> i32 {
    OUTPUT.with(|o| o.borrow_mut().clear());
    ERROR.with(|e| e.borrow_mut().clear());
    match result {
        Ok(text) => {
            OUTPUT.with(|o| *o.borrow_mut() = text.into_bytes());
            0
        }
        Err(e) => {
            ERROR.with(|m| *m.borrow_mut() = e.message().as_bytes().to_vec());
            1
        }
    }
}

fn report(stats: MergeStats) -> String {
    let (reads, read_bytes) = host::read_stats();
    format!(
        "{{\"recordsIn\":{},\"rangesOut\":{},\"pages\":{},\"bytesOut\":{},\"hostReads\":{},\"hostReadBytes\":{},\"memoryBytes\":{},\"dwarfUnitsRead\":{},\"dwarfUnitsSkipped\":{},\"dwarfUnreadableFrom\":{},\"ilOffsetBits\":{}}}",
        stats.records_in,
        stats.ranges_out,
        stats.pages,
        stats.bytes_out,
        reads,
        read_bytes,
        memory_bytes(),
        stats.dwarf.units_read,
        stats.dwarf.units_skipped,
        stats.dwarf.unreadable_from.map_or_else(|| "null".to_string(), |o| o.to_string()),
        stats.il_offset_bits
    )
}

/// # Safety
/// `ptr..ptr+len` must be memory the host filled with the parameters.
#[no_mangle]
pub unsafe extern "C" fn plan(ptr: *const u8, len: usize) -> i32 {
    let mut p = params(ptr, len);
    finish((|| {
        let input = p.input()?;
        let limits = Limits {
            fast_bytes: p.next()?,
            unit_bytes: p.next()?,
            symbols_per_unit: p.next()?,
        };
        Ok(plan_build(&input, &limits)?.to_json())
    })())
}

/// # Safety
/// As `plan`.
#[no_mangle]
pub unsafe extern "C" fn build_whole(ptr: *const u8, len: usize) -> i32 {
    let mut p = params(ptr, len);
    finish((|| {
        let input = p.input()?;
        Ok(report(whole(&input)?))
    })())
}

/// # Safety
/// As `plan`.
#[no_mangle]
pub unsafe extern "C" fn build_unit(ptr: *const u8, len: usize) -> i32 {
    let mut p = params(ptr, len);
    finish((|| {
        let input = p.input()?;
        let index = p.next()? as u32;
        let kind = p.next()?;
        let (from, to) = (p.next()?, p.next()?);
        let span = match kind {
            1 => UnitSpan::Dwarf { from, to },
            2 => UnitSpan::Symbols { from, to },
            3 => UnitSpan::Breakpad { from, to },
            4 => UnitSpan::PdbModules { from, to },
            5 => UnitSpan::PdbPublics { from, to },
            _ => return Err(Error::new(ErrorKind::BadObject, "unknown unit kind")),
        };
        let unit_offsets = p.list()?.into_iter().map(|o| o as usize).collect();
        let sup_unit_offsets = p.list()?.into_iter().map(|o| o as usize).collect();
        Ok(report(unit(
            &input,
            UnitTask {
                index,
                span,
                unit_offsets,
                sup_unit_offsets,
            },
        )?))
    })())
}

/// # Safety
/// As `plan`.
#[no_mangle]
pub unsafe extern "C" fn merge_runs(ptr: *const u8, len: usize) -> i32 {
    let mut p = params(ptr, len);
    finish((|| {
        let last = p.next()? != 0;
        let block = p.next()? as usize;
        let n = p.next()? as usize;
        if n > 4096 {
            return Err(Error::new(
                ErrorKind::BadObject,
                "too many runs for one merge",
            ));
        }
        let mut inputs = Vec::with_capacity(n);
        for _ in 0..n {
            inputs.push((p.next()? as u32, p.next()?));
        }
        Ok(report(merge(&inputs, last, block)?))
    })())
}

#[no_mangle]
pub extern "C" fn output_ptr() -> *const u8 {
    OUTPUT.with(|o| o.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn output_len() -> usize {
    OUTPUT.with(|o| o.borrow().len())
}

#[no_mangle]
pub extern "C" fn error_ptr() -> *const u8 {
    ERROR.with(|e| e.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn error_len() -> usize {
    ERROR.with(|e| e.borrow().len())
}

#[no_mangle]
pub extern "C" fn memory_bytes() -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size(0) as u32).saturating_mul(65536)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

#[no_mangle]
pub extern "C" fn format_version() -> u32 {
    crate::writer::VERSION
}
