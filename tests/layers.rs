//! The crate's layers: each module imports only from its own layer or the layers below, and
//! no module imports its way back to itself, neither among the top-level modules nor among
//! the files of one folder.
//!
//! The check reads `src/` and follows every `crate::`, `super::` and `self::` path outside
//! unit-test modules (tests may use the whole crate). A new top-level module must be given a
//! layer here.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Lowest first. A module may use its own layer and those before it.
const LAYERS: &[&[&str]] = &[
    &["types", "error"],
    &["io"],
    &["segment", "lang", "phrases"],
    &["learn"],
    &[
        "sentiment",
        "kind",
        "route",
        "keywords",
        "topics",
        "priority",
    ],
    &["pipeline"],
    &["report", "eval"],
    &["cli"],
];

/// A module path under the crate root: `[]` is the root, `["io", "reader"]` is `io::reader`.
type ModPath = Vec<String>;

struct Module {
    path: ModPath,
    /// A folder's `mod.rs` (or the root): `self` is the module itself, not its parent.
    is_folder: bool,
    file: PathBuf,
    code: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn modules(src: &Path) -> Vec<Module> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|file| {
            let rel = file.strip_prefix(src).expect("under src");
            let mut path: ModPath = rel
                .with_extension("")
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            let is_folder = matches!(path.last().map(String::as_str), Some("mod" | "lib"));
            if path == ["main"] {
                // The binary is a crate of its own (`mod cli;`): its `crate::` is not ours.
                return None;
            }
            if is_folder {
                path.pop();
            }
            let code = strip_tests(&code_only(&fs::read_to_string(&file).expect("readable")));
            Some(Module {
                path,
                is_folder,
                file,
                code,
            })
        })
        .collect()
}

/// The source without comments, string and character literals (their text is no path).
fn code_only(source: &str) -> String {
    let b: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && !b
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            'raw: while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break 'raw;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The code without `#[cfg(test)] mod … { … }` blocks.
fn strip_tests(code: &str) -> String {
    let mut out = code.to_owned();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at + "#[cfg(test)]".len()..];
        let trimmed = rest.trim_start();
        if !trimmed.starts_with("mod ") {
            // A test-only item that is not a module: drop the attribute and keep the item.
            out.replace_range(at..at + "#[cfg(test)]".len(), "");
            continue;
        }
        let Some(open) = rest.find('{') else { break };
        let start = at + "#[cfg(test)]".len() + open;
        let mut depth = 0usize;
        let mut end = out.len();
        for (k, ch) in out[start..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path that starts with `crate`, `super` or `self`, as its segments, with brace
/// groups expanded to their first segment (`crate::{a::B, c}` gives `crate::a`, `crate::c`).
fn paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphabetic() || (i > 0 && (is_ident(chars[i - 1]) || chars[i - 1] == '$')) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_ident(chars[j]) {
            j += 1;
        }
        let word: String = chars[i..j].iter().collect();
        if !matches!(word.as_str(), "crate" | "super" | "self") {
            i = j;
            continue;
        }
        let mut segments = vec![word];
        let mut k = j;
        loop {
            if chars.get(k) == Some(&':') && chars.get(k + 1) == Some(&':') {
                k += 2;
                if chars.get(k) == Some(&'{') {
                    let mut depth = 0;
                    let mut item = String::new();
                    let mut items = Vec::new();
                    while k < chars.len() {
                        let ch = chars[k];
                        match ch {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        if depth == 1 && ch == ',' {
                            items.push(std::mem::take(&mut item));
                        } else if !(depth == 1 && ch == '{') && depth >= 1 {
                            item.push(ch);
                        }
                        k += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    items.push(item);
                    for item in items {
                        let first: String = item
                            .trim()
                            .trim_start_matches('{')
                            .trim()
                            .chars()
                            .take_while(|c| is_ident(*c))
                            .collect();
                        if !first.is_empty() {
                            let mut p = segments.clone();
                            p.push(first);
                            out.push(p);
                        }
                    }
                    segments.clear();
                    break;
                }
                let start = k;
                while k < chars.len() && is_ident(chars[k]) {
                    k += 1;
                }
                if k == start {
                    break;
                }
                segments.push(chars[start..k].iter().collect());
            } else {
                break;
            }
        }
        if segments.len() > 1 {
            out.push(segments);
        }
        i = k.max(j);
    }
    out
}

/// What module a path names: its longest prefix that is a module.
fn resolve(from: &Module, path: &[String], known: &BTreeSet<ModPath>) -> Option<ModPath> {
    let mut here: ModPath = if from.is_folder {
        from.path.clone()
    } else {
        from.path[..from.path.len() - 1].to_vec()
    };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            here.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        _ => {
            while rest.first().map(String::as_str) == Some("super") {
                here.pop();
                rest = &rest[1..];
            }
        }
    }
    let mut full = here;
    full.extend(rest.iter().cloned());
    (0..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|p| known.contains(p))
}

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

/// A cycle in `edges`, if there is one, as the nodes along it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

struct Graph {
    /// (from module, to module, file of the import).
    edges: Vec<(ModPath, ModPath, PathBuf)>,
    modules: Vec<Module>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let known: BTreeSet<ModPath> = modules.iter().map(|m| m.path.clone()).collect();
    let mut edges = Vec::new();
    for m in &modules {
        for p in paths(&m.code) {
            if let Some(to) = resolve(m, &p, &known) {
                if to != m.path {
                    edges.push((m.path.clone(), to, m.file.clone()));
                }
            }
        }
    }
    Graph { edges, modules }
}

#[test]
fn every_top_level_module_has_a_layer() {
    let g = graph();
    let missing: BTreeSet<&str> = g
        .modules
        .iter()
        .filter_map(|m| m.path.first())
        .map(String::as_str)
        .filter(|top| layer_of(top).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in tests/layers.rs: {missing:?}"
    );
}

#[test]
fn imports_only_run_downhill() {
    let g = graph();
    let mut uphill = Vec::new();
    for (from, to, file) in &g.edges {
        let (Some(a), Some(b)) = (from.first(), to.first()) else {
            continue;
        };
        if let (Some(la), Some(lb)) = (layer_of(a), layer_of(b)) {
            if lb > la {
                uphill.push(format!(
                    "{} ({}) imports {}",
                    from.join("::"),
                    file.display(),
                    to.join("::")
                ));
            }
        }
    }
    assert!(
        uphill.is_empty(),
        "imports that run up a layer:\n{}",
        uphill.join("\n")
    );
}

#[test]
fn top_level_modules_import_no_circle() {
    let g = graph();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to, _) in &g.edges {
        if let (Some(a), Some(b)) = (from.first(), to.first()) {
            if a != b {
                edges.entry(a.clone()).or_default().insert(b.clone());
            }
        }
    }
    assert_eq!(find_cycle(&edges), None, "a circle of top-level modules");
}

