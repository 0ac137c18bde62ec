//! A file built in one piece and the same file built in units, merged in one or several levels,
//! give byte-identical symcache pages: every cross-unit decision is taken in the final merge.

mod common;

use common::{merge_levels, take_pages, take_run};
use symcache::host::native;
use symcache::plan::{Limits, Plan, UnitSpan};
use symcache::{build_unit, build_whole, plan_build, Input, InputKind, UnitTask};

fn fixture(name: &str) -> Vec<u8> {
    common::fixture("files", name)
}

/// An object file, a PDB (by its MSF signature) or a Breakpad file (by its MODULE record).
fn input(file: &[u8]) -> Input {
    Input {
        kind: if file.starts_with(b"Microsoft C/C++ MSF 7.00") {
            InputKind::Pdb
        } else if file.starts_with(b"MODULE ") {
            InputKind::Breakpad
        } else {
            InputKind::Object
        },
        main_size: file.len() as u64,
        alt_size: None,
        materialized: Vec::new(),
        symbol_map: None,
    }
}

/// The plan of `file` in parts: units of `unit_bytes` and `symbols` symbols (never one piece).
fn plan_in_parts(file: &[u8], unit_bytes: u64, symbols: u64) -> Plan {
    native::set_sources(vec![file.to_vec()]);
    let limits = Limits {
        fast_bytes: 0,
        unit_bytes,
        symbols_per_unit: symbols,
    };
    plan_build(&input(file), &limits).expect("plan")
}

fn whole(file: &[u8]) -> Vec<(u32, Vec<u8>)> {
    native::set_sources(vec![file.to_vec()]);
    build_whole(&input(file)).expect("whole build");
    take_pages()
}

/// Builds `file` in units of `unit_bytes` of `.debug_info` and `symbols` symbols, then merges the
/// runs `fan_in` at a time.
fn in_units(
    file: &[u8],
    unit_bytes: u64,
    symbols: u64,
    fan_in: usize,
) -> (usize, Vec<(u32, Vec<u8>)>) {
    let plan = plan_in_parts(file, unit_bytes, symbols);
    assert!(!plan.fast && plan.materialize.is_empty());
    let mut runs = Vec::new();
    for (index, span) in plan.units.iter().enumerate() {
        native::set_sources(vec![file.to_vec()]);
        let task = UnitTask {
            index: index as u32,
            span: *span,
            unit_offsets: plan.unit_offsets.clone(),
            sup_unit_offsets: Vec::new(),
        };
        build_unit(&input(file), task).expect("unit");
        runs.push(take_run());
    }
    (runs.len(), merge_levels(runs, fan_in))
}

fn check(name: &str) {
    let file = fixture(name);
    let one = whole(&file);
    assert!(!one.is_empty(), "{}: no pages", name);
    compare(name, &file, &one);
}

fn compare(name: &str, file: &[u8], one: &[(u32, Vec<u8>)]) {
    for (unit_bytes, symbols, fan_in) in [(1, 7, 2), (1, 1_000_000, 3), (2048, 50, 64)] {
        let (units, parts) = in_units(file, unit_bytes, symbols, fan_in);
        assert!(
            units > 1 || unit_bytes > 1 || one.is_empty(),
            "{}: expected several units",
            name
        );
        assert_eq!(
            one.len(),
            parts.len(),
            "{}: page count ({} units, fan-in {})",
            name,
            units,
            fan_in
        );
        for (i, (a, b)) in one.iter().zip(parts.iter()).enumerate() {
            assert!(
                a == b,
                "{}: page {} differs ({} units, fan-in {})",
                name,
                i,
                units,
                fan_in
            );
        }
    }
}

#[test]
fn gcc_dwarf5() {
    check("elf-x86_64-gcc-dw5-O2-pie.debug");
}

#[test]
fn cpp_with_inlining() {
    check("elf-x86_64-cpp");
}

#[test]
fn clang_lld() {
    check("elf-x86_64-clang19-dw5-O2-lld");
}

#[test]
fn assembly_and_padding() {
    // Line rows without function DIEs, named by the symbol covering them, in the merge.
    check("elf-x86_64-gcc-asm");
    check("elf-x86_64-clang19-asm");
}

