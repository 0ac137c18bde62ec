//! Windows PDB (MSF 7.00) → symcache, with our own bounds-checked reader (Debian packages no
//! PDB crate). Every parser reads through `cursor::Cursor`; a broken optional part (a module,
//! a name table) is skipped, a broken required part (superblock, directory, DBI header,
//! section headers) is an error that says so.
//!
//! ## What is read, from which stream
//!
//! | stream | parser | used for |
//! |---|---|---|
//! | superblock, directory | `msf.rs` | locating every other stream |
//! | 1 PDB info | `info.rs` | GUID (debug id), named streams `/names`, `srcsrv` |
//! | 3 DBI | `dbi.rs` | age (debug id), machine (arch), modules, section contributions, the optional debug header |
//! | section headers, OMAP from source (named by the DBI debug header) | `address.rs` | `section:offset` → RVA |
//! | `/names` | `names.rs` | source file names |
//! | 4 IPI, 2 TPI | `types.rs` | names of inlined functions (`LF_FUNC_ID`, `LF_MFUNC_ID` + class names) |
//! | symbol records (DBI header) | `publics.rs` | `S_PUB32`: linkage names, code without private symbols |
//! | one per module (DBI module list) | `modules.rs`, `lines.rs`, `inlinees.rs`, `functions.rs` | procedures, C13 lines and files, inline sites |
//! | `srcsrv` (named) | `srcsrv.rs` | the download URL of each source file's exact version |
//!
//! ## One module at a time
//!
//! Everything a module's procedures need beyond their own module stream is in
//! `functions::Shared` (address map, `/names`, inlinee names, publics, section contributions,
//! source links), so the fan-out build for large PDBs (1-3 GiB) can cut the work like this:
//!
//! * **plan** (ranged reads only): superblock and directory, the PDB info stream, DBI (about
//!   1-2% of a PDB), section headers and OMAP, `/names`, `srcsrv`; the IPI stream (with TPI
//!   records for `LF_MFUNC_ID` classes) turned into a table "IPI index → inlinee name" and the
//!   symbol-record stream into the sorted publics; the section contributions tell each unit
//!   which addresses its module owns (identical-code folding).
//! * **units**: one module stream each (small modules grouped up to a size bound); its bytes
//!   are its pages from the directory (lld and MSVC write a stream's pages consecutively, so
//!   usually one range), converted by `functions::process_module` with the plan's tables.
//! * **publics**: one more unit adds `S_PUB32` symbols, which only fill addresses no procedure
//!   covers; `Writer::first_time_seen` across modules is already decided by ownership.
//!
//! Here the units run one after another into one writer.

mod address;
mod cursor;
mod dbi;
mod functions;
mod info;
mod inlinees;
mod lines;
mod modules;
mod msf;
mod names;
mod publics;
mod srcsrv;
mod types;

use crate::error::{Error, ErrorKind, Result};
use crate::writer::Writer;
use std::borrow::Cow;

pub use msf::MAGIC;

const PDB_INFO_STREAM: u32 = 1;
const TPI_STREAM: u32 = 2;
const DBI_STREAM: u32 = 3;
const IPI_STREAM: u32 = 4;

/// The container or a required stream is broken.
fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadObject, message)
}

fn unsupported(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unsupported, message)
}

/// What a conversion read, for tests and diagnostics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub modules: u32,
    pub modules_skipped: u32,
    pub publics: u32,
}

pub fn build(data: &[u8], writer: &mut Writer) -> Result<Stats> {
    build_inner(data, writer).map_err(|e| match e.kind() {
        ErrorKind::BadObject => Error::new(
            e.kind(),
            format!(
                "{}: the PDB is truncated or damaged; upload the PDB file the linker wrote",
                e.message()
            ),
        ),
        _ => e,
    })
}

