//! Portable PDB (.NET) → symcache, with our own bounds-checked reader of the ECMA-335 metadata
//! (`metadata.rs`; the format: dotnet/runtime `docs/design/specs/PortablePdb-Metadata.md`).
//!
//! ## What is read
//!
//! | table | used for |
//! |---|---|
//! | Document (0x30) | file names (a blob of blob-heap parts joined by a separator), language |
//! | MethodDebugInformation (0x31) | sequence points: row `n` describes MethodDef row `n` |
//! | CustomDebugInformation (0x37) | SourceLink JSON on the module (`sourcelink.rs`); embedded sources on documents (counted) |
//!
//! ## Addresses
//!
//! A .NET frame is "MethodDef row `m`, IL offset `o`", not an address. The symcache's addresses
//! are `m << k | o` with `k` = the bits of the largest IL offset any sequence point has (at least
//! 1), so all of one method's sequence points lie in `[m << k, (m + 1) << k)`. A lookup clamps
//! `o` to `2^k - 1`: past the last sequence point of its method, an offset still answers that
//! point, as the nearest preceding one. `k` goes into the symcache trailer (the host writes it
//! from the build report); `(rows + 1) << k` must fit in 32 bits.
//!
//! Each visible sequence point covers IL offsets up to the next visible one of its method (the
//! last one to the method's end). Hidden points (line 0xFEEFEE) are skipped: an offset after
//! one answers the visible point before it, the nearest preceding sequence point with a line.
//! Offsets before a method's first visible point have no frame (Symbolicator's answer).

mod embedded;
mod metadata;
mod sequence_points;
mod sourcelink;

use crate::error::{Error, ErrorKind, Result};
use crate::lang::Lang;
use crate::plan::Plan;
use crate::writer::{LineSeg, Writer};
use metadata::Metadata;
use sequence_points::{document_name, sequence_points};

/// `CC110556-A091-4D38-9FEC-25AB9A351A6A` as stored in `#GUID` (.NET's byte order).
const SOURCE_LINK: [u8; 16] = [
    0x56, 0x05, 0x11, 0xCC, 0x91, 0xA0, 0x38, 0x4D, 0x9F, 0xEC, 0x25, 0xAB, 0x9A, 0x35, 0x1A, 0x6A,
];
/// `0E8A571B-6926-466E-B4AD-8AB04611F5FE`: a document's embedded source.
const EMBEDDED_SOURCE: [u8; 16] = [
    0x1B, 0x57, 0x8A, 0x0E, 0x26, 0x69, 0x6E, 0x46, 0xB4, 0xAD, 0x8A, 0xB0, 0x46, 0x11, 0xF5, 0xFE,
];
/// Document languages (stored GUIDs) → symbolic's language codes.
const CSHARP: [u8; 16] = [
    0xF8, 0x62, 0x51, 0x3F, 0xC6, 0x07, 0xD3, 0x11, 0x90, 0x53, 0x00, 0xC0, 0x4F, 0xA3, 0x02, 0xA1,
];
const VISUAL_BASIC: [u8; 16] = [
    0xB8, 0xD0, 0x12, 0x3A, 0x6E, 0xC2, 0xD0, 0x11, 0xB4, 0x42, 0x00, 0xA0, 0x24, 0x4A, 0x1D, 0xD2,
];
const FSHARP: [u8; 16] = [
    0xC9, 0x38, 0x4F, 0xAB, 0xE6, 0xB6, 0xBA, 0x43, 0xBE, 0x3B, 0x58, 0x08, 0x0B, 0x2C, 0xCC, 0xE3,
];

/// The largest IL offset the address layout takes: `k` ≤ 24 leaves 8 bits of method rows at
/// worst; a method of more than 16 MiB of IL does not occur.
const MAX_IL_BITS: u32 = 24;

/// What a conversion read, for the build report and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// `k`: the low address bits holding the IL offset.
    pub il_offset_bits: u32,
    pub documents: u32,
    pub methods: u32,
    pub sequence_points: u32,
    pub hidden_sequence_points: u32,
    /// Methods whose sequence-point blob was malformed (skipped, the rest kept).
    pub methods_skipped: u32,
    pub embedded_sources: u32,
    pub source_link: bool,
}

/// One visible sequence point: IL offset, document row, start line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub il: u32,
    pub document: u32,
    pub line: u32,
}

fn language(guid: Option<&[u8]>) -> Lang {
    match guid {
        Some(g) if g == CSHARP => Lang::CSharp,
        Some(g) if g == VISUAL_BASIC => Lang::VisualBasic,
        Some(g) if g == FSHARP => Lang::FSharp,
        _ => Lang::Unknown,
    }
}

/// Every method's visible sequence points, with what was skipped (`stats`).
fn methods(md: &Metadata, stats: &mut Stats) -> Vec<(u32, Vec<Point>)> {
    let mut out = Vec::new();
    for row in 1..=md.rows[metadata::METHOD_DEBUG_INFORMATION] {
        let mut r = match md.row(metadata::METHOD_DEBUG_INFORMATION, row) {
            Some(r) => r,
            None => break,
        };
        let (document, blob) = match (
            r.index(md.wide_index(metadata::DOCUMENT)),
            r.index(md.wide_blobs),
        ) {
            (Some(d), Some(b)) => (d, b),
            _ => break,
        };
        if blob == 0 {
            continue;
        }
        match md.blob(blob).and_then(|b| sequence_points(b, document)) {
            Some(parsed) => {
                stats.hidden_sequence_points += parsed.hidden;
                if !parsed.points.is_empty() {
                    stats.methods += 1;
                    stats.sequence_points += parsed.points.len() as u32;
                    out.push((row, parsed.points));
                }
            }
            None => stats.methods_skipped += 1,
        }
    }
    out
}

