//! The one error type of the crate. Errors cross into JavaScript at one place only
//! (`ffi::build`), as a UTF-8 message; the kind is for callers inside Rust and for tests.

use std::fmt;

/// What went wrong, coarsely. New kinds may be added at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not a debug file format we know.
    UnknownFormat,
    /// The format is known but we cannot build a symcache from it (PDB, fat Mach-O).
    Unsupported,
    /// The container (ELF/Mach-O/PE/WASM headers, Breakpad MODULE line) is broken.
    BadObject,
    /// The debug information is unusable as a whole (individual bad units are skipped instead).
    BadDebugInfo,
    /// The result would exceed a format limit (u32 counts or offsets).
    TooLarge,
}

/// An error with a message written for a release engineer, not for us.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
