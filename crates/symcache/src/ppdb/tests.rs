//! The real fixtures (test/fixtures/make-fixtures.sh): what the reader finds in them, the
//! embedded copy giving the same symcache, and seeded mutations never panicking (natively in a
//! debug build, where integer overflow panics). The sequence points themselves are checked
//! point by point against an independent reader in test/unit/symcache/ppdb-oracle.test.ts.

use super::{build, Stats};
use crate::writer::Writer;
use crate::{build_in_memory, InputKind};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/fixtures/files/");

fn fixture(name: &str) -> Option<Vec<u8>> {
    std::fs::read(format!("{}{}", FIXTURES, name)).ok()
}

#[test]
fn reads_documents_sequence_points_and_source_link() {
    let data = match fixture("dotnet-fixture.pdb") {
        Some(d) => d,
        None => return, // no fixture corpus (npm run fixtures)
    };
    let stats: Stats = build(&data, &mut Writer::default()).unwrap();
    assert_eq!(stats.documents, 3);
    assert!(stats.methods >= 15, "{:?}", stats);
    // mcs writes no hidden points (Roslyn does, around awaits): `hidden_points_are_skipped`.
    assert_eq!(stats.methods_skipped, 0);
    assert_eq!(stats.embedded_sources, 1);
    assert!(stats.source_link);
    assert!((1..=12).contains(&stats.il_offset_bits), "{:?}", stats);
}

/// A blob written by hand to the spec: a visible point, a hidden one, a document record, and
/// signed deltas for the lines after the first.
#[test]
fn hidden_points_are_skipped_and_document_records_switch_files() {
    use super::sequence_points::sequence_points;
    let blob = [
        0x00, // LocalSignature: none
        0x00, 0x02, 0x05, 0x0A, 0x09, // IL 0: 2 lines, +5 columns, line 10, column 9
        0x04, 0x00, 0x00, // IL 4: hidden (0 lines, 0 columns)
        0x00, 0x02, // document record: row 2 from here on
        0x03, 0x00, 0x04, 0x06, 0x7F, // IL 7: 0 lines, 4 columns, line 10 + 3, column 9 - 1
    ];
    let parsed = sequence_points(&blob, 1).unwrap();
    assert_eq!(parsed.hidden, 1);
    let points: Vec<(u32, u32, u32)> = parsed
        .points
        .iter()
        .map(|p| (p.il, p.document, p.line))
        .collect();
    assert_eq!(points, vec![(0, 1, 10), (7, 2, 13)]);
    // Truncated: no answer rather than a guess.
    assert_eq!(sequence_points(&blob[..9], 1).unwrap().points.len(), 1);
    assert!(sequence_points(&blob[..8], 1).is_none());
    assert!(sequence_points(&blob[..13], 1).is_none());
}

#[test]
fn an_embedded_portable_pdb_gives_the_same_symcache() {
    let (pdb, dll) = match (
        fixture("dotnet-fixture.pdb"),
        fixture("dotnet-fixture-embedded.dll"),
    ) {
        (Some(p), Some(d)) => (p, d),
        _ => return,
    };
    let from_pdb = build_in_memory(&pdb, InputKind::PortablePdb).unwrap();
    let from_dll = build_in_memory(&dll, InputKind::PortablePdb).unwrap();
    assert!(!from_pdb.is_empty());
    // The embedded copy has no embedded source, which the symcache does not keep anyway.
    assert_eq!(from_pdb, from_dll);
}

#[test]
fn a_pe_without_an_embedded_pdb_is_refused_with_a_reason() {
    let dll = match fixture("dotnet-fixture.dll") {
        Some(d) => d,
        None => return,
    };
    let err = build_in_memory(&dll, InputKind::PortablePdb).unwrap_err();
    assert!(
        err.message().contains("embeds no Portable PDB"),
        "{}",
        err.message()
    );
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut state: u64 = 0x5eed_0d07_0e70_0001;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in ["dotnet-fixture.pdb", "dotnet-fixture-embedded.dll"] {
        let original = match fixture(name) {
            Some(d) => d,
            None => return,
        };
        for run in 0..2000 {
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
            let _ = build_in_memory(&data, InputKind::PortablePdb);
        }
    }
}
