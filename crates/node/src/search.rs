//! `search(options)`: the `codex-search` crate in-process — content search as `rg` does it, or
//! fuzzy file-path finding — with `rg`'s defaults for what is skipped (ignore files, hidden
//! entries, binary files).
//!
//! Options (JSON from `lib/native.js`; unknown keys are an error):
//!
//! ```text
//! {
//!   pattern?: string,          // content search: a regex (Rust syntax, as rg), or literal text
//!   query?: string,            // fuzzy file finding: words that must all match a path
//!                              // exactly one of pattern / query
//!   cwd?: string,              // base directory (default: the process's): relative `paths`,
//!                              // `/`-anchored globs and the reported paths are relative to it
//!   paths?: string[],          // content: files or directories to search (default [cwd]);
//!                              // files: the one directory to index (default cwd)
//!   literal?: boolean,         // pattern is plain text (rg -F)
//!   caseSensitivity?: "sensitive" | "insensitive" | "smart",   // default "sensitive" (rg)
//!   context?: number, before?: number, after?: number,         // context lines (rg -C/-B/-A)
//!   maxMatches?: number,       // stop after this many matching lines in all
//!   filesOnly?: boolean,       // only which files match (rg -l): `lines` stay empty
//!   limit?: number,            // files: the best N paths (default 50)
//!   globs?: string[],          // rg -g globs; `!` excludes
//!   hidden?: boolean,          // include hidden files and directories (rg --hidden)
//!   noIgnore?: boolean,        // do not honour .gitignore/.ignore/.rgignore (rg --no-ignore)
//!   maxDepth?: number,         // how deep below each root to descend
//!   followLinks?: boolean,     // follow symbolic links (rg -L)
//! }
//! ```
//!
//! Results:
//!
//! ```text
//! content: { kind: "content",
//!            files: [{ path, matchedLines: number,
//!                      lines: [{ number, kind: "match" | "context", text }],
//!                      binary?: { kind: "matches" | "stopped", offset } }],   // sorted by path
//!            filesSearched, filesMatched, stoppedEarly: boolean,
//!            warnings: [{ path?, message }], warningCount }
//! files:   { kind: "files",
//!            matches: [{ path, score, indices: number[] }],   // best first; indices are the
//!                                                            // matched characters of path
//!            indexed: number,                                // paths considered
//!            warnings: [{ path?, message }], warningCount }
//! ```
//!
//! Paths are relative to `cwd` (with `/`) when under it, else absolute.

use std::path::{Path, PathBuf};

use codex_search::{
    BinaryNote, CaseMode, ContentQuery, ContentSearch, FileIndex, LineKind, PatternSyntax,
    WalkRules, Warnings,
};
use napi::bindgen_prelude::Result;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SearchOptions {
    pattern: Option<String>,
    query: Option<String>,
    cwd: Option<String>,
    paths: Option<Vec<String>>,
    literal: Option<bool>,
    case_sensitivity: Option<Case>,
    context: Option<usize>,
    before: Option<usize>,
    after: Option<usize>,
    max_matches: Option<usize>,
    files_only: Option<bool>,
    limit: Option<usize>,
    globs: Option<Vec<String>>,
    hidden: Option<bool>,
    no_ignore: Option<bool>,
    max_depth: Option<usize>,
    follow_links: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Case {
    Sensitive,
    Insensitive,
    Smart,
}

const DEFAULT_LIMIT: usize = 50;

/// Runs a search (off the JavaScript thread); resolves with the results as JSON text.
#[napi]
pub async fn search(options: String) -> Result<String> {
    let work = move || run(&options);
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(result)) => Ok(result.to_string()),
        Ok(Err(message)) => Err(napi::Error::from_reason(message)),
        Err(e) => Err(napi::Error::from_reason(format!("the search failed: {e}"))),
    }
}

fn run(options: &str) -> std::result::Result<Value, String> {
    let options: SearchOptions =
        serde_json::from_str(options).map_err(|e| format!("search options: {e}"))?;
    let cwd = match &options.cwd {
        Some(dir) => std::path::absolute(dir).map_err(|e| format!("search cwd {dir}: {e}"))?,
        None => std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?,
    };
    let rules = WalkRules {
        skip_hidden: !options.hidden.unwrap_or(false),
        ignore_files: !options.no_ignore.unwrap_or(false),
        globs: options.globs.clone().unwrap_or_default(),
        base_dir: Some(cwd.clone()),
        max_depth: options.max_depth,
        follow_links: options.follow_links.unwrap_or(false),
        ..Default::default()
    };
    let roots: Vec<PathBuf> = match &options.paths {
        Some(paths) if !paths.is_empty() => paths.iter().map(|p| cwd.join(p)).collect(),
        _ => vec![cwd.clone()],
    };
    match (&options.pattern, &options.query) {
        (Some(pattern), None) => content(pattern, &options, rules, &roots, &cwd),
        (None, Some(query)) => files(query, &options, &rules, &roots[0], &cwd),
        _ => Err("search needs exactly one of `pattern` (content) or `query` (file paths)".into()),
    }
}

