//! Searching a tree the way `rg` does, in-process, on ripgrep's own crates: content search
//! ([`ContentSearch`]), listing files ([`walk_files`]) and fuzzy file-path finding
//! ([`FileIndex`]).
//!
//! All three skip what `rg` skips by default: paths matched by `.gitignore` (inside a git
//! repository), `.ignore`, `.rgignore`, `.git/info/exclude` and the global git excludes file,
//! hidden files and directories, and (for content search) binary files found while walking. A
//! path given explicitly is always searched. [`WalkRules`] changes those defaults and adds `-g`
//! style globs and a filter that every entry passes before it is opened.
//!
//! Nothing here starts a process, prints, or panics on bad input: a bad pattern or glob is a
//! [`SearchError`]; an unreadable directory or file is skipped and counted in [`Warnings`].
//!
//! ```
//! use codex_search::{ContentQuery, ContentSearch, WalkRules};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("notes.txt"), "alpha\nbeta\ngamma\n")?;
//! let search = ContentSearch::new(ContentQuery::regex("^b"), WalkRules::default())?;
//! let report = search.collect(&[dir.path()]);
//! let lines: Vec<_> = report.files[0].lines().map(|l| (l.number, l.text())).collect();
//! assert_eq!(lines, [(2, "beta".into())]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod content;
mod error;
mod fuzzy;
mod hits;
mod rules;
mod walk;

pub use content::{
    CaseMode, ContentQuery, ContentSearch, Flow, PatternSyntax, SearchReport, SearchSummary,
};
pub use error::{SearchError, Warning, Warnings};
pub use fuzzy::{FileIndex, FuzzyMatch};
pub use hits::{BinaryNote, FileHits, Line, LineKind};
pub use rules::{EntryFilter, WalkRules};
pub use walk::{WalkReport, walk_files};
