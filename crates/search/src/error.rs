//! What can go wrong: a search that cannot start ([`SearchError`]), and the paths a running
//! search had to skip ([`Warnings`]).

use std::path::PathBuf;
use std::sync::Mutex;

/// A search that cannot start because its input is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The pattern is not a valid regular expression (or is too big to compile).
    #[error("invalid search pattern `{pattern}`: {message}")]
    Pattern { pattern: String, message: String },
    /// An include/exclude glob does not parse.
    #[error("invalid glob `{glob}`: {message}")]
    Glob { glob: String, message: String },
}

impl SearchError {
    /// The underlying parser's message, without the pattern or glob in front.
    pub fn message(&self) -> &str {
        match self {
            SearchError::Pattern { message, .. } | SearchError::Glob { message, .. } => message,
        }
    }
}

/// A path skipped during a search, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: Option<PathBuf>,
    pub message: String,
}

/// How many paths were skipped, with the first few reasons kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    count: usize,
    kept: Vec<Warning>,
}

impl Warnings {
    /// How many reasons are kept; the count goes on past it.
    pub const KEPT: usize = 32;

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The first [`Warnings::KEPT`] warnings.
    pub fn kept(&self) -> &[Warning] {
        &self.kept
    }

    pub(crate) fn push(&mut self, path: Option<PathBuf>, message: String) {
        self.count += 1;
        if self.kept.len() < Self::KEPT {
            self.kept.push(Warning { path, message });
        }
    }
}

/// Warnings gathered from the walker's threads.
#[derive(Default)]
pub(crate) struct SharedWarnings(Mutex<Warnings>);

impl SharedWarnings {
    pub fn push(&self, path: Option<PathBuf>, message: String) {
        let mut warnings = self.0.lock().unwrap_or_else(|e| e.into_inner());
        warnings.push(path, message);
    }

    /// Records a walker error (an unreadable directory, a broken ignore file, a loop).
    pub fn push_walk_error(&self, err: &ignore::Error) {
        self.push(error_path(err), err.to_string());
    }

    pub fn into_inner(self) -> Warnings {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// The path an `ignore` error is about, when it names one.
fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_input_and_keep_the_parser_message() {
        let err = SearchError::Pattern {
            pattern: "a(".into(),
            message: "unclosed group".into(),
        };
        assert_eq!(
            err.to_string(),
            "invalid search pattern `a(`: unclosed group"
        );
        assert_eq!(err.message(), "unclosed group");
    }

    #[test]
    fn warnings_count_past_what_they_keep() {
        let mut w = Warnings::default();
        for i in 0..Warnings::KEPT + 5 {
            w.push(None, format!("w{i}"));
        }
        assert_eq!(w.count(), Warnings::KEPT + 5);
        assert_eq!(w.kept().len(), Warnings::KEPT);
    }
}
