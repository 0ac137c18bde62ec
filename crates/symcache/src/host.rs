//! Host I/O: how the builder reads its inputs and hands over its outputs.
//!
//! A debug file can be many times larger than the isolate the builder runs in, so the builder is
//! never given a file. It asks the host for byte ranges of numbered *sources* (`read`) and gives
//! it finished output (`write`). In a Worker, JavaScript implements both over R2; with
//! WebAssembly's JavaScript Promise Integration the host suspends the builder while a read is in
//! flight, so the code here stays synchronous. A failed read throws in the host and ends the
//! call: the builder never sees a storage error, and the task is retried as a whole.
//!
//! ```text
//! import host.read(source, offset_lo, offset_hi, len, dst) -> bytes read (short only at the end)
//! import host.write(stream, ptr, len, meta) -> 0
//!   stream 0: one finished symcache page, meta = its first address
//!   stream 1: bytes of a sorted run (appended in order)
//! ```
//!
//! Natively (`cargo test`, benches) the host is a per-thread table of in-memory sources and a
//! list of written outputs (`native`).

use std::cell::Cell;

pub type SourceId = u32;

/// The stream a finished symcache page is written to (`meta`: the page's first address).
pub const STREAM_PAGE: u32 = 0;
/// The stream a sorted run is written to.
pub const STREAM_RUN: u32 = 1;

thread_local! {
    static READS: Cell<(u64, u64)> = Cell::new((0, 0));
}

/// Reads up to `buf.len()` bytes of `source` at `offset`; fewer only at the end of the source.
pub fn read_at(source: SourceId, offset: u64, buf: &mut [u8]) -> usize {
    READS.with(|r| {
        let (n, bytes) = r.get();
        r.set((n + 1, bytes + buf.len() as u64));
    });
    imp::read(source, offset, buf)
}

/// Hands finished output to the host.
pub fn write(stream: u32, bytes: &[u8], meta: u32) {
    imp::write(stream, bytes, meta)
}

/// (host reads, bytes asked for) since the instance started: the cost in storage operations.
pub fn read_stats() -> (u64, u64) {
    READS.with(|r| r.get())
}

#[cfg(target_arch = "wasm32")]
mod imp {
    #[link(wasm_import_module = "host")]
    extern "C" {
        #[link_name = "read"]
        fn host_read(source: u32, offset_lo: u32, offset_hi: u32, len: u32, dst: *mut u8) -> i32;
        #[link_name = "write"]
        fn host_write(stream: u32, ptr: *const u8, len: u32, meta: u32) -> i32;
    }

    pub fn read(source: u32, offset: u64, buf: &mut [u8]) -> usize {
        // SAFETY: the host writes at most `buf.len()` bytes into `buf` and returns how many.
        let n = unsafe {
            host_read(
                source,
                offset as u32,
                (offset >> 32) as u32,
                buf.len() as u32,
                buf.as_mut_ptr(),
            )
        };
        (n.max(0) as usize).min(buf.len())
    }

    pub fn write(stream: u32, bytes: &[u8], meta: u32) {
        // SAFETY: the host only reads `bytes` for the duration of the call.
        unsafe {
            host_write(stream, bytes.as_ptr(), bytes.len() as u32, meta);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::native;

    pub fn read(source: u32, offset: u64, buf: &mut [u8]) -> usize {
        native::SOURCES.with(|s| {
            let sources = s.borrow();
            let data = match sources.get(source as usize) {
                Some(d) => d,
                None => return 0,
            };
            let start = (offset as usize).min(data.len());
            let end = start.saturating_add(buf.len()).min(data.len());
            buf[..end - start].copy_from_slice(&data[start..end]);
            end - start
        })
    }

    pub fn write(stream: u32, bytes: &[u8], meta: u32) {
        native::OUTPUTS.with(|o| o.borrow_mut().push((stream, bytes.to_vec(), meta)));
    }
}

/// The native host: sources and outputs of the current thread.
#[cfg(not(target_arch = "wasm32"))]
pub mod native {
    use std::cell::RefCell;

    thread_local! {
        pub(super) static SOURCES: RefCell<Vec<Vec<u8>>> = RefCell::new(Vec::new());
        pub(super) static OUTPUTS: RefCell<Vec<(u32, Vec<u8>, u32)>> = RefCell::new(Vec::new());
    }

    /// Replaces the sources (index = source id) and clears the outputs.
    pub fn set_sources(sources: Vec<Vec<u8>>) {
        SOURCES.with(|s| *s.borrow_mut() = sources);
        OUTPUTS.with(|o| o.borrow_mut().clear());
    }

    /// Takes what was written so far: (stream, bytes, meta) in order.
    pub fn take_outputs() -> Vec<(u32, Vec<u8>, u32)> {
        OUTPUTS.with(|o| std::mem::take(&mut *o.borrow_mut()))
    }
}
