//! The `srcsrv` stream: source indexing, which maps each source file the PDB names to the exact
//! version of it in source control (Microsoft's "Source Server", written by `pdbstr`, or by
//! lld-link `/pdbstream:srcsrv=<file>`). We keep the files it maps to a plain URL: those become
//! the `source_link` of frames, as Symbolicator returns it.
//!
//! ```text
//! SRCSRV: ini ------------------------------------------------
//! VERSION=2
//! SRCSRV: variables ------------------------------------------
//! NAME=value                 (names are case-insensitive; values may use %NAME%, %varN%,
//! ...                         %fnvar%(x), %fnbksl%(x), %fnfile%(x))
//! SRCSRVTRG=...              the location of a file's version (a URL, or a local path that
//! SRCSRVCMD=...              this command, when there is one, must create)
//! SRCSRV: source files ---------------------------------------
//! <path>*<var2>*<var3>...    one line per file; %var1% is the path as the PDB names it
//! SRCSRV: end ------------------------------------------------
//! ```
//! (Microsoft: "Source Server" in the Debugging Tools for Windows documentation,
//! `srcsrv.doc` / "The Srcsrv.ini File" and "Source Indexing".)
//!
//! A file gets a link when, expanded for it, SRCSRVTRG is an `http://` or `https://` URL and
//! SRCSRVCMD is empty: the file is then downloaded from that URL as is. Files fetched by a
//! command (Perforce, TFS, git clients) get none. Paths are matched ignoring ASCII case and
//! the kind of slash, as srcsrv.dll does on Windows.

use crate::hash::FxHashMap;
use std::cell::Cell;

const MAX_EXPANSION: usize = 4096;
const MAX_DEPTH: u32 = 16;
/// Variable references expanded per file at most: values that each name many others (empty
/// ones, so the length cap never trips) would otherwise take exponential time.
const MAX_STEPS: u32 = 10_000;

#[derive(Default)]
pub struct SourceLinks {
    by_path: FxHashMap<Vec<u8>, String>,
}

impl SourceLinks {
    pub fn parse(data: &[u8]) -> Self {
        let text = String::from_utf8_lossy(data);
        let mut vars: Vec<(String, String)> = Vec::new();
        let mut files: Vec<Vec<&str>> = Vec::new();
        let mut section = "";
        for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
            if let Some(rest) = line.strip_prefix("SRCSRV:") {
                section = rest.trim().split(' ').next().unwrap_or("");
                continue;
            }
            match section {
                "variables" => {
                    if let Some((name, value)) = line.split_once('=') {
                        vars.push((name.trim().to_ascii_lowercase(), value.to_string()));
                    }
                }
                "source" if !line.is_empty() => files.push(line.split('*').collect()),
                _ => {}
            }
        }
        let mut by_path = FxHashMap::default();
        for fields in files {
            let path = match fields.first() {
                Some(p) if !p.is_empty() => *p,
                _ => continue,
            };
            let ctx = Expander {
                vars: &vars,
                fields: &fields,
                steps: Cell::new(0),
            };
            let command = ctx.variable("srcsrvcmd", 0).unwrap_or_default();
            let target = match ctx.variable("srcsrvtrg", 0) {
                Some(t) => t,
                None => continue,
            };
            let lower = target.to_ascii_lowercase();
            if command.trim().is_empty()
                && (lower.starts_with("https://") || lower.starts_with("http://"))
            {
                by_path.insert(key(path.as_bytes()), target);
            }
        }
        SourceLinks { by_path }
    }

    pub fn get(&self, path: &[u8]) -> Option<&str> {
        if self.by_path.is_empty() {
            return None;
        }
        self.by_path.get(&key(path)).map(String::as_str)
    }
}

fn key(path: &[u8]) -> Vec<u8> {
    path.iter()
        .map(|&b| {
            if b == b'\\' {
                b'/'
            } else {
                b.to_ascii_lowercase()
            }
        })
        .collect()
}

struct Expander<'a> {
    vars: &'a [(String, String)],
    fields: &'a [&'a str],
    steps: Cell<u32>,
}

impl<'a> Expander<'a> {
    /// The expanded value of a variable (`varN` are the file's fields); `None` if it is unknown
    /// or does not expand (cycles, too long, unknown functions).
    fn variable(&self, name: &str, depth: u32) -> Option<String> {
        self.steps.set(self.steps.get() + 1);
        if depth > MAX_DEPTH || self.steps.get() > MAX_STEPS {
            return None;
        }
        let name = name.to_ascii_lowercase();
        if let Some(n) = name
            .strip_prefix("var")
            .and_then(|n| n.parse::<usize>().ok())
        {
            return self.fields.get(n.checked_sub(1)?).map(|f| f.to_string());
        }
        let (_, value) = self.vars.iter().find(|(n, _)| *n == name)?;
        self.expand(value, depth + 1)
    }