/// Portable PDBs, and the PEs embedding them, are converted whole up to this size (a large
/// assembly's Portable PDB is a few MiB); an embedded one may inflate to as much again.
pub const WHOLE_BYTES: u64 = 32 << 20;

/// Always one piece.
pub fn plan(size: u64) -> Result<Plan> {
    if size > WHOLE_BYTES {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "The Portable PDB is {} MiB; symcaches are built from Portable PDBs of up to {} MiB",
                size >> 20,
                WHOLE_BYTES >> 20
            ),
        ));
    }
    Ok(Plan {
        input_bytes: size,
        fast: true,
        materialize: Vec::new(),
        units: Vec::new(),
        unit_offsets: Vec::new(),
        sup_unit_offsets: Vec::new(),
    })
}

/// Reads a Portable PDB, or the one a .NET PE embeds, into `writer`.
pub fn build(data: &[u8], writer: &mut Writer) -> Result<Stats> {
    if data.starts_with(b"MZ") {
        let inflated = embedded::extract(data, WHOLE_BYTES)?;
        return build_portable(&inflated, writer);
    }
    build_portable(data, writer)
}

fn build_portable(data: &[u8], writer: &mut Writer) -> Result<Stats> {
    let md = Metadata::parse(data)?;
    let mut stats = Stats::default();
    let methods = methods(&md, &mut stats);

    let max_il = methods
        .iter()
        .flat_map(|(_, p)| p.iter().map(|p| p.il))
        .max()
        .unwrap_or(0);
    let bits = (32 - max_il.leading_zeros()).max(1);
    if bits > MAX_IL_BITS {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("a sequence point lies at IL offset {}; methods of more than 16 MiB of IL are not supported", max_il),
        ));
    }
    let last_row = methods.last().map_or(0, |(row, _)| *row) as u64;
    if (last_row + 1) << bits > 1 << 32 {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "{} methods with IL offsets of up to {} do not fit the symcache's 32-bit addresses",
                last_row, max_il
            ),
        ));
    }
    stats.il_offset_bits = bits;

    // Documents: file records, languages and source links.
    let documents = md.rows[metadata::DOCUMENT];
    stats.documents = documents;
    let links = sourcelink::mappings(&md, &mut stats);
    let mut files = Vec::new();
    let mut langs = Vec::new();
    for row in 1..=documents {
        // Row counts are checked against the #~ stream's size, so this loop is bounded by it.
        let mut r = match md.row(metadata::DOCUMENT, row) {
            Some(r) => r,
            None => break,
        };
        let name = r.index(md.wide_blobs).and_then(|b| document_name(&md, b));
        r.index(md.wide_guids);
        r.index(md.wide_blobs);
        let lang = language(r.index(md.wide_guids).and_then(|g| md.guid(g)));
        let file = match name {
            Some(name) => {
                let file = writer.file(b"", b"", &name)?;
                if let Some(url) = links.as_ref().and_then(|l| l.resolve(&name)) {
                    writer.source_link(file, url.as_bytes())?;
                }
                file
            }
            None => crate::writer::NONE,
        };
        files.push(file);
        langs.push(lang);
    }
    count_embedded_sources(&md, &mut stats);

    let mut lines = Vec::new();
    for (row, points) in &methods {
        let start = (*row as u64) << bits;
        let end = ((*row as u64) + 1) << bits;
        lines.clear();
        for (i, p) in points.iter().enumerate() {
            let next = points.get(i + 1).map_or(end, |n| start + n.il as u64);
            let file = files
                .get(p.document as usize - 1)
                .copied()
                .unwrap_or(crate::writer::NONE);
            lines.push(LineSeg {
                start: start + p.il as u64,
                end: next,
                file,
                line: p.line,
            });
        }
        // The language of the method's first document; the name is the client's (a .NET
        // stack trace names its methods), so the function record has none.
        let lang = langs
            .get(points[0].document as usize - 1)
            .copied()
            .unwrap_or(Lang::Unknown);
        let function = writer.function(b"", start as u32, Some(lang))?;
        // IL before the method's first visible sequence point has none preceding it: no frame,
        // as in Symbolicator (an async MoveNext's state dispatch, code before a hidden point).
        let first = lines.first().map_or(end, |l| l.start);
        writer.add_function(function, first, end, &lines, &[]);
    }
    Ok(stats)
}

/// Embedded sources are kept in the Portable PDB (the symbol server serves the file whole);
/// the build counts them for its report.
fn count_embedded_sources(md: &Metadata, stats: &mut Stats) {
    for row in 1..=md.rows[metadata::CUSTOM_DEBUG_INFORMATION] {
        let mut r = match md.row(metadata::CUSTOM_DEBUG_INFORMATION, row) {
            Some(r) => r,
            None => break,
        };
        let parent = r.index(md.wide_coded()).unwrap_or(0);
        let kind = r.index(md.wide_guids).and_then(|g| md.guid(g));
        if parent & 0x1F == metadata::TAG_DOCUMENT && kind == Some(&EMBEDDED_SOURCE[..]) {
            stats.embedded_sources += 1;
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
