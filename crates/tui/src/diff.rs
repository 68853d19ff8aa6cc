//! `/diff`: what changed in the working tree, as `git diff` shows it, with untracked files
//! shown as added.

use std::path::Path;

use ratatui::text::{Line, Span};
use tokio::process::Command;

use crate::cells::strip_controls;
use crate::theme::Theme;

/// Most lines shown; the rest is counted.
const MAX_LINES: usize = 2000;

async fn git(cwd: &Path, args: &[&str]) -> Result<(i32, String), String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .env("GIT_PAGER", "cat")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run git: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() && output.status.code() != Some(1) {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(err.trim().to_string());
    }
    Ok((output.status.code().unwrap_or(0), text))
}

/// The diff of tracked changes against HEAD plus each untracked file as a new file.
pub async fn git_diff(cwd: &Path) -> Result<String, String> {
    let (_, inside) = git(cwd, &["rev-parse", "--is-inside-work-tree"]).await?;
    if inside.trim() != "true" {
        return Err("not inside a git repository".into());
    }
    let (_, mut diff) = git(cwd, &["diff", "--no-color", "HEAD", "--"])
        .await
        .or_else(|_| {
            // A repository without commits has no HEAD.
            Ok::<_, String>((0, String::new()))
        })?;
    if diff.is_empty() {
        diff = git(cwd, &["diff", "--no-color", "--"]).await?.1;
    }
    let (_, untracked) = git(cwd, &["ls-files", "--others", "--exclude-standard", "-z"]).await?;
    for file in untracked.split('\0').filter(|f| !f.is_empty()) {
        // `git diff --no-index` exits 1 when the files differ, which they do.
        if let Ok((_, text)) = git(
            cwd,
            &["diff", "--no-color", "--no-index", "--", "/dev/null", file],
        )
        .await
        {
            diff.push_str(&text);
        }
    }
    Ok(diff)
}

pub async fn git_diff_lines(cwd: &Path, theme: &Theme) -> Vec<Line<'static>> {
    let header = |text: &str| {
        Line::from(vec![
            Span::styled("• ", theme.accent()),
            Span::styled(text.to_string(), theme.bold()),
        ])
    };
    match git_diff(cwd).await {
        Err(message) => vec![header(&format!("/diff: {message}"))],
        Ok(diff) if diff.trim().is_empty() => vec![header("No changes")],
        Ok(diff) => {
            let mut out = vec![header("git diff")];
            let total = diff.lines().count();
            for line in diff.lines().take(MAX_LINES) {
                let style = if line.starts_with("+++") || line.starts_with("---") {
                    theme.bold()
                } else if line.starts_with('+') {
                    theme.added()
                } else if line.starts_with('-') {
                    theme.removed()
                } else if line.starts_with("@@") {
                    theme.hunk()
                } else if line.starts_with("diff ") {
                    theme.bold()
                } else {
                    theme.plain()
                };
                out.push(Line::from(Span::styled(
                    format!("  {}", strip_controls(line)),
                    style,
                )));
            }
            if total > MAX_LINES {
                out.push(Line::from(Span::styled(
                    format!("  … +{} lines", total - MAX_LINES),
                    theme.dim(),
                )));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn run(cwd: &Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(cwd)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[tokio::test]
    async fn tracked_and_untracked_changes_are_shown() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        run(repo, &["init", "-q"]);
        std::fs::write(repo.join("a.txt"), "one\n").unwrap();
        run(repo, &["add", "a.txt"]);
        run(repo, &["commit", "-q", "-m", "first"]);
        std::fs::write(repo.join("a.txt"), "two\n").unwrap();
        std::fs::write(repo.join("new.txt"), "fresh\n").unwrap();
        let diff = git_diff(repo).await.unwrap();
        assert!(diff.contains("-one\n+two"), "{diff}");
        assert!(diff.contains("+fresh"), "{diff}");
        assert!(diff.contains("new.txt"), "{diff}");
        let outside = tempfile::tempdir().unwrap();
        assert!(git_diff(outside.path()).await.is_err());
    }
}