fn build_inner(data: &[u8], writer: &mut Writer) -> Result<Stats> {
    let msf = msf::Msf::open(data)?;
    let info_bytes = msf
        .stream(PDB_INFO_STREAM)?
        .ok_or_else(|| bad("the PDB has no PDB information stream"))?;
    let info = info::PdbInfo::parse(&info_bytes)?;
    let dbi_bytes = msf
        .stream(DBI_STREAM)?
        .ok_or_else(|| bad("the PDB has no debug information (DBI) stream"))?;
    let dbi = dbi::Dbi::parse(&dbi_bytes)?;
    // Only 32-bit x86 decorates C names (`_f`, `_f@8`, `@f@8`); llvm-symbolizer strips them there.
    writer.is_windows = dbi.machine == 0x014C;

    let omap = optional(&msf, dbi.debug_stream(dbi::DBG_OMAP_FROM_SRC));
    let original_headers = optional(&msf, dbi.debug_stream(dbi::DBG_ORIGINAL_SECTION_HEADERS));
    let headers = match (&omap, &original_headers) {
        // With OMAP, records refer to the layout before the rewrite.
        (Some(_), Some(h)) => Some(h.clone()),
        _ => optional(&msf, dbi.debug_stream(dbi::DBG_SECTION_HEADERS)),
    };
    let map = address::AddressMap::new(headers.as_deref().unwrap_or(&[]), omap.as_deref());
    if map.is_empty() {
        return Err(Error::new(
            ErrorKind::BadDebugInfo,
            "the PDB has no section headers, so its addresses cannot be mapped to the executable (it may be a PDB of an object file or library, not of a linked program)",
        ));
    }
    let names_bytes = optional(&msf, info.named_stream(b"/names"));
    let tpi_bytes = optional(&msf, Some(TPI_STREAM));
    let ipi_bytes = optional(&msf, Some(IPI_STREAM));
    let records = optional(
        &msf,
        Some(u32::from(dbi.symbol_records)).filter(|&s| s != u32::from(dbi::NO_STREAM)),
    );

    let srcsrv = optional(&msf, info.named_stream(b"srcsrv"));
    let mut contributions = dbi.contributions.clone();
    contributions.sort_by_key(|c| (c.section, c.offset));
    let mut shared = functions::Shared {
        names: names_bytes
            .as_deref()
            .and_then(|b| names::Names::parse(b).ok())
            .unwrap_or_default(),
        inlinee_names: types::InlineeNames::new(
            types::TypeStream::parse(ipi_bytes.as_deref().unwrap_or(&[])),
            types::TypeStream::parse(tpi_bytes.as_deref().unwrap_or(&[])),
        ),
        publics: publics::Publics::read(records.as_deref().unwrap_or(&[]), &map),
        map,
        contributions,
        source_links: srcsrv
            .as_deref()
            .map(srcsrv::SourceLinks::parse)
            .unwrap_or_default(),
    };

    let mut stats = Stats::default();
    for m in &dbi.modules {
        if m.stream == dbi::NO_STREAM {
            continue;
        }
        let stream = match msf.stream(u32::from(m.stream)) {
            Ok(Some(s)) => s,
            _ => {
                stats.modules_skipped += 1;
                continue;
            }
        };
        let (symbols, c13) = modules::split(&stream, m.symbol_bytes, m.c11_bytes, m.c13_bytes);
        functions::process_module(&mut shared, m.index, symbols, c13, writer);
        stats.modules += 1;
    }
    for (rva, name) in shared.publics.iter() {
        writer.add_symbol(name, rva, 0)?;
        stats.publics += 1;
    }
    Ok(stats)
}

/// An optional stream: absent, nil or unreadable all mean "not there".
fn optional<'a>(msf: &msf::Msf<'a>, index: Option<u32>) -> Option<Cow<'a, [u8]>> {
    msf.stream(index?).ok().flatten()
}

/// Seeded mutations of the real PDB fixtures, natively in a debug build, where integer overflow
/// panics: every arithmetic path must be checked, not only bounds (the WebAssembly build
/// wraps silently). The TypeScript suite fuzzes the WebAssembly build the same way.
#[cfg(test)]
mod fuzz {
    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/fixtures/files/");

    #[test]
    fn mutated_fixtures_never_panic() {
        let mut state: u64 = 0x5eed_0f0d_b000_0001;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for name in [
            "pe-x86_64-o2.pdb",
            "pe-x86-o2.pdb",
            "pe-x86_64-o2-ghash.pdb",
        ] {
            let original = match std::fs::read(format!("{}{}", FIXTURES, name)) {
                Ok(d) => d,
                Err(_) => return, // no fixture corpus (npm run fixtures)
            };
            for run in 0..600 {
                let mut data = original.clone();
                if run % 5 == 4 {
                    data.truncate((next() % data.len() as u64) as usize);
                } else {
                    for _ in 0..1 + next() % 8 {
                        let at = (next() % data.len() as u64) as usize;
                        data[at] = match run % 4 {
                            0 => next() as u8,
                            1 => data[at] ^ (1 << (next() % 8)),
                            2 => [0, 0xff, 0x7f, 0x80][(next() % 4) as usize],
                            _ => 0xff,
                        };
                    }
                }
                let _ = crate::build_in_memory(&data, crate::InputKind::Pdb);
            }
        }
    }
}

