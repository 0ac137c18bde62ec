//! One module's procedures → writer records: names, the innermost line at every address and
//! the inline chain, in the shape `writer::Writer::add_function` takes (the same as DWARF's).
//!
//! CodeView and DWARF describe inlining from opposite ends. DWARF's line table gives the
//! *innermost* line and each inlined subroutine its call site. CodeView's DEBUG_S_LINES gives
//! the *outermost* function's line (the call site of the outermost inlined call), and each
//! inline site's annotations give the lines inside that inlinee (see inlinees.rs). So:
//!
//! * the innermost line at an address is the row of the deepest inline site covering it, or
//!   the procedure's own line-table row where no site does;
//! * the call site of a site at an address is its parent's row there: the enclosing site's
//!   annotation row, or the procedure's line-table row for a direct callee. A site's range is
//!   cut where that row changes, so every piece has one call line.
//!
//! Which module owns code: with identical-code folding, several modules keep a procedure at
//! one address; the one whose section contribution covers the address is the one that names
//! it (LLVM's `moduleIndexForSectOffset` picks it the same way), the others are skipped.

use super::address::AddressMap;
use super::dbi::Contribution;
use super::inlinees::{self, SiteRow};
use super::lines::{LineRow, C13};
use super::modules::{self, Proc, Site};
use super::msf::PagedStream;
use super::names::Names;
use super::publics::Publics;
use super::srcsrv::SourceLinks;
use super::types::InlineeNames;
use crate::hash::FxHashMap;
use crate::lang::Lang;
use crate::writer::{InlineRec, LineSeg, Writer, NONE};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The tables every module needs, read once per PDB. A build unit that converts one module
/// stream needs exactly these (plus the module stream): the section headers and OMAP, the
/// `/names` strings, the inlinee names of the IPI stream (with TPI class names), the publics,
/// the section contributions and the source links.
pub struct Shared<'a> {
    pub map: AddressMap,
    pub names: Names<'a>,
    pub inlinee_names: InlineeNames<Option<PagedStream<'a>>>,
    pub publics: Publics,
    /// Section contributions sorted by `(section, offset)`.
    pub contributions: Vec<Contribution>,
    /// Source file → versioned URL, from the `srcsrv` stream.
    pub source_links: SourceLinks,
}

impl<'a> Shared<'a> {
    /// The module whose section contribution covers `section:offset`, if any.
    fn owner(&self, section: u16, offset: u32) -> Option<u16> {
        let key = (section, offset);
        let i = self
            .contributions
            .partition_point(|c| (c.section, c.offset) <= key)
            .checked_sub(1)?;
        let c = self.contributions[i];
        (c.section == section && u64::from(offset) < u64::from(c.offset) + u64::from(c.size))
            .then_some(c.module)
    }
}

/// A row in image-relative addresses.
#[derive(Clone, Copy)]
struct Row {
    start: u64,
    end: u64,
    file: u32,
    line: u32,
}

/// Converts one module stream; broken records are skipped, never fatal.
pub fn process_module(
    shared: &mut Shared<'_>,
    module: u16,
    symbols: &[u8],
    c13: &[u8],
    writer: &mut Writer,
) {
    let c13 = C13::parse(c13);
    let mut m = ModuleConverter {
        module,
        rows: c13.line_rows(&shared.map),
        inlinee_lines: c13.inlinee_lines(),
        c13,
        files: FxHashMap::default(),
        scratch: Scratch::default(),
    };
    modules::walk(symbols, |lang, proc, sites| {
        m.procedure(shared, writer, lang, proc, sites)
    });
}

#[derive(Default)]
struct Scratch {
    ranges: Vec<(u64, u64)>,
    outer: Vec<Row>,
    site_rows: Vec<Vec<Row>>,
    decoded: Vec<SiteRow>,
    valid: Vec<bool>,
    functions: Vec<u32>,
    lines: Vec<LineSeg>,
    inlinees: Vec<InlineRec>,
}

struct ModuleConverter<'a> {
    module: u16,
    c13: C13<'a>,
    rows: Vec<LineRow>,
    inlinee_lines: FxHashMap<u32, (u32, u32)>,
    /// Checksum offset → writer file.
    files: FxHashMap<u32, u32>,
    scratch: Scratch,
}

