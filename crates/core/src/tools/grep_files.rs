//! `grep_files`: the files whose contents match a pattern, most recently modified first — what
//! the Codex CLI gets from `rg --files-with-matches --sortr=modified`, found in-process by the
//! search crate with the same rules, arguments, output and error texts.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use codex_providers::ToolSpec;
use codex_sandbox::ReadAccess;
use codex_search::{ContentQuery, ContentSearch, Flow, SearchError, WalkRules};
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::{ToolCall, ToolHandler, ToolOutput, parse_arguments};

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 2000;
const TIMEOUT: Duration = Duration::from_secs(30);

fn spec() -> ToolSpec {
    ToolSpec::Function {
        name: "grep_files".into(),
        description: "Finds files whose contents match the pattern and lists them by \
                      modification time."
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "pattern": {
                    "type": "string",
                    "description": "Regular expression pattern to search for."
                },
                "include": {
                    "type": "string",
                    "description": "Optional glob that limits which files are searched (e.g. \
                                    \"*.rs\" or \"*.{ts,tsx}\")."
                },
                "path": {
                    "type": "string",
                    "description": "Directory or file path to search. Defaults to the session's \
                                    working directory."
                },
                "limit": {
                    "type": "number",
                    "description": "Maximum number of file paths to return (defaults to 100)."
                }
            },
            "required": ["pattern"],
            "additionalProperties": false
        }),
    }
}

#[derive(Deserialize)]
struct Args {
    pattern: String,
    #[serde(default)]
    include: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// `grep_files`: searches only what the session's read access allows; never asks, never runs
/// a process.
pub(crate) struct GrepFilesTool;

impl ToolHandler for GrepFilesTool {
    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let args: Args = match parse_arguments(&call) {
                Ok(args) => args,
                Err(e) => return e,
            };
            let pattern = args.pattern.trim().to_string();
            if pattern.is_empty() {
                return ToolOutput::error("pattern must not be empty");
            }
            if args.limit == 0 {
                return ToolOutput::error("limit must be greater than zero");
            }
            let limit = args.limit.min(MAX_LIMIT);
            // Relative to the working directory; an absolute path stands as it is.
            let cwd = call.cwd().to_path_buf();
            let search_path = match &args.path {
                Some(path) => cwd.join(path),
                None => cwd.clone(),
            };
            if let Err(err) = tokio::fs::metadata(&search_path).await {
                return ToolOutput::error(format!(
                    "unable to access `{}`: {err}",
                    search_path.display()
                ));
            }
            let access = call.read_access().clone();
            if let Err(denied) = access.check(&search_path) {
                return ToolOutput::error(denied.to_string());
            }
            let include = args
                .include
                .as_deref()
                .map(str::trim)
                .filter(|glob| !glob.is_empty())
                .map(str::to_string);
            let request = Request {
                pattern,
                include,
                search_path,
                cwd,
                limit,
                access,
            };
            let cancel = Arc::new(AtomicBool::new(false));
            let search = tokio::task::spawn_blocking({
                let cancel = cancel.clone();
                move || request.run(&cancel)
            });
            let outcome = tokio::select! {
                joined = tokio::time::timeout(TIMEOUT, search) => joined,
                () = call.cancellation().cancelled() => {
                    cancel.store(true, Ordering::Relaxed);
                    return ToolOutput::error("grep_files was interrupted");
                }
            };
            let result = match outcome {
                Ok(Ok(result)) => result,
                Ok(Err(e)) => return ToolOutput::error(format!("rg failed: {e}")),
                Err(_) => {
                    cancel.store(true, Ordering::Relaxed);
                    return ToolOutput::error("rg timed out after 30 seconds");
                }
            };
            match result {
                Ok(paths) if paths.is_empty() => ToolOutput {
                    success: false,
                    ..ToolOutput::text("No matches found.")
                },
                Ok(paths) => ToolOutput::text(paths.join("\n")),
                Err(stderr) => ToolOutput::error(format!("rg failed: {stderr}")),
            }
        })
    }
}

/// One search, ready to run off the async threads.
pub(crate) struct Request {
    pub pattern: String,
    pub include: Option<String>,
    pub search_path: PathBuf,
    pub cwd: PathBuf,
    pub limit: usize,
    pub access: ReadAccess,
}

