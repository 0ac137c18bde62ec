//! Names hidden by Apple's bitcode pipeline: a dSYM of an App Store bitcode build names its
//! symbols, functions, files and directories `__hidden#N_`, and the build's BCSymbolMap holds the
//! originals (docs/apple-bitcode.md). The map is a text file: the line `BCSymbolMap Version: 2.0`,
//! then one name per line; `__hidden#N_` is the name on line N after the header.
//!
//! The host passes the map as a source of the build step; `load` reads it for the duration of the
//! step, and `resolve` is asked for every name and path component the builder records, as
//! symbolic resolves them when a map is loaded into a Mach-O (`MachObject::load_symbolmap`).

use crate::host::SourceId;
use crate::objfile::read_exact;
use crate::{Error, ErrorKind, Result};
use std::cell::RefCell;

const HEADER: &[u8] = b"BCSymbolMap Version: 2.0";
const PREFIX: &[u8] = b"__hidden#";
/// Larger maps are refused rather than held: real ones are a few MiB.
pub const MAX_MAP_BYTES: u64 = 64 << 20;

/// The names of a map: one buffer and the `(start, end)` of each name in it.
struct Names {
    text: Vec<u8>,
    lines: Vec<(u32, u32)>,
}

thread_local! {
    static LOADED: RefCell<Option<Names>> = RefCell::new(None);
}

/// Loads the map of this build step (`(source, size)`), or forgets the last one (`None`).
pub fn load(map: Option<(SourceId, u64)>) -> Result<()> {
    let names = match map {
        Some((source, size)) => {
            if size > MAX_MAP_BYTES {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "the BCSymbolMap is {} MiB; at most {} MiB are read",
                        size >> 20,
                        MAX_MAP_BYTES >> 20
                    ),
                ));
            }
            Some(parse(read_exact(source, 0, size as usize, "BCSymbolMap")?)?)
        }
        None => None,
    };
    LOADED.with(|l| *l.borrow_mut() = names);
    Ok(())
}

fn parse(text: Vec<u8>) -> Result<Names> {
    let mut lines = Vec::new();
    let mut start = 0usize;
    while start < text.len() {
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| start + p);
        // A line ends at "\n" or "\r\n", as Rust's `str::lines` has it.
        let trimmed = if end > start && text[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        lines.push((start as u32, trimmed as u32));
        start = end + 1;
    }
    let header = lines.first().map(|&(s, e)| &text[s as usize..e as usize]);
    if header != Some(HEADER) {
        return Err(Error::new(
            ErrorKind::BadObject,
            "the BCSymbolMap does not start with \"BCSymbolMap Version: 2.0\"",
        ));
    }
    lines.remove(0);
    Ok(Names { text, lines })
}

/// The original of a `__hidden#N_` name, when a map is loaded and has line N; None otherwise
/// (the name is kept, as symbolic keeps names it cannot resolve).
pub fn resolve(name: &[u8]) -> Option<Vec<u8>> {
    let digits = name.strip_prefix(PREFIX)?.strip_suffix(b"_")?;
    // `usize` parsing, as symbolic's: leading zeros are fine.
    let index: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    LOADED.with(|l| {
        let loaded = l.borrow();
        let names = loaded.as_ref()?;
        let &(s, e) = names.lines.get(index)?;
        Some(names.text[s as usize..e as usize].to_vec())
    })
}

/// `resolve`, or the name itself.
pub fn resolved(name: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match resolve(name) {
        Some(original) => std::borrow::Cow::Owned(original),
        None => std::borrow::Cow::Borrowed(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_map(text: &str) {
        LOADED.with(|l| *l.borrow_mut() = Some(parse(text.as_bytes().to_vec()).unwrap()));
    }

    #[test]
    fn resolves_hidden_names_by_line_after_the_header() {
        with_map("BCSymbolMap Version: 2.0\r\n_main\r\n/Users/me/App\nSources/a.c");
        assert_eq!(resolve(b"__hidden#0_").as_deref(), Some(&b"_main"[..]));
        assert_eq!(
            resolve(b"__hidden#1_").as_deref(),
            Some(&b"/Users/me/App"[..])
        );
        assert_eq!(
            resolve(b"__hidden#002_").as_deref(),
            Some(&b"Sources/a.c"[..])
        );
        assert_eq!(resolve(b"__hidden#3_"), None);
        assert_eq!(resolve(b"__hidden#x_"), None);
        assert_eq!(resolve(b"__hidden#1"), None);
        assert_eq!(resolve(b"main"), None);
        assert_eq!(&*resolved(b"_hidden#1_"), b"_hidden#1_");
        LOADED.with(|l| *l.borrow_mut() = None);
        assert_eq!(resolve(b"__hidden#0_"), None);
    }

    #[test]
    fn refuses_a_map_without_the_version_2_header() {
        for text in ["", "BCSymbolMap Version: 1.0\n_main\n", "_main\n"] {
            assert!(parse(text.as_bytes().to_vec()).is_err(), "{text:?}");
        }
        assert_eq!(
            parse(b"BCSymbolMap Version: 2.0".to_vec())
                .unwrap()
                .lines
                .len(),
            0
        );
    }
}