impl<'a> ModuleConverter<'a> {
    fn procedure(
        &mut self,
        shared: &mut Shared<'_>,
        writer: &mut Writer,
        lang: Lang,
        proc: &Proc<'_>,
        sites: &[Site<'_>],
    ) {
        // The scratch buffers are reused from procedure to procedure.
        let mut s = std::mem::take(&mut self.scratch);
        self.convert(&mut s, shared, writer, lang, proc, sites);
        self.scratch = s;
    }

    fn convert(
        &mut self,
        s: &mut Scratch,
        shared: &mut Shared<'_>,
        writer: &mut Writer,
        lang: Lang,
        proc: &Proc<'_>,
        sites: &[Site<'_>],
    ) {
        if shared
            .owner(proc.section, proc.offset)
            .map_or(false, |m| m != self.module)
        {
            return;
        }
        let entry = match shared.map.rva(proc.section, proc.offset) {
            Some(e) if e <= u64::from(u32::MAX) => e,
            _ => return,
        };
        s.ranges.clear();
        shared
            .map
            .ranges(proc.section, proc.offset, proc.len, |a, b| {
                s.ranges.push((a, b))
            });
        s.ranges.retain(|r| r.0 <= u64::from(u32::MAX));
        if s.ranges.is_empty() || !writer.first_time_seen(s.ranges[0].0, s.ranges[0].1) {
            return;
        }
        for &(section, offset, len) in &proc.separated {
            shared.map.ranges(section, offset, len, |a, b| {
                if a <= u64::from(u32::MAX) {
                    s.ranges.push((a, b));
                }
            });
        }
        // llvm-symbolizer names a procedure after the public symbol at its start, if any.
        let name = shared.publics.at(entry).unwrap_or(proc.name);
        let function = match writer.function(name, entry as u32, Some(lang)) {
            Ok(f) => f,
            Err(_) => return,
        };

        // The procedure's own line-table rows.
        s.outer.clear();
        for &(lo, hi) in &s.ranges {
            let first = self.rows.partition_point(|r| r.end <= lo);
            for i in first..self.rows.len() {
                let r = self.rows[i];
                if r.start >= hi {
                    break;
                }
                let file = self.file(shared, writer, r.file);
                s.outer.push(Row {
                    start: r.start.max(lo),
                    end: r.end.min(hi),
                    file,
                    line: r.line,
                });
            }
        }
        // Separated blocks may lie before the procedure: call sites search these rows in order.
        s.outer.sort_by_key(|r| r.start);

        // Inline sites: rows in addresses, their functions, whether usable (a site without an
        // inlinee line entry has no rows, and neither do its children then).
        s.site_rows.resize_with(sites.len(), Vec::new);
        s.valid.clear();
        s.functions.clear();
        for (i, site) in sites.iter().enumerate() {
            let rows = &mut s.site_rows[i];
            rows.clear();
            let parent_ok = site
                .parent
                .map_or(true, |p| s.valid.get(p).copied().unwrap_or(false));
            let start = if parent_ok {
                self.inlinee_lines.get(&site.inlinee).copied()
            } else {
                None
            };
            let (file, line) = match start {
                Some(x) => x,
                None => {
                    s.valid.push(false);
                    s.functions.push(NONE);
                    continue;
                }
            };
            inlinees::decode(site.annotations, file, line, &mut s.decoded);
            for d in &s.decoded {
                let f = self.file(shared, writer, d.file);
                shared.map.ranges(
                    proc.section,
                    proc.offset.wrapping_add(d.offset),
                    d.len,
                    |a, b| {
                        rows.push(Row {
                            start: a,
                            end: b,
                            file: f,
                            line: d.line,
                        });
                    },
                );
            }
            rows.sort_by_key(|r| r.start);
            let name = shared.inlinee_names.get(site.inlinee).unwrap_or(&[]);
            let f = writer.function(name, NONE, Some(lang)).unwrap_or(NONE);
            s.valid.push(f != NONE && !rows.is_empty());
            s.functions.push(f);
        }

        innermost_lines(&s.outer, sites, &s.site_rows, &s.valid, &mut s.lines);
        s.inlinees.clear();
        for (i, site) in sites.iter().enumerate() {
            if !s.valid[i] {
                continue;
            }
            let parent_rows = match site.parent {
                Some(p) => &s.site_rows[p],
                None => &s.outer,
            };
            for r in &s.site_rows[i] {
                call_sites(r, parent_rows, site.depth, s.functions[i], &mut s.inlinees);
            }
        }
        for &(lo, hi) in &s.ranges {
            writer.add_function(function, lo, hi, &s.lines, &s.inlinees);
        }
    }

    fn file(&mut self, shared: &Shared<'_>, writer: &mut Writer, checksum_offset: u32) -> u32 {
        if let Some(&f) = self.files.get(&checksum_offset) {
            return f;
        }
        let name = self
            .c13
            .file_name_offset(checksum_offset)
            .and_then(|n| shared.names.get(n));
        let f = match name {
            Some(n) if !n.is_empty() => {
                let f = writer.file(&[], &[], n).unwrap_or(NONE);
                if let Some(url) = shared.source_links.get(n) {
                    // Only a full string table fails here; the file is still named.
                    let _ = writer.source_link(f, url.as_bytes());
                }
                f
            }
            _ => NONE,
        };
        self.files.insert(checksum_offset, f);
        f
    }
}

/// The innermost row at every address: the deepest usable site's, else the procedure's own.
fn innermost_lines(
    outer: &[Row],
    sites: &[Site<'_>],
    site_rows: &[Vec<Row>],
    valid: &[bool],
    out: &mut Vec<LineSeg>,
) {
    out.clear();
    // (start, end, depth + 1 (0 = the procedure), order, file, line)
    let mut segs: Vec<(u64, u64, u32, u32, u32, u32)> = outer
        .iter()
        .map(|r| (r.start, r.end, 0, 0, r.file, r.line))
        .collect();
    for (i, site) in sites.iter().enumerate() {
        if valid.get(i) == Some(&true) {
            segs.extend(
                site_rows[i]
                    .iter()
                    .map(|r| (r.start, r.end, site.depth + 1, i as u32, r.file, r.line)),
            );
        }
    }
    segs.sort_unstable_by_key(|s| s.0);
    let mut bounds: Vec<u64> = segs.iter().flat_map(|s| [s.0, s.1]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut active: BinaryHeap<(u32, u32, Reverse<u64>, u32, u32)> = BinaryHeap::new();
    let mut next = 0;
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        while next < segs.len() && segs[next].0 <= a {
            let s = segs[next];
            active.push((s.2, s.3, Reverse(s.1), s.4, s.5));
            next += 1;
        }
        while active.peek().map_or(false, |t| (t.2).0 <= a) {
            active.pop();
        }
        // Ended entries below the top are dropped once they surface; the top is live.
        if let Some(&(_, _, _, file, line)) = active.peek() {
            match out.last_mut() {
                Some(l) if l.end == a && l.file == file && l.line == line => l.end = b,
                _ => out.push(LineSeg {
                    start: a,
                    end: b,
                    file,
                    line,
                }),
            }
        }
    }
}

/// Inline records per procedure beyond this are dropped: real procedures have hundreds, and
/// rows that each overlap thousands of parent rows only come from hostile files.
const MAX_INLINE_RECORDS: usize = 1 << 20;

/// The pieces of one site row, each with the parent's row there as its call site.
fn call_sites(r: &Row, parent: &[Row], depth: u32, function: u32, out: &mut Vec<InlineRec>) {
    if out.len() >= MAX_INLINE_RECORDS {
        return;
    }
    let mut push = |start: u64, end: u64, call_file: u32, call_line: u32| {
        if end <= start {
            return;
        }
        match out.last_mut() {
            Some(l)
                if l.end == start
                    && l.depth == depth
                    && l.function == function
                    && l.call_file == call_file
                    && l.call_line == call_line =>
            {
                l.end = end
            }
            _ => out.push(InlineRec {
                start,
                end,
                depth,
                function,
                call_file,
                call_line,
            }),
        }
    };
    let mut pos = r.start;
    let first = parent.partition_point(|p| p.end <= r.start);
    for p in parent[first..]
        .iter()
        .take_while(|p| p.start < r.end)
        .take(MAX_INLINE_RECORDS)
    {
        if p.start > pos {
            push(pos, p.start.min(r.end), NONE, 0);
        }
        let (a, b) = (pos.max(p.start), r.end.min(p.end));
        push(a, b, p.file, p.line);
        pos = pos.max(b);
    }
    push(pos, r.end, NONE, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start: u64, end: u64, line: u32) -> Row {
        Row {
            start,
            end,
            file: 0,
            line,
        }
    }

    #[test]
    fn deepest_row_wins_and_call_sites_follow_the_parent() {
        let outer = vec![row(0, 0x10, 18), row(0x10, 0x20, 20)];
        let sites = vec![
            Site {
                parent: None,
                depth: 0,
                inlinee: 1,
                annotations: &[],
            },
            Site {
                parent: Some(0),
                depth: 1,
                inlinee: 2,
                annotations: &[],
            },
        ];
        let site_rows = vec![
            vec![row(0x8, 0x18, 21)],
            vec![row(0xC, 0xE, 14), row(0xE, 0x14, 15)],
        ];
        let mut lines = Vec::new();
        innermost_lines(&outer, &sites, &site_rows, &[true, true], &mut lines);
        let got: Vec<_> = lines.iter().map(|l| (l.start, l.end, l.line)).collect();
        assert_eq!(
            got,
            vec![
                (0, 8, 18),
                (8, 0xC, 21),
                (0xC, 0xE, 14),
                (0xE, 0x14, 15),
                (0x14, 0x18, 21),
                (0x18, 0x20, 20)
            ]
        );

        let mut recs = Vec::new();
        call_sites(&site_rows[0][0], &outer, 0, 7, &mut recs);
        let got: Vec<_> = recs.iter().map(|r| (r.start, r.end, r.call_line)).collect();
        assert_eq!(got, vec![(0x8, 0x10, 18), (0x10, 0x18, 20)]);
        recs.clear();
        for r in &site_rows[1] {
            call_sites(r, &site_rows[0], 1, 8, &mut recs);
        }
        let got: Vec<_> = recs.iter().map(|r| (r.start, r.end, r.call_line)).collect();
        assert_eq!(got, vec![(0xC, 0x14, 21)]);
        recs.clear();
        call_sites(&row(0x18, 0x28, 1), &outer, 0, 7, &mut recs);
        let got: Vec<_> = recs.iter().map(|r| (r.start, r.end, r.call_line)).collect();
        assert_eq!(got, vec![(0x18, 0x20, 20), (0x20, 0x28, 0)]);
    }
}
