//! SourceLink: the JSON a .NET build stores in the Portable PDB (custom debug information of
//! kind SourceLink on the module) that maps local source paths to URLs of their exact version
//! (dotnet/designs `accepted/2020/diagnostics/source-link.md`):
//!
//! ```json
//! {"documents": {"/build/src/*": "https://raw.githubusercontent.com/org/repo/<commit>/*"}}
//! ```
//!
//! A key is a full path, or a prefix ending in `*`; paths match ASCII-case-insensitively and the most
//! specific (longest) key wins. The part the `*` matched replaces the `*` in the URL, with `\`
//! turned into `/`. The JSON reader below reads only what this needs: an object of strings
//! under "documents"; anything else in the file is skipped.

use super::metadata::{Metadata, TAG_MODULE};
use super::{Stats, SOURCE_LINK};

pub struct SourceLinks {
    /// (key without its `*`, is a prefix, URL)
    mappings: Vec<(String, bool, String)>,
}

impl SourceLinks {
    pub fn resolve(&self, path: &[u8]) -> Option<String> {
        let path = std::str::from_utf8(path).ok()?;
        let lower = path.to_ascii_lowercase();
        let mut best: Option<&(String, bool, String)> = None;
        for m in &self.mappings {
            let matches = if m.1 {
                lower.starts_with(&m.0)
            } else {
                lower == m.0
            };
            if matches && best.map_or(true, |b| m.0.len() > b.0.len()) {
                best = Some(m);
            }
        }
        let (key, prefix, url) = best?;
        if !*prefix {
            return Some(url.clone());
        }
        // The key was lower-cased; the rest of the path keeps its case.
        let rest = path.get(key.len()..).unwrap_or("").replace('\\', "/");
        Some(url.replacen('*', &rest, 1))
    }
}

/// The module's SourceLink mappings, if it has any that parse.
pub fn mappings(md: &Metadata, stats: &mut Stats) -> Option<SourceLinks> {
    for row in 1..=md.rows[super::metadata::CUSTOM_DEBUG_INFORMATION] {
        let mut r = md.row(super::metadata::CUSTOM_DEBUG_INFORMATION, row)?;
        let parent = r.index(md.wide_coded())?;
        let kind = r.index(md.wide_guids).and_then(|g| md.guid(g));
        let value = r.index(md.wide_blobs)?;
        if parent & 0x1F != TAG_MODULE || kind != Some(&SOURCE_LINK[..]) {
            continue;
        }
        let json = std::str::from_utf8(md.blob(value)?).ok()?;
        let links = parse(json)?;
        stats.source_link = true;
        return Some(links);
    }
    None
}

fn parse(json: &str) -> Option<SourceLinks> {
    let mut p = Json {
        s: json.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.ws();
    p.expect(b'{')?;
    let mut mappings = Vec::new();
    loop {
        p.ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.ws();
        p.expect(b':')?;
        p.ws();
        if key == "documents" {
            p.expect(b'{')?;
            loop {
                p.ws();
                if p.eat(b'}') {
                    break;
                }
                let pattern = p.string()?;
                p.ws();
                p.expect(b':')?;
                p.ws();
                let url = p.string()?;
                let prefix = pattern.ends_with('*');
                let key = pattern.trim_end_matches('*').to_ascii_lowercase();
                // The URL of a prefix key must have a `*` to put the rest of the path into.
                if !prefix || url.contains('*') {
                    mappings.push((key, prefix, url));
                }
                p.ws();
                if !p.eat(b',') {
                    p.ws();
                    p.expect(b'}')?;
                    break;
                }
            }
        } else {
            p.skip_value()?;
        }
        p.ws();
        if !p.eat(b',') {
            p.ws();
            p.expect(b'}')?;
            break;
        }
    }
    Some(SourceLinks { mappings })
}

struct Json<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
}

impl Json<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        if self.eat(c) {
            Some(())
        } else {
            None
        }
    }

    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.pos)?;
            self.pos += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.s.get(self.pos)?;
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex =
                                std::str::from_utf8(self.s.get(self.pos..self.pos + 4)?).ok()?;
                            self.pos += 4;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)
                                .unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return None,
                    }
                }
                _ => out.push(c),
            }
        }
    }

    /// Skips any JSON value (nesting bounded).
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match *self.s.get(self.pos)? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                self.depth += 1;
                if self.depth > 64 {
                    return None;
                }
                self.pos += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                loop {
                    self.ws();
                    if self.eat(close) {
                        break;
                    }
                    if open == b'{' {
                        self.string()?;
                        self.ws();
                        self.expect(b':')?;
                    }
                    self.skip_value()?;
                    self.ws();
                    if !self.eat(b',') {
                        self.ws();
                        self.expect(close)?;
                        break;
                    }
                }
                self.depth -= 1;
                Some(())
            }
            _ => {
                let start = self.pos;
                while matches!(self.s.get(self.pos), Some(c) if !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'))
                {
                    self.pos += 1;
                }
                if self.pos > start {
                    Some(())
                } else {
                    None
                }
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::parse;

    #[test]
    fn longest_key_wins_and_the_star_takes_the_rest() {
        let links = parse(r#"{"documents": {"/build/*": "https://a/*", "/build/lib/*": "https://b/x/*", "C:\\src\\one.cs": "https://c/one.cs"}, "other": [1, {"x": null}]}"#).unwrap();
        assert_eq!(
            links.resolve(b"/build/lib/a/B.cs").as_deref(),
            Some("https://b/x/a/B.cs")
        );
        assert_eq!(
            links.resolve(b"/BUILD/Program.cs").as_deref(),
            Some("https://a/Program.cs")
        );
        assert_eq!(
            links.resolve(b"C:\\SRC\\one.cs").as_deref(),
            Some("https://c/one.cs")
        );
        assert_eq!(links.resolve(b"/elsewhere/x.cs"), None);
        assert!(parse("{\"documents\": {").is_none());
    }
}