#[test]
fn the_files_of_a_folder_import_no_circle() {
    let g = graph();
    // Per folder: its files (not the folder's own mod.rs, which declares and re-exports them).
    let mut folders: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (from, to, _) in &g.edges {
        if from.len() < 2 || to.len() < 2 {
            continue;
        }
        let (fa, fb) = (&from[..from.len() - 1], &to[..to.len() - 1]);
        // Files of one folder, or a file and a sub-folder of its folder.
        let depth = from.len() - 1;
        if fa == fb || (to.len() > from.len() && to[..depth] == *fa) {
            let b = to[depth].clone();
            if b != from[depth] {
                folders
                    .entry(fa.to_vec())
                    .or_default()
                    .insert(b.clone(), BTreeSet::new());
                folders
                    .entry(fa.to_vec())
                    .or_default()
                    .entry(from[depth].clone())
                    .or_default()
                    .insert(b);
            }
        }
    }
    for (folder, edges) in &folders {
        assert_eq!(
            find_cycle(edges),
            None,
            "a circle among the files of src/{}",
            folder.join("/")
        );
    }
}

#[test]
fn the_check_sees_what_it_should() {
    // The parser itself: brace groups, `super`, comments and strings.
    let code = code_only(
        "use crate::{io::{Record, Reject}, types::Lang};\n\
         // use crate::report::x;\n\
         let s = \"crate::report::y\";\n\
         fn f() { super::super::kind::Kind::Praise; self::a::b(); }",
    );
    let found = paths(&code);
    assert_eq!(
        found,
        vec![
            vec!["crate", "io"],
            vec!["crate", "types"],
            vec!["super", "super", "kind", "Kind", "Praise"],
            vec!["self", "a", "b"],
        ]
    );
    // And the crate has edges to check at all.
    let g = graph();
    assert!(g.edges.len() > 100, "only {} imports found", g.edges.len());
    assert!(g
        .edges
        .iter()
        .any(|(a, b, _)| a == &["pipeline".to_owned()] && b == &["io".to_owned()]));
}
