//! The C ABI, the only place where errors cross into JavaScript. No imports, no wasm-bindgen.
//!
//! ```text
//! alloc(len) -> ptr            0 if the memory cannot be reserved
//! dealloc(ptr, len)
//! build(ptr, len, kind) -> 0   ok: output_ptr()/output_len() hold the symcache
//!                       -> 1   error: error_ptr()/error_len() hold a UTF-8 message
//!   kind: 0 = object file (ELF, Mach-O, PE, WASM), 1 = Breakpad .sym,
//!         2 = ELF file + its dwz alternate file (framing: `InputKind::ObjectWithAlt`),
//!         3 = PDB (MSF 7.00)
//! memory_bytes() -> u32        the size of linear memory, which never shrinks: the peak
//! format_version() -> u32
//! ```
//!
//! The input is borrowed for the call only; JavaScript frees it (or simply drops the instance).

use crate::{build_symcache, InputKind};
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

/// # Safety
/// `ptr..ptr+len` must be memory returned by `alloc` and filled by the caller.
#[no_mangle]
pub unsafe extern "C" fn build(ptr: *const u8, len: usize, kind: u32) -> i32 {
    OUTPUT.with(|o| *o.borrow_mut() = Vec::new());
    ERROR.with(|e| *e.borrow_mut() = Vec::new());
    if ptr.is_null() {
        set_error("no input was passed to the symcache builder");
        return 1;
    }
    let data = std::slice::from_raw_parts(ptr, len);
    let kind = match kind {
        0 => InputKind::Object,
        1 => InputKind::Breakpad,
        2 => InputKind::ObjectWithAlt,
        3 => InputKind::Pdb,
        _ => {
            set_error("unknown input kind (expected 0 = object file, 1 = Breakpad, 2 = object + dwz alternate file, 3 = PDB)");
            return 1;
        }
    };
    match build_symcache(data, kind) {
        Ok(out) => {
            OUTPUT.with(|o| *o.borrow_mut() = out);
            0
        }
        Err(e) => {
            set_error(e.message());
            1
        }
    }
}

fn set_error(msg: &str) {
    ERROR.with(|e| *e.borrow_mut() = msg.as_bytes().to_vec());
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
