//! Every link in a document that is both a repository file and a page of
//! the API docs works in both places. src/lib.rs makes the README the crate
//! documentation and src/documents.rs shows SECURITY.md, BENCHMARKS.md and
//! LICENSE (each `doc = include_str!(..)`). On docs.rs a relative link such
//! as `SECURITY.md` resolves against the docs' own address, where there is
//! no such file. So links to files are reference-style, and the doc comment
//! right above the include defines the same labels first, as intra-doc
//! paths: the first definition of a label wins, so rustdoc follows those and
//! the repository page the file's own.
//!
//! The Markdown is read by a small scanner, not a full CommonMark parser: it
//! knows fenced code, code spans, HTML comments, headings, link definitions
//! and inline, reference and shortcut links, which is what these files use.
//! That the intra-doc paths resolve is rustdoc's to check
//! (`RUSTDOCFLAGS="-D warnings" cargo doc`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A link as written: its destination, or the label that names one.
#[derive(Debug, PartialEq)]
enum Link {
    /// `[text](dest)`, `![alt](dest)`, or an HTML `href`/`src`.
    Inline(String),
    /// `[text][label]`, or `[label][]`.
    Reference(String),
    /// `[label]`: a link only when the label is defined.
    Shortcut(String),
}

/// What the scanner finds in a Markdown text.
#[derive(Debug, Default)]
struct Scan {
    /// `[label]: dest`, in order (the first of a label wins).
    definitions: Vec<(String, String)>,
    links: Vec<Link>,
    /// The anchors the headings get, duplicates numbered as both GitHub and
    /// rustdoc number them.
    anchors: Vec<String>,
}

impl Scan {
    /// The destination a label leads to: its first definition.
    fn resolve(&self, label: &str) -> Option<&str> {
        let label = normalize(label);
        self.definitions
            .iter()
            .find(|(l, _)| normalize(l) == label)
            .map(|(_, dest)| dest.as_str())
    }

    /// Every destination a reader can follow, with the link as written.
    fn destinations(&self) -> Vec<(String, String)> {
        self.links
            .iter()
            .filter_map(|link| match link {
                Link::Inline(dest) => Some((format!("({dest})"), dest.clone())),
                Link::Reference(label) | Link::Shortcut(label) => self
                    .resolve(label)
                    .map(|dest| (format!("[{label}]"), dest.to_string())),
            })
            .collect()
    }

    /// `[text][label]` links whose label has no definition: plain text.
    fn undefined_references(&self) -> Vec<&str> {
        self.links
            .iter()
            .filter_map(|link| match link {
                Link::Reference(label) if self.resolve(label).is_none() => Some(label.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Labels match case-insensitively, with runs of white space as one space.
fn normalize(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The anchor a heading's text gets: lower case, white space as `-`, every
/// other character but letters, digits, `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// `[label]: dest` on a line of its own (up to three spaces in).
fn definition(line: &str) -> Option<(String, String)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line[indent..].strip_prefix('[').filter(|_| indent <= 3)?;
    let (label, rest) = rest.split_once("]:")?;
    let dest = rest.split_whitespace().next()?;
    let dest = dest.trim_start_matches('<').trim_end_matches('>');
    Some((label.to_string(), dest.to_string()))
}

/// The text of an ATX heading (`## Text`), if the line is one.
fn heading(line: &str) -> Option<&str> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let hashes = trimmed.len() - trimmed.trim_start_matches('#').len();
    let text = &trimmed[hashes..];
    if !(1..=6).contains(&hashes) || !(text.is_empty() || text.starts_with([' ', '\t'])) {
        return None;
    }
    Some(text.trim().trim_end_matches('#').trim())
}

/// The opening of a code fence: its character and length.
fn fence(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.len() - trimmed.trim_start_matches(c).len();
    (len >= 3).then_some((c, len))
}

/// `text` with code spans, HTML comments and backslash escapes blanked out,
/// so that brackets in them are not read as links.
fn blank_code(text: &str) -> Vec<char> {
    let mut chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            chars[i + 1] = ' ';
            i += 2;
        } else if chars[i..].starts_with(&['<', '!', '-', '-']) {
            let end = (i + 4..chars.len())
                .find(|&j| chars[j..].starts_with(&['-', '-', '>']))
                .map_or(chars.len(), |j| j + 3);
            chars[i..end].fill(' ');
            i = end;
        } else if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|c| **c == '`').count();
            // The closing run has the same length and lies in the same
            // paragraph; without one the backticks are literal.
            let mut j = i + run;
            let mut close = None;
            while j < chars.len() && !chars[j..].starts_with(&['\n', '\n']) {
                let n = chars[j..].iter().take_while(|c| **c == '`').count();
                if n == run {
                    close = Some(j);
                    break;
                }
                j += n.max(1);
            }
            match close {
                Some(j) => {
                    chars[i..j + run].fill(' ');
                    i = j + run;
                }
                None => i += run,
            }
        } else {
            i += 1;
        }
    }
    chars
}