#[test]
fn webassembly_dwarf() {
    check("wasm32-dwarf-O1.wasm");
    check("wasm32-dwarf-O2.wasm");
}

#[test]
fn mingw_pe_with_dwarf() {
    check("pe-x86_64-mingw.exe");
    check("pe-i686-mingw.exe");
}

#[test]
fn no_function_symbols_no_pages() {
    // A stripped PIE: only undefined dynamic symbols remain.
    let file = fixture("elf-x86_64-gcc-dw5-O2-pie.stripped");
    let one = whole(&file);
    assert!(one.is_empty());
    compare("stripped", &file, &one);
}

#[test]
fn many_symbol_units() {
    check("elf-x86_64-gcc-O2-nopie");
}

#[test]
fn macho_dsym() {
    check("macho-arm64.dSYM/Contents/Resources/DWARF/macho-arm64");
}

#[test]
fn pdb_modules_and_publics() {
    // One unit per module stream (unit_bytes 1), then publics in ranges of 7, 1,000,000 (all)
    // or 50 addresses; with 2048 bytes, runs of small modules share a unit.
    for name in [
        "pe-x86_64-o2.pdb",
        "pe-x86-o2.pdb",
        "pe-x86_64-o2-ghash.pdb",
        "pe-x86_64.pdb",
        "pe-x86.pdb",
        "pe-arm64.pdb",
        "pe-x86_64-fixture.pdb",
    ] {
        check(name);
    }
}

#[test]
fn pdb_units_are_module_runs_then_publics() {
    let file = fixture("pe-x86_64-o2.pdb");
    let plan = plan_in_parts(&file, 1, 10);
    // Module runs of one module each, then the publics in ranges of 10 addresses each,
    // covering every address.
    let modules = plan
        .units
        .iter()
        .take_while(|u| matches!(u, UnitSpan::PdbModules { .. }))
        .count();
    assert!(modules > 2);
    for (i, span) in plan.units[..modules].iter().enumerate() {
        assert_eq!(
            *span,
            UnitSpan::PdbModules {
                from: i as u64,
                to: i as u64 + 1
            }
        );
    }
    let publics = &plan.units[modules..];
    assert!(publics.len() >= 2); // 20 publics, some at one address
    let mut next = 0;
    for span in publics {
        match *span {
            UnitSpan::PdbPublics { from, to } => {
                assert_eq!(from, next);
                assert!(to > from);
                next = to;
            }
            ref other => panic!("not a publics range: {:?}", other),
        }
    }
    assert_eq!(next, 1 << 32);
}

#[test]
fn unit_spans_cover_debug_info() {
    let file = fixture("elf-x86_64-cpp");
    let plan = plan_in_parts(&file, 1, 10);
    let mut at = 0;
    for span in &plan.units {
        if let UnitSpan::Dwarf { from, to } = *span {
            assert_eq!(from, at);
            at = to;
        }
    }
    assert!(at > 0);
}

/// A Breakpad file built in spans of `bytes` (every FUNC its own unit when tiny).
fn breakpad_in_units(file: &[u8], bytes: u64) -> Vec<(u32, Vec<u8>)> {
    let plan = plan_in_parts(file, bytes, 1);
    assert!(plan.units.len() > 1, "expected several spans");
    let mut runs = Vec::new();
    for (index, span) in plan.units.iter().enumerate() {
        native::set_sources(vec![file.to_vec()]);
        let task = UnitTask {
            index: index as u32,
            span: *span,
            unit_offsets: Vec::new(),
            sup_unit_offsets: Vec::new(),
        };
        build_unit(&input(file), task).expect("unit");
        runs.push(take_run());
    }
    merge_levels(runs, usize::MAX)
}

#[test]
fn breakpad_in_spans() {
    for name in [
        "breakpad-inline.sym",
        "breakpad-linux.sym",
        "breakpad-windows.sym",
        "breakpad-mac.sym",
    ] {
        let file = fixture(name);
        let one = whole(&file);
        assert!(!one.is_empty(), "{}", name);
        assert!(
            one == breakpad_in_units(&file, 1),
            "{}: spans differ from one piece",
            name
        );
    }
}
