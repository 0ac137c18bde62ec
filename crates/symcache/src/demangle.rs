//! Demangling at build time, so that lookups in the Worker need no demangler.
//!
//! Matches symbolicator's options: C++ with parameters and without return type, Rust in the
//! alternate form (no hash). Microsoft C++ names are demangled as llvm-symbolizer shows them
//! (`msvc_demangle.rs`). Output is capped at [`MAX_DEMANGLED`] bytes because Itanium
//! substitutions can expand exponentially ("billion laughs"); on any failure the raw name is
//! kept.

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
    let lang = if lang == Lang::Unknown { Lang::detect(raw) } else { lang };
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
    raw.starts_with("_Z") || raw.starts_with("__Z") || raw.starts_with("___Z") || raw.starts_with("____Z")
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
    // Strip leading underscores beyond the one Itanium wants (Mach-O adds one more).
    let mut name = raw;
    while name.starts_with("__Z") {
        name = &name[1..];
    }
    if !name.starts_with("_Z") {
        return None;
    }
    // A trailing `$<32 hex>` hash (emitted by some LTO pipelines) is not part of the mangling.
    if let Some(pos) = name.rfind('$') {
        let tail = &name[pos + 1..];
        if tail.len() == 32 && tail.bytes().all(|b| b.is_ascii_hexdigit()) {
            name = &name[..pos];
        }
    }
    let parse = cpp_demangle::ParseOptions::default().recursion_limit(160);
    let sym = cpp_demangle::Symbol::new_with_options(name.as_bytes(), &parse).ok()?;
    let opts = cpp_demangle::DemangleOptions::new().no_return_type().recursion_limit(192);
    let mut out = Capped::default();
    sym.structured_demangle(&mut out, &opts).ok()?;
    if out.buf.is_empty() {
        return None;
    }
    Some(out.buf)
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
