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
//! ## Read by range, built in parts
//!
//! The PDB is never held: `msf.rs` reads the superblock and directory with ranged host reads,
//! then each stream when it is needed. Everything a module's procedures need beyond their own
//! module stream is in `functions::Shared`, and every part reads it again (nothing is prepared
//! once and stored: these reads are a small share of a unit's, and a redelivered unit needs
//! nothing but the PDB):
//!
//! * read whole: the PDB info stream, DBI (module list and section contributions, a few
//!   percent of a PDB), section headers and OMAP, `/names` (source file names), `srcsrv`;
//! * read by record through a page cache of 8 MiB (`PagedStream`): TPI and IPI (located
//!   through their hash streams' index offsets, `types.rs`) and the symbol records, scanned
//!   for the publics at the unit's procedure starts (`publics.rs`).
//!
//! `plan_parts` cuts the module list into runs whose streams add up to a unit's size (a bigger
//! module is a unit alone); `Part::Modules` converts one run, holding its module streams, and
//! `Part::Publics`, the last units, add the `S_PUB32` symbols of address ranges. `Part::Whole` does all of it in
//! one call, one module stream at a time. Identical-code folding is settled by the section
//! contributions (a module converts only code it owns), and a procedure emitted by two modules
//! (`Writer::first_time_seen` in one piece) is a duplicate range the merge drops (merge rule 1),
//! so both ways give the same bytes (`tests/fanout.rs`).

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
use crate::store::{SectionData, Store};
use crate::writer::Writer;

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

/// What one builder call converts of a PDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Everything, in one piece.
    Whole,
    /// The modules `[from, to)` of the DBI module list (a unit of a build in parts).
    Modules { from: usize, to: usize },
    /// The public symbols at image-relative addresses `[from, to)` (the last units of a build
    /// in parts).
    Publics { from: u64, to: u64 },
}

/// Publics per unit at most, whatever the plan's symbols per unit: a unit holds about 0.5 KiB
/// per public (their names, records and the writer's tables; bench/pdb-build).
const MAX_PUBLICS_PER_UNIT: u64 = 100_000;
pub const PUBLICS_END: u64 = 1 << 32;

/// The units of a build in parts: runs of modules whose streams add up to at most
/// `unit_bytes` (a bigger module is a unit alone), then the publics in address ranges of at
/// most `publics_per_unit` addresses with a public each.
pub fn plan_parts(size: u64, unit_bytes: u64, publics_per_unit: u64) -> Result<Vec<Part>> {
    with_reason((|| {
        let pdb = Opened::open(size)?;
        let mut parts = Vec::new();
        let (mut from, mut bytes) = (0, 0u64);
        for (i, m) in pdb.dbi.modules.iter().enumerate() {
            let size = if m.stream == dbi::NO_STREAM {
                0
            } else {
                pdb.msf.stream_size(u32::from(m.stream))
            };
            if i > from && bytes + size > unit_bytes {
                parts.push(Part::Modules { from, to: i });
                from = i;
                bytes = 0;
            }
            bytes += size;
        }
        if from < pdb.dbi.modules.len() {
            parts.push(Part::Modules {
                from,
                to: pdb.dbi.modules.len(),
            });
        }
        // The addresses of all publics, 8 bytes each, to cut them into ranges of a bounded count
        // (the plan's one allocation that grows with the PDB: 8 MiB per million publics).
        let (store, file) = file_store(size);
        let records = pdb.paged(pdb.symbol_records(), &store, file);
        let mut rvas = publics::Publics::addresses(&records, &pdb.map);
        rvas.sort_unstable();
        rvas.dedup();
        let per = publics_per_unit.clamp(1, MAX_PUBLICS_PER_UNIT) as usize;
        let mut from = 0;
        for chunk in rvas.chunks(per).skip(1) {
            parts.push(Part::Publics { from, to: chunk[0] });
            from = chunk[0];
        }
        // Up to 4 GiB, the end of the symcache's address space; the bound also stays exact in
        // the plan's JSON, whose numbers JavaScript reads as doubles.
        parts.push(Part::Publics {
            from,
            to: PUBLICS_END,
        });
        Ok(parts)
    })())
}

/// Converts `part` of the PDB that is host source `MAIN` (`size` bytes) into `writer`.
pub fn build(size: u64, part: Part, writer: &mut Writer) -> Result<Stats> {
    with_reason(build_inner(size, part, writer))
}