/// A whole PDB made of the parsers' own test builders: a rewritten binary (OMAP) whose
/// procedure moved, and a public that covers code without a procedure.
#[cfg(test)]
mod synthetic {
    use super::{dbi, info, lines, modules, msf, publics};

    fn section_headers(rva: u32) -> Vec<u8> {
        let mut h = vec![0u8; 40];
        h[12..16].copy_from_slice(&rva.to_le_bytes());
        h[36..40].copy_from_slice(&0x6000_0020u32.to_le_bytes());
        h
    }

    /// `(entry_pc, name)` of every function record of a serialized symcache.
    /// (entry address, name) of every function the built pages name.
    fn functions(pages: &[Vec<u8>]) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for page in pages {
            let u = |at: usize| {
                u32::from_le_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]])
            };
            let (ranges, locs, count, files) =
                (u(0) as usize, u(4) as usize, u(8) as usize, u(12) as usize);
            let fns = 32 + ranges * 8 + locs * 16;
            let strings = fns + count * 16 + files * 16;
            for i in 0..count {
                let name = u(fns + 16 * i) as usize + strings;
                let len = page[name] as usize;
                out.push((
                    u(fns + 16 * i + 8),
                    String::from_utf8_lossy(&page[name + 1..name + 1 + len]).into_owned(),
                ));
            }
        }
        out
    }

    #[test]
    fn omap_moves_procedures_and_publics_cover_the_rest() {
        let mut names = Vec::new();
        for v in [0xEFFE_EFFEu32, 1, 9] {
            names.extend_from_slice(&v.to_le_bytes());
        }
        names.extend_from_slice(b"\0/s/a.c\0\0");
        let mut symbols = 4u32.to_le_bytes().to_vec();
        symbols.extend(modules::tests::compile3(0));
        symbols.extend(modules::tests::proc_record(0x1110, 1, 0x10, 0x20, "moved"));
        symbols.extend(modules::tests::end(0x0006));
        let mut c13 = lines::tests::checksums(&[1]);
        c13.extend(lines::tests::lines(
            0x10,
            1,
            0x20,
            &[(0, &[(0, 7), (0x8, 8)])],
        ));
        let mut module = symbols.clone();
        module.extend(&c13);
        // Original 0x1000.. maps to 0x5000..; the public at original 0x1040 maps to 0x2000.
        let omap: Vec<u8> = [(0x1000u32, 0x5000u32), (0x1040, 0x2000), (0x1050, 0)]
            .iter()
            .flat_map(|&(a, b)| [a.to_le_bytes(), b.to_le_bytes()].concat())
            .collect();
        let mut records = publics::tests::pub32(2, 1, 0x40, "asm_stub");
        records.extend(publics::tests::pub32(2, 1, 0x10, "moved_public"));
        let debug = [
            0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 7, 6, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 8,
        ];
        let m = dbi::tests::TestModule {
            stream: 5,
            symbol_bytes: symbols.len() as u32,
            c13_bytes: c13.len() as u32,
            name: "a.obj",
        };
        let mut dbi = dbi::tests::dbi_stream(&[m], &[(1, 0x10, 0x20, 0)], &debug);
        dbi[20..22].copy_from_slice(&10u16.to_le_bytes()); // symbol records stream
        let info = info::tests::info_stream(&[("/names", 9)]);
        let final_headers = section_headers(0x5000);
        let original_headers = section_headers(0x1000);
        let streams: Vec<&[u8]> = vec![
            b"",
            &info,
            b"",
            &dbi,
            b"",
            &module,
            &final_headers,
            &omap,
            &original_headers,
            &names,
            &records,
        ];
        let file = msf::tests::build(&streams, true);
        let pages = crate::build_in_memory(&file, crate::InputKind::Pdb).unwrap();
        let mut got = functions(&pages);
        got.sort();
        // The procedure's record and its public's (no language) name the same code.
        got.dedup();
        assert_eq!(
            got,
            vec![
                (0x2000, "asm_stub".to_string()),
                (0x5010, "moved_public".to_string())
            ]
        );
    }
}
