//! Demangling at build time, so that lookups in the Worker need no demangler.
//!
//! Symbolicator's style: C++ with parameters and without return type, Rust in the alternate
//! form (no hash). Itanium C++ comes from our own demangler (`itanium/`), which prints what
//! LLVM 19's prints (llvm-symbolizer's names) minus return types; docs/demangling.md has the
//! rules and why cpp_demangle was dropped. Microsoft C++ names are demangled as llvm-symbolizer
//! shows them (`msvc_demangle.rs`). Output is capped at [`MAX_DEMANGLED`] bytes because Itanium
//! substitutions can expand exponentially ("billion laughs"); on any failure the raw name is
//! kept.

mod itanium;

use crate::lang::Lang;
use std::fmt;

/// Cap on a demangled name, as in symbolic-demangle.
pub const MAX_DEMANGLED: usize = 4096;

/// Returns the demangled name, or `None` when the raw name should be shown as is.
pub fn demangle(raw: &str, lang: Lang) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    // MSVC MD5-hashed names are opaque.
    if raw.starts_with("??@") {
        return None;
    }
    // Microsoft C++ names (PDB publics, PE exports), whatever the unit's language.
    if raw.starts_with('?') {
        return crate::msvc_demangle::demangle(raw);
    }
    let lang = match lang {
        // rustc's legacy names are Itanium names ending in a `17h<16 hex digits>E` hash; a
        // `_ZN...E` without it is C++ (a namespace-scope variable), though rustc-demangle
        // accepts it too.
        Lang::Unknown if looks_itanium(raw) && !has_rust_hash(raw) => Lang::Cpp,
        Lang::Unknown => Lang::detect(raw),
        known => known,
    };
    match lang {
        Lang::Rust => demangle_rust(raw).or_else(|| demangle_cpp(raw)),
        Lang::Cpp | Lang::ObjCpp => demangle_cpp(raw),
        // Go, D, Swift, C: names are shown as written. A C unit may still carry an Itanium
        // name (e.g. a C++ symbol reached through a C declaration), so try C++ for `_Z`.
        _ => {
            if looks_itanium(raw) {
                demangle_cpp(raw)
            } else {
                None
            }
        }
    }
}

fn looks_itanium(raw: &str) -> bool {
    raw.starts_with("_Z")
        || raw.starts_with("__Z")
        || raw.starts_with("___Z")
        || raw.starts_with("____Z")
}

/// `..17h0123456789abcdefE` at the end, or before a `.suffix` (LLVM's `.llvm.123`). Legacy
/// Rust names contain dots themselves (`$LT$std..fmt..Debug$GT$`), so look for the hash.
fn has_rust_hash(raw: &str) -> bool {
    let b = raw.as_bytes();
    raw.match_indices("17h").any(|(at, _)| {
        let hash = at + 3;
        let end = hash + 16;
        b.get(hash..end)
            .map_or(false, |h| h.iter().all(u8::is_ascii_hexdigit))
            && b.get(end) == Some(&b'E')
            && matches!(b.get(end + 1), None | Some(b'.'))
    })
}

fn demangle_rust(raw: &str) -> Option<String> {
    let d = rustc_demangle::try_demangle(raw).ok()?;
    let mut out = Capped::default();
    if fmt::write(&mut out, format_args!("{:#}", d)).is_err() {
        return None;
    }
    Some(out.buf)
}

fn demangle_cpp(raw: &str) -> Option<String> {
    let mut name = raw;
    // A trailing `$<32 hex>` hash (emitted by some LTO pipelines) is not part of the mangling.
    if let Some(pos) = name.rfind('$') {
        let tail = &name[pos + 1..];
        if tail.len() == 32 && tail.bytes().all(|b| b.is_ascii_hexdigit()) {
            name = &name[..pos];
        }
    }
    // `_Z`, `__Z` (Mach-O) and the `___Z..._block_invoke` of Apple blocks are read as LLVM
    // reads them; a name with more underscores than that (a Mach-O symbol whose leading `_`
    // was not stripped) is read without the extra ones.
    itanium::demangle(name, MAX_DEMANGLED)
        .or_else(|| {
            let trimmed = name.trim_start_matches('_');
            let extra = name.len() - trimmed.len();
            if extra > 1 && trimmed.starts_with('Z') {
                itanium::demangle(&name[extra - 1..], MAX_DEMANGLED)
            } else {
                None
            }
        })
        .filter(|s| !s.is_empty())
}

/// A `fmt::Write` that fails once the output would exceed [`MAX_DEMANGLED`].
#[derive(Default)]
struct Capped {
    buf: String,
}

impl fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.buf.len() + s.len() > MAX_DEMANGLED {
            return Err(fmt::Error);
        }
        self.buf.push_str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