/// A broken container or required stream says what to do about it.
fn with_reason<T>(result: Result<T>) -> Result<T> {
    result.map_err(|e| match e.kind() {
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

/// Pages of the cache that TPI, IPI and symbol-record lookups read through: 64 KiB (records
/// are small and scattered), 8 MiB of them held.
const PAGE_SHIFT: u32 = 16;
const PAGE_BUDGET: usize = 8 << 20;

/// A page cache over the whole PDB (`size` bytes of source `MAIN`) and its one section.
fn file_store(size: u64) -> (Store, u32) {
    let mut store = Store::new(PAGE_SHIFT, PAGE_BUDGET);
    let file = store.add(SectionData::Host {
        source: crate::MAIN,
        base: 0,
        size: usize::try_from(size).unwrap_or(usize::MAX),
    });
    (store, file)
}

/// The container and the streams every part needs first: the directory, DBI, the address map.
struct Opened {
    msf: msf::Msf,
    dbi: dbi::Dbi,
    map: address::AddressMap,
    names: Option<u32>,
    srcsrv: Option<u32>,
}

impl Opened {
    fn open(size: u64) -> Result<Self> {
        let msf = msf::Msf::open(crate::MAIN, size)?;
        let info_bytes = msf
            .stream(PDB_INFO_STREAM)?
            .ok_or_else(|| bad("the PDB has no PDB information stream"))?;
        let info = info::PdbInfo::parse(&info_bytes)?;
        let (names, srcsrv) = (info.named_stream(b"/names"), info.named_stream(b"srcsrv"));
        let dbi_bytes = msf
            .stream(DBI_STREAM)?
            .ok_or_else(|| bad("the PDB has no debug information (DBI) stream"))?;
        let dbi = dbi::Dbi::parse(&dbi_bytes)?;
        drop(dbi_bytes);

        let omap = optional(&msf, dbi.debug_stream(dbi::DBG_OMAP_FROM_SRC));
        let original_headers = optional(&msf, dbi.debug_stream(dbi::DBG_ORIGINAL_SECTION_HEADERS));
        let headers = match (&omap, original_headers) {
            // With OMAP, records refer to the layout before the rewrite.
            (Some(_), Some(h)) => Some(h),
            _ => optional(&msf, dbi.debug_stream(dbi::DBG_SECTION_HEADERS)),
        };
        let map = address::AddressMap::new(headers.as_deref().unwrap_or(&[]), omap.as_deref());
        if map.is_empty() {
            return Err(Error::new(
                ErrorKind::BadDebugInfo,
                "the PDB has no section headers, so its addresses cannot be mapped to the executable (it may be a PDB of an object file or library, not of a linked program)",
            ));
        }
        Ok(Opened {
            msf,
            dbi,
            map,
            names,
            srcsrv,
        })
    }

    /// TPI or IPI, located through its hash stream's index offset buffer when it has one.
    fn type_stream<'s>(
        &self,
        index: u32,
        store: &'s Store,
        file: u32,
    ) -> types::TypeStream<Option<msf::PagedStream<'s>>> {
        use msf::StreamBytes;
        let data = self.paged(Some(index), store, file);
        let header = data.as_ref().and_then(|d| d.read(0, 48));
        let offsets = header.and_then(|h| {
            let hash = u32::from(u16::from_le_bytes([h[20], h[21]]));
            let at = cursor::u32_at(&h, 40)? as usize;
            let len = cursor::u32_at(&h, 44)? as usize;
            self.paged(Some(hash).filter(|&s| s != 0xFFFF), store, file)?
                .read(at, len)
        });
        types::TypeStream::parse_indexed(data, offsets.as_deref())
    }

    fn symbol_records(&self) -> Option<u32> {
        Some(u32::from(self.dbi.symbol_records)).filter(|&s| s != u32::from(dbi::NO_STREAM))
    }

    fn paged<'s>(
        &self,
        index: Option<u32>,
        store: &'s Store,
        file: u32,
    ) -> Option<msf::PagedStream<'s>> {
        self.msf.paged(index?, store, file).ok().flatten()
    }
}

