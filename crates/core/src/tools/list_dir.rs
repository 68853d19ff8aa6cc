//! `list_dir`: a directory's entries a few levels deep, sorted by path, indented by depth and
//! marked by kind (`/` directory, `@` symlink, `?` other), a page at a time, with the Codex
//! CLI's arguments, output and error texts.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fs::FileType;
use std::path::{Path, PathBuf};

use codex_providers::ToolSpec;
use codex_sandbox::ReadAccess;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::{ToolCall, ToolHandler, ToolOutput, parse_arguments};

/// Longer names are cut to this many bytes (at a character boundary).
const MAX_ENTRY_LENGTH: usize = 500;
/// Spaces of indentation per level below the listed directory.
const INDENT: usize = 2;

fn spec() -> ToolSpec {
    ToolSpec::Function {
        name: "list_dir".into(),
        description: "Lists entries in a local directory with 1-indexed entry numbers and \
                      simple type labels."
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "dir_path": {
                    "type": "string",
                    "description": "Absolute path to the directory to list."
                },
                "offset": {
                    "type": "number",
                    "description": "The entry number to start listing from. Must be 1 or greater."
                },
                "limit": {
                    "type": "number",
                    "description": "The maximum number of entries to return."
                },
                "depth": {
                    "type": "number",
                    "description": "The maximum directory depth to traverse. Must be 1 or greater."
                }
            },
            "required": ["dir_path"],
            "additionalProperties": false
        }),
    }
}

#[derive(Deserialize)]
struct Args {
    dir_path: String,
    #[serde(default = "one")]
    offset: usize,
    #[serde(default = "default_limit")]
    limit: usize,
    #[serde(default = "default_depth")]
    depth: usize,
}

fn one() -> usize {
    1
}

fn default_limit() -> usize {
    25
}

fn default_depth() -> usize {
    2
}

/// `list_dir`: lists only what the session's read access allows; never asks, never writes.
pub(crate) struct ListDirTool;

impl ToolHandler for ListDirTool {
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
            if args.offset == 0 {
                return ToolOutput::error("offset must be a 1-indexed entry number");
            }
            if args.limit == 0 {
                return ToolOutput::error("limit must be greater than zero");
            }
            if args.depth == 0 {
                return ToolOutput::error("depth must be greater than zero");
            }
            let path = PathBuf::from(&args.dir_path);
            if !path.is_absolute() {
                return ToolOutput::error("dir_path must be an absolute path");
            }
            let access = call.read_access().clone();
            if let Err(denied) = access.check(&path) {
                return ToolOutput::error(denied.to_string());
            }
            let listed = tokio::task::spawn_blocking(move || {
                let entries = list(&path, args.offset, args.limit, args.depth, &access)?;
                let mut lines = Vec::with_capacity(entries.len() + 1);
                lines.push(format!("Absolute path: {}", path.display()));
                lines.extend(entries);
                Ok::<_, String>(lines.join("\n"))
            })
            .await;
            match listed {
                Ok(Ok(text)) => ToolOutput::text(text),
                Ok(Err(message)) => ToolOutput::error(message),
                Err(e) => ToolOutput::error(format!("failed to read directory: {e}")),
            }
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Directory,
    File,
    Symlink,
    Other,
}

impl From<FileType> for Kind {
    fn from(t: FileType) -> Self {
        if t.is_symlink() {
            Kind::Symlink
        } else if t.is_dir() {
            Kind::Directory
        } else if t.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }
}

struct Entry {
    /// The path below the listed directory, `/`-separated: the sort key.
    key: String,
    name: String,
    depth: usize,
    kind: Kind,
}

impl Entry {
    fn line(&self) -> String {
        let mark = match self.kind {
            Kind::Directory => "/",
            Kind::Symlink => "@",
            Kind::Other => "?",
            Kind::File => "",
        };
        format!("{}{}{mark}", " ".repeat(self.depth * INDENT), self.name)
    }
}

/// The page of entry lines from `offset` (1-based), `limit` long, with a last line saying
/// when more entries follow.
pub(crate) fn list(
    dir: &Path,
    offset: usize,
    limit: usize,
    depth: usize,
    access: &ReadAccess,
) -> Result<Vec<String>, String> {
    let mut entries = collect(dir, depth, access)?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    entries.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    let start = offset - 1;
    if start >= entries.len() {
        return Err("offset exceeds directory entry count".into());
    }
    let shown = limit.min(entries.len() - start);
    let end = start + shown;
    let mut lines: Vec<String> = entries[start..end].iter().map(Entry::line).collect();
    if end < entries.len() {
        lines.push(format!("More than {shown} entries found"));
    }
    Ok(lines)
}