/// The links in prose (code already blanked).
fn links(chars: &[char]) -> Vec<Link> {
    let text: String = chars.iter().collect();
    let mut found = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        for (at, _) in text.match_indices(attribute) {
            let rest = &text[at + attribute.len()..];
            found.push(Link::Inline(
                rest[..rest.find('"').unwrap_or(0)].to_string(),
            ));
        }
    }
    let mut open = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '[' => open.push(i),
            ']' if !open.is_empty() => {
                let start = open.pop().unwrap_or(0);
                let inner: String = chars[start + 1..i].iter().collect();
                match chars.get(i + 1) {
                    Some('(') => {
                        let dest: String = chars[i + 2..]
                            .iter()
                            .skip_while(|c| c.is_whitespace())
                            .take_while(|c| !c.is_whitespace() && **c != ')')
                            .collect();
                        let dest = dest.trim_start_matches('<').trim_end_matches('>');
                        found.push(Link::Inline(dest.to_string()));
                        open.clear();
                    }
                    Some('[') => {
                        let Some(len) = chars[i + 2..].iter().position(|c| *c == ']') else {
                            i += 1;
                            continue;
                        };
                        let label: String = chars[i + 2..i + 2 + len].iter().collect();
                        found.push(Link::Reference(if label.trim().is_empty() {
                            inner
                        } else {
                            label
                        }));
                        open.clear();
                        i += 2 + len;
                    }
                    _ => found.push(Link::Shortcut(inner)),
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Scans a Markdown text: fenced code is skipped, definitions and headings
/// are read line by line, links from the rest.
fn scan(markdown: &str) -> Scan {
    let mut scan = Scan::default();
    let mut prose = String::new();
    let mut in_fence: Option<(char, usize)> = None;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for line in markdown.lines() {
        if let Some((c, len)) = in_fence {
            if fence(line).is_some_and(|(d, n)| d == c && n >= len) {
                in_fence = None;
            }
            prose.push('\n');
            continue;
        }
        if let Some(open) = fence(line) {
            in_fence = Some(open);
            prose.push('\n');
        } else if let Some(def) = definition(line) {
            scan.definitions.push(def);
            prose.push('\n');
        } else {
            if let Some(text) = heading(line) {
                let visible: String = blank_code(&text.replace('`', ""))
                    .into_iter()
                    .filter(|c| !matches!(c, '*' | '[' | ']'))
                    .collect();
                let base = slug(&visible);
                let n = seen.entry(base.clone()).or_insert(0);
                scan.anchors.push(match *n {
                    0 => base,
                    k => format!("{base}-{k}"),
                });
                *n += 1;
            }
            prose.push_str(line);
            prose.push('\n');
        }
    }
    scan.links = links(&blank_code(&prose));
    scan
}

/// A URL with a scheme (`https:`, `mailto:`), not a Rust path.
fn is_url(dest: &str) -> bool {
    let scheme = dest.split(':').next().unwrap_or("");
    !dest.contains("::")
        && dest.contains(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
}

/// An intra-doc path (`crate::documents::security`), which rustdoc resolves.
fn is_rust_path(dest: &str) -> bool {
    dest.contains("::")
}

/// A Markdown file the API docs render, and the doc comment rustdoc puts
/// before it.
struct Rendered {
    markdown: PathBuf,
    /// Where the include is, for messages.
    site: String,
    /// The `//!` or `///` lines right above the include, without their marker.
    doc_comment: String,
}

/// `path` with its `..` and `.` taken away, as the files are named.
fn tidy(path: &Path) -> PathBuf {
    let mut tidy = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                tidy.pop();
            }
            std::path::Component::CurDir => {}
            other => tidy.push(other),
        }
    }
    tidy
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `doc = include_str!("...")` under src/.
fn rendered_documents(root: &Path) -> Vec<Rendered> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("read a source file");
        let lines: Vec<&str> = source.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let Some(rest) = line.split("doc = include_str!(\"").nth(1) else {
                continue;
            };
            let included = &rest[..rest.find('"').expect("a closed string")];
            // Up over comments, attributes and blank lines: the doc comment
            // of the same item (`//!` for `#![doc]`, `///` for `#[doc]`),
            // which rustdoc joins before the included text.
            let marker = if line.contains("#![doc") {
                "//!"
            } else {
                "///"
            };
            let mut doc_lines = Vec::new();
            for above in lines[..n].iter().rev() {
                let t = above.trim_start();
                if let Some(doc) = t.strip_prefix(marker) {
                    doc_lines.push(doc.strip_prefix(' ').unwrap_or(doc));
                } else if !(t.is_empty() || t.starts_with("//") || t.starts_with('#')) {
                    break;
                }
            }
            doc_lines.reverse();
            found.push(Rendered {
                markdown: tidy(&file.parent().expect("in src/").join(included)),
                site: format!(
                    "{}:{}",
                    file.strip_prefix(root).unwrap_or(&file).display(),
                    n + 1
                ),
                doc_comment: doc_lines.join("\n"),
            });
        }
    }
    found
}