fn build_inner(size: u64, part: Part, writer: &mut Writer) -> Result<Stats> {
    let pdb = Opened::open(size)?;
    // Only 32-bit x86 decorates C names (`_f`, `_f@8`, `@f@8`); llvm-symbolizer strips them there.
    writer.is_windows = pdb.dbi.machine == 0x014C;
    let (store, file) = file_store(size);
    let records = pdb.paged(pdb.symbol_records(), &store, file);
    let mut stats = Stats::default();
    let modules = match part {
        Part::Publics { from, to } => {
            let publics = publics::Publics::read(&records, &pdb.map, |rva| rva >= from && rva < to);
            add_publics(&publics, writer, &mut stats)?;
            return Ok(stats);
        }
        Part::Whole => &pdb.dbi.modules[..],
        Part::Modules { from, to } => pdb.dbi.modules.get(from..to).unwrap_or(&[]),
    };
    // A unit holds its module streams together (at most about the unit size): the publics it
    // keeps are the ones at its procedures' starts. A one-piece build reads one module at a
    // time and keeps every public.
    let mut held: Vec<Option<Vec<u8>>> = Vec::new();
    let publics = if part == Part::Whole {
        publics::Publics::read(&records, &pdb.map, |_| true)
    } else {
        held = modules.iter().map(|m| module_stream(&pdb.msf, m)).collect();
        let mut starts = crate::hash::FxHashSet::default();
        for (m, stream) in modules.iter().zip(&held) {
            if let Some(stream) = stream {
                let (symbols, _) = modules::split(stream, m.symbol_bytes, m.c11_bytes, m.c13_bytes);
                modules::walk(symbols, |_, proc, _| {
                    if let Some(rva) = pdb.map.rva(proc.section, proc.offset) {
                        starts.insert(rva);
                    }
                });
            }
        }
        publics::Publics::read(&records, &pdb.map, |rva| starts.contains(&rva))
    };
    drop(records);

    let names_bytes = optional(&pdb.msf, pdb.names);
    let srcsrv = optional(&pdb.msf, pdb.srcsrv);
    let mut contributions = pdb.dbi.contributions.clone();
    contributions.sort_by_key(|c| (c.section, c.offset));
    let mut shared = functions::Shared {
        names: names_bytes
            .as_deref()
            .and_then(|b| names::Names::parse(b).ok())
            .unwrap_or_default(),
        inlinee_names: types::InlineeNames::new(
            pdb.type_stream(IPI_STREAM, &store, file),
            pdb.type_stream(TPI_STREAM, &store, file),
        ),
        publics,
        map: pdb.map,
        contributions,
        source_links: srcsrv
            .as_deref()
            .map(srcsrv::SourceLinks::parse)
            .unwrap_or_default(),
    };

    for (i, m) in modules.iter().enumerate() {
        if m.stream == dbi::NO_STREAM {
            continue;
        }
        let stream = match held.get_mut(i) {
            Some(s) => s.take(),
            None => module_stream(&pdb.msf, m),
        };
        let stream = match stream {
            Some(s) => s,
            None => {
                stats.modules_skipped += 1;
                continue;
            }
        };
        let (symbols, c13) = modules::split(&stream, m.symbol_bytes, m.c11_bytes, m.c13_bytes);
        functions::process_module(&mut shared, m.index, symbols, c13, writer);
        stats.modules += 1;
    }
    if part == Part::Whole {
        add_publics(&shared.publics, writer, &mut stats)?;
    }
    Ok(stats)
}

/// A module's stream; `None` when it has none or it cannot be read (the module is skipped).
fn module_stream(msf: &msf::Msf, m: &dbi::ModuleInfo) -> Option<Vec<u8>> {
    if m.stream == dbi::NO_STREAM {
        return None;
    }
    msf.stream(u32::from(m.stream)).ok().flatten()
}

/// `S_PUB32` symbols only fill addresses no procedure covers (merge rule 2 against ranks).
fn add_publics(publics: &publics::Publics, writer: &mut Writer, stats: &mut Stats) -> Result<()> {
    for (rva, name) in publics.iter() {
        writer.add_symbol(name, rva, 0)?;
        stats.publics += 1;
    }
    Ok(())
}

/// An optional stream: absent, nil or unreadable all mean "not there".
fn optional(msf: &msf::Msf, index: Option<u32>) -> Option<Vec<u8>> {
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