/// Every entry down to `depth` levels, breadth first. Symlinks are listed, not followed;
/// entries the read access refuses are left out, and refused directories not entered.
fn collect(dir: &Path, depth: usize, access: &ReadAccess) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut queue = VecDeque::from([(dir.to_path_buf(), PathBuf::new(), depth)]);
    while let Some((current, prefix, remaining)) = queue.pop_front() {
        let read =
            std::fs::read_dir(&current).map_err(|e| format!("failed to read directory: {e}"))?;
        for item in read {
            let item = item.map_err(|e| format!("failed to read directory: {e}"))?;
            let kind = Kind::from(
                item.file_type()
                    .map_err(|e| format!("failed to inspect entry: {e}"))?,
            );
            let path = item.path();
            if !access.is_unrestricted() && !access.allows(&path) {
                continue;
            }
            let name = item.file_name();
            let relative = prefix.join(&name);
            if kind == Kind::Directory && remaining > 1 {
                queue.push_back((path, relative.clone(), remaining - 1));
            }
            entries.push(Entry {
                key: cut(&relative.to_string_lossy().replace('\\', "/")),
                name: cut(&name_text(&name)),
                depth: prefix.components().count(),
                kind,
            });
        }
    }
    Ok(entries)
}

fn name_text(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}

/// `text` cut to [`MAX_ENTRY_LENGTH`] bytes at a character boundary.
fn cut(text: &str) -> String {
    let mut end = text.len().min(MAX_ENTRY_LENGTH);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/bin/deeper")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("README.md"), "r").unwrap();
        std::fs::write(root.join("src/lib.rs"), "l").unwrap();
        std::fs::write(root.join("src/bin/main.rs"), "m").unwrap();
        std::fs::write(root.join("src/bin/deeper/x.rs"), "x").unwrap();
        std::fs::write(root.join("src-notes.txt"), "n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("README.md"), root.join("link")).unwrap();
        dir
    }

    fn all(dir: &Path, offset: usize, limit: usize, depth: usize) -> Vec<String> {
        list(dir, offset, limit, depth, &ReadAccess::unrestricted()).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn entries_are_sorted_by_path_indented_by_depth_and_marked_by_kind() {
        let tree = tree();
        assert_eq!(
            all(tree.path(), 1, 50, 3),
            [
                "README.md",
                "docs/",
                "link@",
                "src/",
                // Sorted by path, and `-` sorts before `/`: a sibling named `src-…` lands
                // between `src/` and its contents, as in the Codex CLI.
                "src-notes.txt",
                "  bin/",
                "    deeper/",
                "    main.rs",
                "  lib.rs",
            ]
        );
        assert_eq!(
            all(tree.path(), 1, 50, 1),
            ["README.md", "docs/", "link@", "src/", "src-notes.txt"]
        );
        assert_eq!(
            all(tree.path(), 1, 50, 2),
            [
                "README.md",
                "docs/",
                "link@",
                "src/",
                "src-notes.txt",
                "  bin/",
                "  lib.rs"
            ]
        );
    }

    #[test]
    fn pages_say_when_more_entries_follow() {
        let tree = tree();
        let depth = 3;
        let first = all(tree.path(), 1, 2, depth);
        assert_eq!(
            first.last().map(String::as_str),
            Some("More than 2 entries found")
        );
        assert_eq!(first.len(), 3);
        let total = all(tree.path(), 1, 1000, depth).len();
        let last = all(tree.path(), total, 5, depth);
        assert_eq!(last.len(), 1);
        assert_eq!(
            list(
                tree.path(),
                total + 1,
                5,
                depth,
                &ReadAccess::unrestricted()
            )
            .unwrap_err(),
            "offset exceeds directory entry count"
        );
        assert_eq!(all(tree.path(), 2, usize::MAX, 1).len(), 4);
        let empty = tempfile::tempdir().unwrap();
        assert!(all(empty.path(), 7, 1, 1).is_empty());
    }

    #[test]
    fn refused_entries_are_left_out_and_refused_directories_not_entered() {
        let tree = tree();
        let root = std::fs::canonicalize(tree.path()).unwrap();
        let bin = root.join("src/bin");
        let readme = root.join("README.md");
        let access = ReadAccess::denying(move |p| p.starts_with(&bin) || p == readme);
        let listed = list(tree.path(), 1, 50, 3, &access).unwrap();
        assert!(
            !listed
                .iter()
                .any(|l| l.contains("bin") || l.contains("main.rs"))
        );
        assert!(!listed.iter().any(|l| l.contains("README")));
        // The symlink leads to the refused file, so it is left out too.
        assert!(!listed.iter().any(|l| l.contains("link")));
        assert!(listed.contains(&"  lib.rs".to_string()));
    }

    #[test]
    fn a_file_or_a_missing_directory_is_an_error() {
        let tree = tree();
        let err = list(
            &tree.path().join("README.md"),
            1,
            5,
            1,
            &ReadAccess::unrestricted(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "failed to read directory: Not a directory (os error 20)"
        );
        let err = list(
            &tree.path().join("missing"),
            1,
            5,
            1,
            &ReadAccess::unrestricted(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "failed to read directory: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        assert_eq!(cut(&"é".repeat(300)).len(), 500);
        assert_eq!(cut(&format!("{}é", "a".repeat(499))).len(), 499);
        assert_eq!(cut("short"), "short");
    }
}
