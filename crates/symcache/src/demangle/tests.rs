//! Demangling checked against the corpora of test/fixtures/demangle (real names, expected
//! output from LLVM 19 and GNU c++filt, see docs/demangling.md), hostile inputs, and a seeded
//! mutation fuzz.

use super::{demangle, itanium, MAX_DEMANGLED};
use crate::lang::Lang;
use std::fmt::Write;

struct Case<'t> {
    source: &'t str,
    mangled: &'t str,
    expected: &'t str,
}

fn corpus(file: &str) -> String {
    let path = if file.starts_with('/') {
        file.to_string()
    } else {
        format!(
            "{}/../../test/fixtures/demangle/{}",
            env!("CARGO_MANIFEST_DIR"),
            file
        )
    };
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {} (run test/fixtures/make-demangle-corpus.sh)",
            path, e
        )
    })
}

fn cases(text: &str) -> Vec<Case<'_>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let (source, mangled, expected) = (f.next(), f.next(), f.next());
            Case {
                source: source.unwrap_or(""),
                mangled: mangled.unwrap_or(""),
                expected: expected.unwrap_or(""),
            }
        })
        .collect()
}

/// What the builder stores for a symbol-table name (no language known): the demangled name,
/// or the raw name when it does not demangle.
fn shown(raw: &str, lang: Lang) -> String {
    demangle(raw, lang).unwrap_or_else(|| raw.to_string())
}

