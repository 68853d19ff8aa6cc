//! What a walk skips: `rg`'s defaults, globs, and a caller's filter, turned into one
//! `ignore::WalkBuilder`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::error::SearchError;

/// Decides whether a path found while walking may be opened (`true`) or must be left alone
/// (`false`: a file is not read, a directory is not entered). Given the path as the walker found
/// it; resolving symlinks is the filter's business. The roots of a walk are checked too.
pub type EntryFilter = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// Which paths a walk visits. The default is `rg`'s.
#[derive(Clone)]
pub struct WalkRules {
    /// Skip hidden files and directories (names starting with `.`), as `rg` does without
    /// `--hidden`.
    pub skip_hidden: bool,
    /// Honour `.gitignore`, `.ignore`, `.rgignore`, `.git/info/exclude`, the global git excludes
    /// file and the ignore files of parent directories, as `rg` does without `--no-ignore`.
    pub ignore_files: bool,
    /// Honour git's ignore rules only inside a git repository (`rg` without `--no-require-git`).
    pub require_git: bool,
    /// Globs as `rg -g` takes them: a path must match one of the globs without `!` (when there
    /// are any) and none of the globs with `!`; the last matching glob wins. A glob without `/`
    /// matches a name at any depth; one with `/` is anchored at [`WalkRules::base_dir`].
    /// Explicitly given files are searched whatever the globs say.
    pub globs: Vec<String>,
    /// The directory globs (and global git excludes) are matched from. `None`: the process's
    /// current directory, as for `rg`.
    pub base_dir: Option<PathBuf>,
    /// How deep to descend below each root (`Some(0)`: the roots only).
    pub max_depth: Option<usize>,
    /// Follow symbolic links (`rg -L`).
    pub follow_links: bool,
    /// Checked for every entry (and every root) before it is opened.
    pub filter: Option<EntryFilter>,
    /// Walker threads; `0` chooses as `rg` does (the available cores, at most 12).
    pub threads: usize,
}

impl Default for WalkRules {
    fn default() -> Self {
        WalkRules {
            skip_hidden: true,
            ignore_files: true,
            require_git: true,
            globs: Vec::new(),
            base_dir: None,
            max_depth: None,
            follow_links: false,
            filter: None,
            threads: 0,
        }
    }
}

impl fmt::Debug for WalkRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalkRules")
            .field("skip_hidden", &self.skip_hidden)
            .field("ignore_files", &self.ignore_files)
            .field("require_git", &self.require_git)
            .field("globs", &self.globs)
            .field("base_dir", &self.base_dir)
            .field("max_depth", &self.max_depth)
            .field("follow_links", &self.follow_links)
            .field("filter", &self.filter.as_ref().map(|_| "…"))
            .field("threads", &self.threads)
            .finish()
    }
}

/// The rules compiled once (globs parsed), ready to build walkers.
#[derive(Clone)]
pub(crate) struct CompiledRules {
    rules: WalkRules,
    overrides: ignore::overrides::Override,
    base_dir: Option<PathBuf>,
}

impl CompiledRules {
    pub fn new(rules: WalkRules) -> Result<Self, SearchError> {
        let base_dir = rules
            .base_dir
            .clone()
            .or_else(|| std::env::current_dir().ok());
        let overrides = if rules.globs.is_empty() {
            ignore::overrides::Override::empty()
        } else {
            let root = base_dir.clone().unwrap_or_else(|| PathBuf::from("."));
            let mut builder = OverrideBuilder::new(root);
            for glob in &rules.globs {
                builder.add(glob).map_err(|e| SearchError::Glob {
                    glob: glob.clone(),
                    message: glob_message(&e),
                })?;
            }
            builder.build().map_err(|e| SearchError::Glob {
                glob: rules.globs.join(" "),
                message: glob_message(&e),
            })?
        };
        Ok(CompiledRules {
            rules,
            overrides,
            base_dir,
        })
    }

    /// Whether a root may be visited at all (the filter sees roots too).
    pub fn allows_root(&self, root: &Path) -> bool {
        self.rules.filter.as_ref().is_none_or(|f| f(root))
    }

    /// A walker over `roots` (at least one) with these rules.
    pub fn builder<P: AsRef<Path>>(&self, first: &P, rest: &[P]) -> WalkBuilder {
        let r = &self.rules;
        let mut builder = WalkBuilder::new(first);
        for root in rest {
            builder.add(root);
        }
        builder
            .max_depth(r.max_depth)
            .follow_links(r.follow_links)
            .threads(r.threads)
            .overrides(self.overrides.clone())
            .hidden(r.skip_hidden)
            .parents(r.ignore_files)
            .ignore(r.ignore_files)
            .git_global(r.ignore_files)
            .git_ignore(r.ignore_files)
            .git_exclude(r.ignore_files)
            .require_git(r.require_git);
        if let Some(dir) = &self.base_dir {
            builder.current_dir(dir.clone());
        }
        if r.ignore_files {
            builder.add_custom_ignore_filename(".rgignore");
        }
        if let Some(filter) = &r.filter {
            let filter = filter.clone();
            builder.filter_entry(move |entry| filter(entry.path()));
        }
        builder
    }
}

/// A glob error's own words, without the glob repeated in front.
fn glob_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Glob {
            err: message,
            glob: _,
        } => message.clone(),
        other => other.to_string(),
    }
}