#[test]
fn scanner_reads_each_kind_of_link_and_skips_code() {
    let scan = scan(
        "# A title\n\nSee [a](a.md), [b][lb], [lc][], [ld] and [not defined].\n\
         `[e](e.md)` and <!-- [f](f.md) --> are not links; \\[g](g.md) neither.\n\
         <a href=\"h.md\">h</a>\n\n```text\n[i](i.md)\n```\n\n## A title\n\n\
         [lb]: b.md\n[LC]: c.md\n [ld]: d.md\n[lb]: shadowed.md\n",
    );
    assert_eq!(
        scan.destinations(),
        [
            ("(h.md)", "h.md"),
            ("(a.md)", "a.md"),
            ("[lb]", "b.md"),
            ("[lc]", "c.md"),
            ("[ld]", "d.md"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(scan.anchors, ["a-title", "a-title-1"]);
    assert_eq!(
        slug("What changed (hardening, round two)"),
        "what-changed-hardening-round-two"
    );
    assert_eq!(slug("Against the 0.7× target"), "against-the-07-target");
}

#[test]
fn links_work_on_docs_rs_and_on_the_repository_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rendered = rendered_documents(root);
    assert!(
        rendered.iter().any(|r| r.markdown.ends_with("README.md")),
        "src/lib.rs no longer includes the README as the crate docs"
    );
    let mut problems = Vec::new();
    for doc in &rendered {
        let name = doc.markdown.strip_prefix(root).unwrap_or(&doc.markdown);
        let name = name.display();
        let markdown = std::fs::read_to_string(&doc.markdown).expect("read an included file");

        // docs.rs: the doc comment, then the file, as one Markdown text.
        let docs = scan(&format!("{}\n{markdown}", doc.doc_comment));
        for (written, dest) in docs.destinations() {
            if let Some(anchor) = dest.strip_prefix('#') {
                if !docs.anchors.iter().any(|a| a == anchor) {
                    problems.push(format!(
                        "{name}: {written}: no heading of the docs page has the anchor `{anchor}`"
                    ));
                }
            } else if !(is_url(&dest) || is_rust_path(&dest)) {
                problems.push(format!(
                    "{name}: {written} leads to `{dest}`, which docs.rs cannot follow: \
                     write the link reference-style and define its label in the doc \
                     comment above the include ({}) as a page of the docs; a file that \
                     does not ship with the crate is better named as `code` than linked",
                    doc.site
                ));
            }
        }
        // A definition in the doc comment that no link uses is left over.
        let used: Vec<String> = docs
            .links
            .iter()
            .filter_map(|l| match l {
                Link::Reference(label) | Link::Shortcut(label) => Some(normalize(label)),
                Link::Inline(_) => None,
            })
            .collect();
        for (label, _) in scan(&doc.doc_comment).definitions {
            if !used.contains(&normalize(&label)) {
                problems.push(format!(
                    "{}: the definition of [{label}] is used by no link in {name}",
                    doc.site
                ));
            }
        }

        // The repository page: the file alone, relative to its folder.
        let page = scan(&markdown);
        let folder = doc.markdown.parent().expect("a file has a folder");
        for label in page.undefined_references() {
            problems.push(format!(
                "{name}: [{label}] has no definition in the file, so the repository page \
                 shows it as plain text"
            ));
        }
        for (written, dest) in page.destinations() {
            let (path, anchor) = dest.split_once('#').unwrap_or((&dest, ""));
            let ok = if is_url(&dest) {
                true
            } else if is_rust_path(&dest) {
                false
            } else if path.is_empty() {
                page.anchors.iter().any(|a| a == anchor)
            } else {
                folder.join(path).exists()
            };
            if !ok {
                problems.push(format!(
                    "{name}: {written} leads to `{dest}`, which is not there on the \
                     repository page"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