/// Agreement on a corpus; prints every disagreement so a failing run says what to fix.
fn agreement(cases: &[Case<'_>], lang: Lang) -> f64 {
    let mut bad = 0;
    for c in cases {
        let got = shown(c.mangled, lang);
        if got != c.expected {
            bad += 1;
            println!(
                "[{}] {}\n  expected {}\n  got      {}",
                c.source, c.mangled, c.expected, got
            );
        }
    }
    let rate = 1.0 - bad as f64 / cases.len() as f64;
    println!(
        "{} of {} names agree ({:.2}%)",
        cases.len() - bad,
        cases.len(),
        rate * 100.0
    );
    rate
}

#[test]
fn itanium_corpus_matches_llvm_on_at_least_99_5_percent() {
    let text = corpus("itanium.tsv");
    let cases = cases(&text);
    assert!(cases.len() >= 2000, "corpus has {} names", cases.len());
    // Symbol-table entries carry no language; DWARF names of C++ units are demangled as C++.
    assert!(agreement(&cases, Lang::Unknown) >= 0.995);
    assert!(agreement(&cases, Lang::Cpp) >= 0.995);
}

#[test]
fn rare_grammar_productions_match_llvm() {
    // Hand-written names (grammar-names.txt): float and long double literals, folds, requires
    // clauses, modules, thunks, vendor qualifiers... all must match.
    let text = corpus("grammar.tsv");
    assert_eq!(agreement(&cases(&text), Lang::Cpp), 1.0);
}

#[test]
fn rust_legacy_and_v0_names_demangle_without_hashes() {
    let text = corpus("rust.tsv");
    let cases = cases(&text);
    assert!(
        cases.iter().any(|c| c.source == "rustc-v0")
            && cases.iter().any(|c| c.source == "libstd-legacy")
    );
    assert_eq!(agreement(&cases, Lang::Rust), 1.0);
    assert_eq!(agreement(&cases, Lang::Unknown), 1.0);
}

#[test]
fn known_cpp_demangle_0_4_defects_are_gone() {
    // The three kinds of wrong output the packaged cpp_demangle 0.4.0 gave (issue 13, item 5).
    let cases = [
        // an empty pack: no `, >`, no stray `&&` parameter
        (
            "_ZNSt16allocator_traitsISaImEE9constructImJEEEvRS0_PT_DpOT0_",
            "std::allocator_traits<std::allocator<unsigned long>>::construct<unsigned long>(std::allocator<unsigned long>&, unsigned long*)",
        ),
        ("_ZN2v816CTypeInfoBuilderIjJEE5BuildEv", "v8::CTypeInfoBuilder<unsigned int>::Build()"),
        // a function pointer parameter with a const-qualified pointer argument
        ("_Z1fPFPvPKP11objc_objectE", "f(void* (*)(objc_object* const*))"),
    ];
    for (mangled, expected) in cases {
        assert_eq!(shown(mangled, Lang::Cpp), expected, "{}", mangled);
    }
}

#[test]
fn mach_o_and_clone_suffixes() {
    // Mach-O symbol tables add one underscore; clone suffixes print as LLVM prints them.
    let cases = [
        (
            "__ZN7fixture4geom5Shape4areaEv",
            "fixture::geom::Shape::area()",
        ),
        (
            "___ZN7fixture4geom5Shape4areaEv",
            "fixture::geom::Shape::area()",
        ),
        ("_Z3foov.cold", "foo() (.cold)"),
        ("_Z3fooi.part.0.isra.0", "foo(int) (.part.0.isra.0)"),
        (
            "___Z3foov_block_invoke",
            "invocation function for block in foo()",
        ),
        (
            "___Z3foov_block_invoke_2",
            "invocation function for block in foo()",
        ),
    ];
    for (mangled, expected) in cases {
        assert_eq!(shown(mangled, Lang::Unknown), expected, "{}", mangled);
        assert_eq!(shown(mangled, Lang::Cpp), expected, "{}", mangled);
    }
}

#[test]
fn swift_and_other_names_pass_through_unchanged() {
    // Swift 5 (`$s`), Swift 4 (`$S`), Swift 3 and older (`_T0`, `_TF`) and Objective-C
    // names: not demangled by the builder (Symbolicator demangles Swift with its own library),
    // so they must come back exactly as written, never half-decoded as C++ or Rust.
    let raw = [
        "$s4main5helloyyF",
        "_$s4main5helloyyF",
        "$sSS1poiyS2S_SStFZ",
        "$S4main3FooV3barSiyF",
        "_T04main5helloyyF",
        "_TFC4main3Foo3barfT_Si",
        "-[NSObject description]",
        "+[Foo bar:baz:]",
        "main",
        "_ZGVbN2v_acos", // x86 vector function ABI, not an Itanium name
        "_ZTWrong",      // `_Z`-prefixed, but no valid encoding
        "??@a1b2c3d4e5f60718293a4b5c6d7e8f90@",
    ];
    for lang in [Lang::Swift, Lang::Unknown, Lang::C, Lang::ObjC] {
        for name in raw {
            assert_eq!(demangle(name, lang), None, "{} as {:?}", name, lang);
        }
    }
}

#[test]
fn hostile_names_fail_or_stay_bounded() {
    // Deep nesting: past the depth cap, no stack overflow.
    let deep = format!("_Z1f{}i", "P".repeat(100_000));
    assert_eq!(itanium::demangle(&deep, MAX_DEMANGLED), None);
    let deep_args = format!("_Z1f{}i{}", "1AI".repeat(20_000), "E".repeat(20_000));
    assert_eq!(itanium::demangle(&deep_args, MAX_DEMANGLED), None);
    // "Billion laughs": each template argument list repeats the previous one twice.
    let mut laughs = String::from("_Z1fI1AI");
    for i in 0..40 {
        let _ = write!(laughs, "S{}_S{}_", i, i);
    }
    laughs.push_str("EEvv");
    assert!(itanium::demangle(&laughs, MAX_DEMANGLED).map_or(true, |s| s.len() <= MAX_DEMANGLED));
    let mut doubling = String::from("_Z1fI");
    for _ in 0..64 {
        doubling.push_str("1AIS_S_E");
    }
    doubling.push_str("Evv");
    assert!(itanium::demangle(&doubling, MAX_DEMANGLED).map_or(true, |s| s.len() <= MAX_DEMANGLED));
    // Truncations of real names: every prefix fails cleanly or demangles.
    let name = "_ZNSt16allocator_traitsISaImEE9constructImJEEEvRS0_PT_DpOT0_";
    for end in 0..name.len() {
        let _ = itanium::demangle(&name[..end], MAX_DEMANGLED);
    }
    // Lengths count bytes: one that ends inside a UTF-8 character fails instead of splitting it.
    assert_eq!(
        itanium::demangle("_Z3fé", MAX_DEMANGLED).as_deref(),
        Some("fé")
    );
    assert_eq!(itanium::demangle("_Z2fé", MAX_DEMANGLED), None);
    assert_eq!(
        itanium::demangle("_Z18446744073709551617f", MAX_DEMANGLED),
        None
    );
}

/// xorshift64*: a fixed seed gives the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn fuzz_mutated_corpus_names_never_panic_and_stay_bounded() {
    const ALPHABET: &[u8] = b"_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.$";
    let text = corpus("itanium.tsv");
    let names: Vec<&str> = cases(&text).iter().map(|c| c.mangled).collect();
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let started = std::time::Instant::now();
    let mut demangled = 0;
    for _ in 0..200_000 {
        let mut bytes = names[rng.below(names.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(5) {
                0 if at < bytes.len() => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
                1 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                3 => {
                    // duplicate a span: repeated substitutions and template arguments
                    let len = rng.below(16).min(bytes.len() - at.min(bytes.len()));
                    let span: Vec<u8> = bytes[at..at + len].to_vec();
                    for _ in 0..1 + rng.below(8) {
                        bytes.splice(at..at, span.iter().copied());
                    }
                }
                _ => bytes.truncate(at),
            }
        }
        let input = String::from_utf8_lossy(&bytes);
        if let Some(out) = itanium::demangle(&input, MAX_DEMANGLED) {
            assert!(out.len() <= MAX_DEMANGLED);
            demangled += 1;
        }
    }
    println!(
        "200000 mutated names, {} still demangle, {:?}",
        demangled,
        started.elapsed()
    );
    assert!(demangled > 0);
}

/// `cargo test --release -- --ignored --nocapture demangling_speed`: names per second.
#[test]
#[ignore]
fn demangling_speed() {
    let text = corpus("itanium.tsv");
    let names: Vec<&str> = cases(&text).iter().map(|c| c.mangled).collect();
    let rounds = 20;
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        for name in &names {
            bytes += demangle(name, Lang::Cpp).map_or(0, |s| s.len());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{:.0} names/s ({} bytes)",
        (rounds * names.len()) as f64 / secs,
        bytes
    );
}

/// `DEMANGLE_CORPUS=/path/to.tsv cargo test --release -- --ignored --nocapture other_corpus`:
/// agreement on a corpus in the same format made elsewhere (e.g. every name of a binary).
#[test]
#[ignore]
fn other_corpus() {
    let path = std::env::var("DEMANGLE_CORPUS").expect("DEMANGLE_CORPUS=<absolute path>");
    let text = corpus(&path);
    let lang = if path.contains("rust") {
        Lang::Rust
    } else {
        Lang::Cpp
    };
    agreement(&cases(&text), lang);
}
