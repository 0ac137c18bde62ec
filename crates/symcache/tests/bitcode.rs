//! An App Store bitcode dSYM (`__hidden#N_` names and paths) built with its BCSymbolMap gives
//! the symcache of the same dSYM before obfuscation, byte for byte, in one piece and in units
//! (test/fixtures/make-bitcode-fixture.sh makes the three files).

mod common;

use common::{merge_levels, take_pages, take_run};
use symcache::host::native;
use symcache::plan::Limits;
use symcache::{build_unit, build_whole, plan_build, Input, InputKind, UnitTask};

fn fixture(rel: &str) -> Vec<u8> {
    common::fixture("bitcode", rel)
}

fn symbol_map() -> Vec<u8> {
    let dir = format!("{}/../../test/fixtures/bitcode", env!("CARGO_MANIFEST_DIR"));
    let entry = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().map_or(false, |x| x == "bcsymbolmap"))
        .expect("a .bcsymbolmap in test/fixtures/bitcode");
    std::fs::read(entry).unwrap()
}

/// Source 0 the dSYM, 1 no dwz file, 2 the map (when given).
fn sources_and_input(file: &[u8], map: Option<&[u8]>) -> Input {
    native::set_sources(vec![
        file.to_vec(),
        Vec::new(),
        map.map(|m| m.to_vec()).unwrap_or_default(),
    ]);
    Input {
        kind: InputKind::Object,
        main_size: file.len() as u64,
        alt_size: None,
        materialized: Vec::new(),
        symbol_map: map.map(|m| (2, m.len() as u64)),
    }
}

/// The pages' bytes, one after another.
fn page_bytes(pages: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    pages.into_iter().flat_map(|(_, b)| b).collect()
}

fn whole(file: &[u8], map: Option<&[u8]>) -> Vec<u8> {
    build_whole(&sources_and_input(file, map)).expect("whole build");
    page_bytes(take_pages())
}

fn in_units(file: &[u8], map: &[u8]) -> Vec<u8> {
    let limits = Limits {
        fast_bytes: 0,
        unit_bytes: 1,
        symbols_per_unit: 2,
    };
    let plan = plan_build(&sources_and_input(file, Some(map)), &limits).expect("plan");
    assert!(plan.units.len() > 2, "expected several units");
    let mut runs = Vec::new();
    for (index, span) in plan.units.iter().enumerate() {
        let input = sources_and_input(file, Some(map));
        let task = UnitTask {
            index: index as u32,
            span: *span,
            unit_offsets: plan.unit_offsets.clone(),
            sup_unit_offsets: Vec::new(),
        };
        build_unit(&input, task).expect("unit");
        runs.push(take_run());
    }
    page_bytes(merge_levels(runs, usize::MAX))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_bitcode_dsym_with_its_map_builds_the_plain_dsyms_symcache() {
    let plain = fixture("StoreCheckout.plain.dwarf");
    let hidden = fixture("StoreCheckout.dSYM/Contents/Resources/DWARF/StoreCheckout");
    let map = symbol_map();
    let expected = whole(&plain, None);
    assert!(!expected.is_empty());

    let without = whole(&hidden, None);
    assert_ne!(without, expected, "the obfuscated dSYM alone must differ");

    assert_eq!(whole(&hidden, Some(&map)), expected, "one piece");
    assert_eq!(in_units(&hidden, &map), expected, "in units");
    // The step after forgets the map: a file without one keeps its names.
    assert_eq!(whole(&hidden, None), without);
}

#[test]
fn a_broken_map_fails_the_build_with_a_reason() {
    let hidden = fixture("StoreCheckout.dSYM/Contents/Resources/DWARF/StoreCheckout");
    let err = build_whole(&sources_and_input(&hidden, Some(b"_main\n_other\n"))).unwrap_err();
    assert!(
        contains(err.message().as_bytes(), b"BCSymbolMap Version: 2.0"),
        "{}",
        err.message()
    );
}