impl Request {
    /// The matching files' paths, newest first (ties by path), at most `limit`; or what `rg`
    /// would have printed on its standard error.
    pub fn run(self, cancel: &AtomicBool) -> Result<Vec<String>, String> {
        let query = ContentQuery {
            files_only: true,
            ..ContentQuery::regex(self.pattern)
        };
        let filter = (!self.access.is_unrestricted()).then(|| {
            let access = self.access.clone();
            Arc::new(move |path: &Path| access.allows(path)) as codex_search::EntryFilter
        });
        let rules = WalkRules {
            globs: self.include.into_iter().collect(),
            base_dir: Some(self.cwd),
            filter,
            ..WalkRules::default()
        };
        let search = ContentSearch::new(query, rules).map_err(|e| rg_error(&e))?;
        let found = Mutex::new(Vec::new());
        search.run_until(std::slice::from_ref(&self.search_path), cancel, |hits| {
            // Paths that are not UTF-8 are left out, as the Codex CLI leaves them out.
            if let Some(path) = hits.path().to_str() {
                let modified = std::fs::metadata(hits.path())
                    .and_then(|m| m.modified())
                    .ok();
                found
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((modified, path.to_string()));
            }
            Flow::Continue
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        sort_newest_first(&mut found);
        Ok(found
            .into_iter()
            .take(self.limit)
            .map(|(_, path)| path)
            .collect())
    }
}

/// Newest first; a file without a modification time last; ties by path.
fn sort_newest_first(found: &mut [(Option<SystemTime>, String)]) {
    found.sort_by(|(a_time, a_path), (b_time, b_path)| {
        b_time.cmp(a_time).then_with(|| a_path.cmp(b_path))
    });
}

/// How `rg` words an argument it cannot use, on its standard error.
fn rg_error(err: &SearchError) -> String {
    match err {
        SearchError::Pattern { message, .. } => format!("rg: {message}\n"),
        SearchError::Glob { glob, message } => {
            format!("rg: error parsing glob '{glob}': {message}\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dir: &Path, pattern: &str, include: Option<&str>, limit: usize) -> Request {
        Request {
            pattern: pattern.into(),
            include: include.map(str::to_string),
            search_path: dir.to_path_buf(),
            cwd: dir.to_path_buf(),
            limit,
            access: ReadAccess::unrestricted(),
        }
    }

    fn touch(path: &Path, content: &str, age_secs: u64) {
        std::fs::write(path, content).unwrap();
        let when = SystemTime::now() - Duration::from_secs(age_secs);
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(when).unwrap();
    }

    #[test]
    fn matching_files_come_newest_first_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("old.rs"), "fn needle() {}\n", 300);
        touch(&root.join("new.rs"), "// needle\n", 10);
        touch(&root.join("mid.txt"), "needle\n", 100);
        touch(&root.join("other.rs"), "nothing\n", 1);
        let never = AtomicBool::new(false);
        let all = request(root, "needle", None, 100).run(&never).unwrap();
        let names: Vec<&str> = all
            .iter()
            .map(|p| p.rsplit('/').next().unwrap_or_default())
            .collect();
        assert_eq!(names, ["new.rs", "mid.txt", "old.rs"]);
        // Paths are the search path joined with the path below it.
        assert_eq!(all[0], root.join("new.rs").to_string_lossy());
        let two = request(root, "needle", None, 2).run(&never).unwrap();
        assert_eq!(two, all[..2]);
        let rust = request(root, "needle", Some("*.rs"), 100)
            .run(&never)
            .unwrap();
        assert_eq!(rust.len(), 2);
        assert!(
            request(root, "absent", None, 100)
                .run(&never)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn ties_and_missing_times_sort_predictably() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut found = vec![
            (None, "z".to_string()),
            (Some(t), "b".to_string()),
            (Some(t + Duration::from_secs(1)), "c".to_string()),
            (Some(t), "a".to_string()),
        ];
        sort_newest_first(&mut found);
        let order: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(order, ["c", "a", "b", "z"]);
    }

    #[test]
    fn bad_patterns_and_globs_are_worded_as_rg_words_them() {
        let dir = tempfile::tempdir().unwrap();
        let never = AtomicBool::new(false);
        let err = request(dir.path(), "needle(", None, 10)
            .run(&never)
            .unwrap_err();
        assert_eq!(
            err,
            "rg: regex parse error:\n    (?:needle()\n    ^\nerror: unclosed group\n"
        );
        let err = request(dir.path(), "x", Some("{a,b"), 10)
            .run(&never)
            .unwrap_err();
        assert_eq!(
            err,
            "rg: error parsing glob '{a,b': unclosed alternate group; missing '}' \
             (maybe escape '{' with '[{]'?)\n"
        );
    }
}
