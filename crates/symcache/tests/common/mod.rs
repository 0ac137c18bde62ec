//! What the integration tests share: fixture files, the builder's output streams, and merging
//! runs level by level as the queue's merge tasks do.
#![allow(dead_code)] // each test binary uses a part

use symcache::host::{native, STREAM_PAGE, STREAM_RUN};
use symcache::merge_runs;

/// A file under test/fixtures/`dir`.
pub fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../test/fixtures/{}/{}",
        env!("CARGO_MANIFEST_DIR"),
        dir,
        name
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {}", path, e))
}

/// The finished pages the last call wrote, with their first addresses.
pub fn take_pages() -> Vec<(u32, Vec<u8>)> {
    native::take_outputs()
        .into_iter()
        .filter(|o| o.0 == STREAM_PAGE)
        .map(|(_, b, first)| (first, b))
        .collect()
}

/// The run bytes the last call wrote.
pub fn take_run() -> Vec<u8> {
    native::take_outputs()
        .into_iter()
        .filter(|o| o.0 == STREAM_RUN)
        .flat_map(|(_, b, _)| b)
        .collect()
}

/// Merges `runs` `fan_in` at a time until one merge is left, then that final one: its pages.
pub fn merge_levels(mut runs: Vec<Vec<u8>>, fan_in: usize) -> Vec<(u32, Vec<u8>)> {
    let sizes = |group: &[Vec<u8>]| -> Vec<(u32, u64)> {
        group
            .iter()
            .enumerate()
            .map(|(i, r)| (i as u32, r.len() as u64))
            .collect()
    };
    while runs.len() > fan_in {
        let mut next = Vec::new();
        for group in runs.chunks(fan_in) {
            native::set_sources(group.to_vec());
            merge_runs(&sizes(group), false, 64 * 1024).expect("intermediate merge");
            next.push(take_run());
        }
        runs = next;
    }
    native::set_sources(runs.clone());
    merge_runs(&sizes(&runs), true, 64 * 1024).expect("final merge");
    take_pages()
}