    fn expand(&self, text: &str, depth: u32) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('%') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after.find('%')?;
            let name = &after[..end];
            rest = &after[end + 1..];
            let lower = name.to_ascii_lowercase();
            let value = if lower == "fnvar" || lower == "fnbksl" || lower == "fnfile" {
                // A function: its argument is the parenthesized text that follows, expanded.
                let inner = rest.strip_prefix('(')?;
                let close = inner.find(')')?;
                let arg = self.expand(&inner[..close], depth + 1)?;
                rest = &inner[close + 1..];
                match lower.as_str() {
                    "fnvar" => self.variable(&arg, depth + 1)?,
                    "fnbksl" => arg.replace('/', "\\"),
                    _ => arg.rsplit(['/', '\\']).next().unwrap_or("").to_string(),
                }
            } else {
                self.variable(name, depth + 1)?
            };
            out.push_str(&value);
            if out.len() > MAX_EXPANSION {
                return None;
            }
        }
        out.push_str(rest);
        (out.len() <= MAX_EXPANSION).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "SRCSRV: ini ------------------------------------------------\r\n\
VERSION=2\r\n\
VERCTRL=http\r\n\
SRCSRV: variables ------------------------------------------\r\n\
HTTP_ALIAS=https://raw.githubusercontent.com/acme/app\r\n\
HTTP_EXTRACT_TARGET=%HTTP_ALIAS%/%var2%/%fnbksl%(%var3%)\r\n\
SRCSRVTRG=%http_extract_target%\r\n\
SRCSRV: source files ---------------------------------------\r\n\
C:\\src\\app\\main.c*abc123*src/main.c\r\n\
C:\\src\\app\\util.h*abc123*src/util.h\r\n\
SRCSRV: end ------------------------------------------------\r\n";

    #[test]
    fn expands_http_targets_per_file() {
        let links = SourceLinks::parse(STREAM.as_bytes());
        assert_eq!(
            links.get(b"c:/SRC/app/main.c"),
            Some("https://raw.githubusercontent.com/acme/app/abc123/src\\main.c")
        );
        assert_eq!(
            links.get(b"C:\\src\\app\\util.h"),
            Some("https://raw.githubusercontent.com/acme/app/abc123/src\\util.h")
        );
        assert_eq!(links.get(b"C:\\src\\app\\other.c"), None);
    }

    #[test]
    fn files_fetched_by_a_command_have_no_link() {
        let perforce = "SRCSRV: variables ------\r\nP4_EXTRACT_TARGET=%targ%\\%var2%\r\nSRCSRVTRG=%P4_EXTRACT_TARGET%\r\n\
SRCSRVCMD=p4.exe print -o %SRCSRVTRG% -q \"//%var3%#%var4%\"\r\nSRCSRV: source files ---\r\nc:\\a.c*x*depot/a.c*12\r\nSRCSRV: end ---\r\n";
        assert_eq!(
            SourceLinks::parse(perforce.as_bytes()).get(b"c:\\a.c"),
            None
        );
    }

    #[test]
    fn survives_cycles_and_garbage() {
        let cyclic = "SRCSRV: variables --\nA=%B%\nB=%A%\nSRCSRVTRG=http://x/%A%\nSRCSRV: source files --\nf*1\n";
        assert_eq!(SourceLinks::parse(cyclic.as_bytes()).get(b"f"), None);
        let fnvar = "SRCSRV: variables --\nX=http://h/%fnfile%(%var1%)\nSRCSRVTRG=%fnvar%(X)\nSRCSRV: source files --\n/a/b.c\n";
        assert_eq!(
            SourceLinks::parse(fnvar.as_bytes()).get(b"/a/b.c"),
            Some("http://h/b.c")
        );
        let mut bomb = String::from("SRCSRV: variables --\nV0=\n");
        for i in 1..12 {
            let line = format!("V{}={}\n", i, format!("%V{}%", i - 1).repeat(50));
            bomb.push_str(&line);
        }
        bomb.push_str("SRCSRVTRG=http://x/%V11%\nSRCSRV: source files --\nf\n");
        let started = std::time::Instant::now();
        assert_eq!(SourceLinks::parse(bomb.as_bytes()).get(b"f"), None);
        assert!(started.elapsed().as_secs() < 2);
        for n in 0..STREAM.len() {
            let _ = SourceLinks::parse(&STREAM.as_bytes()[..n]);
        }
        let _ = SourceLinks::parse(&[0xff, 0xfe, b'%', b'(', b'\n']);
    }
}
