//! Itanium C++ ABI demangler (the mangling of gcc and clang on every platform but Windows).
//!
//! Output is LLVM 19's (`llvm-cxxfilt`, `llvm-symbolizer`) with one difference on purpose:
//! functions are printed without return types, Symbolicator's style. Why our own and not
//! cpp_demangle 0.4.0 (the version Debian packages): see docs/demangling.md; in short it
//! printed empty parameter packs as `, >`, dropped pack parameters and garbled function
//! pointer types on ~5% of real names, and differs in style (`> >`, `{lambda()#1}`,
//! `[clone .cold]`) on another quarter.

mod ast;
mod parse;
mod print;

/// Demangles `mangled` (`_Z...`, `__Z...`, or an Apple block `___Z..._block_invoke`).
/// `None` when it is not a valid mangled name, or the result would exceed `max_len` bytes.
pub fn demangle(mangled: &str, max_len: usize) -> Option<String> {
    let mut parser = parse::Parser::new(mangled);
    let root = parser.parse()?;
    let mut printer = print::Printer::new(&parser.arena, max_len);
    printer.print(root).ok()?;
    Some(printer.out)
}