fn content(
    pattern: &str,
    options: &SearchOptions,
    rules: WalkRules,
    roots: &[PathBuf],
    cwd: &Path,
) -> std::result::Result<Value, String> {
    let context = options.context.unwrap_or(0);
    let query = ContentQuery {
        pattern: pattern.to_string(),
        syntax: if options.literal.unwrap_or(false) {
            PatternSyntax::Literal
        } else {
            PatternSyntax::Regex
        },
        case: match options.case_sensitivity {
            None | Some(Case::Sensitive) => CaseMode::Sensitive,
            Some(Case::Insensitive) => CaseMode::Insensitive,
            Some(Case::Smart) => CaseMode::Smart,
        },
        before_context: options.before.unwrap_or(context),
        after_context: options.after.unwrap_or(context),
        max_matches: options.max_matches,
        files_only: options.files_only.unwrap_or(false),
    };
    let search = ContentSearch::new(query, rules).map_err(|e| e.to_string())?;
    let report = search.collect(roots);
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|hits| {
            let lines: Vec<Value> = hits
                .lines()
                .map(|line| {
                    json!({
                        "number": line.number,
                        "kind": match line.kind {
                            LineKind::Match => "match",
                            LineKind::Context => "context",
                        },
                        "text": line.text(),
                    })
                })
                .collect();
            let mut file = json!({
                "path": shown(hits.path(), cwd),
                "matchedLines": hits.matched_lines(),
                "lines": lines,
            });
            if let Some(note) = hits.binary() {
                file["binary"] = match note {
                    BinaryNote::Matches { offset } => json!({"kind": "matches", "offset": offset}),
                    BinaryNote::Stopped { offset } => json!({"kind": "stopped", "offset": offset}),
                };
            }
            file
        })
        .collect();
    let summary = &report.summary;
    Ok(json!({
        "kind": "content",
        "files": files,
        "filesSearched": summary.files_searched,
        "filesMatched": summary.files_matched,
        "stoppedEarly": summary.stopped_early,
        "warnings": warnings(&summary.warnings, cwd),
        "warningCount": summary.warnings.count(),
    }))
}

fn files(
    query: &str,
    options: &SearchOptions,
    rules: &WalkRules,
    root: &Path,
    cwd: &Path,
) -> std::result::Result<Value, String> {
    let (index, found_warnings) = FileIndex::build(root, rules).map_err(|e| e.to_string())?;
    let matches: Vec<Value> = index
        .find(query, options.limit.unwrap_or(DEFAULT_LIMIT))
        .into_iter()
        .map(|m| {
            // Index paths are relative to the root; report them relative to cwd.
            let path = if root == cwd {
                m.path.to_string()
            } else {
                shown(&root.join(m.path), cwd)
            };
            json!({"path": path, "score": m.score, "indices": m.indices})
        })
        .collect();
    Ok(json!({
        "kind": "files",
        "matches": matches,
        "indexed": index.len(),
        "warnings": warnings(&found_warnings, cwd),
        "warningCount": found_warnings.count(),
    }))
}

fn shown(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/"),
        _ => path.to_string_lossy().into_owned(),
    }
}

fn warnings(warnings: &Warnings, cwd: &Path) -> Vec<Value> {
    warnings
        .kept()
        .iter()
        .map(|w| match &w.path {
            Some(path) => json!({"path": shown(path, cwd), "message": w.message}),
            None => json!({"message": w.message}),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn content_and_files_with_paths_relative_to_cwd() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n// TODO\n").unwrap();
        std::fs::write(dir.path().join(".hidden"), "TODO\n").unwrap();
        let cwd = dir.path().display().to_string();
        let found = run(&json!({"pattern": "TODO", "cwd": cwd, "context": 1}).to_string()).unwrap();
        assert_eq!(found["kind"], "content");
        assert_eq!(found["files"].as_array().unwrap().len(), 1);
        let file = &found["files"][0];
        assert_eq!(file["path"], "src/main.rs");
        assert_eq!(file["matchedLines"], 1);
        assert_eq!(
            file["lines"],
            json!([{"number": 1, "kind": "context", "text": "fn main() {}"},
                   {"number": 2, "kind": "match", "text": "// TODO"}])
        );
        let hidden = run(&json!({"pattern": "todo", "cwd": cwd, "hidden": true,
            "caseSensitivity": "insensitive", "filesOnly": true})
        .to_string())
        .unwrap();
        assert_eq!(hidden["filesMatched"], 2);
        let fuzzy = run(&json!({"query": "mnrs", "cwd": cwd}).to_string()).unwrap();
        assert_eq!(fuzzy["matches"][0]["path"], "src/main.rs");
        assert_eq!(fuzzy["indexed"], 1);
        let e = run(&json!({"pattern": "(", "cwd": cwd}).to_string()).unwrap_err();
        assert!(!e.is_empty());
        let e = run(&json!({"pattern": "a", "query": "b"}).to_string()).unwrap_err();
        assert!(e.contains("exactly one of"), "{e}");
        let e = run(&json!({"patern": "a"}).to_string()).unwrap_err();
        assert!(e.contains("unknown field `patern`"), "{e}");
    }
}
