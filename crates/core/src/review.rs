//! Review mode (`Op::Review`): the model is asked to review a set of changes and answer with
//! findings as JSON, which are rendered as the turn's answer; with `[second_opinion]`, another
//! model reviews the same diff without tools and the two reviews are set side by side.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use codex_config::SecondOpinion;
use codex_protocol::{
    EventMsg, ExitedReviewModeEvent, ReviewFinding, ReviewOutputEvent, ReviewRequest, ReviewTarget,
    SecondOpinionConcern, SecondOpinionEvent, SecondOpinionVerdict, SecondReview,
};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use crate::rollout::RolloutLine;
use crate::second_opinion;
use crate::state::Session;

/// The instructions of a review turn, for the main model and the second reviewer alike.
pub(crate) const REVIEW_INSTRUCTIONS: &str = r#"You are reviewing a change to a code base, as a careful colleague would before it is merged.

What to report:
- Bugs the change introduces: wrong results, crashes, data loss, security holes, races, resource leaks, broken error handling, performance regressions that matter, and breakage of other code that you can point to.
- Only what the author would want to fix once told: concrete, actionable, introduced by this change (not problems that were already there), not a matter of taste. Leave out style, formatting, naming and typos unless they hide a real problem.
- Each finding once, at the shortest range of lines that shows it (a few lines, not a whole function), in a file the change touches.
- Report every finding that qualifies, and none when nothing does; do not invent findings to have something to say.

How to write a finding:
- The title starts with its priority, then says what is wrong in at most 80 characters: "[P0] …" must be fixed before anything else and holds whatever the input, "[P1] …" should be fixed next, "[P2] …" in due course, "[P3] …" would be nice. Set "priority" to the same number.
- The body is one short paragraph of Markdown: why it is wrong, and under which inputs or conditions it shows. At most three lines of code, in backticks. Matter-of-fact, no praise.
- "confidence_score" is how sure you are, from 0.0 to 1.0.

Then judge the change as a whole: "patch is correct" when existing code and tests keep working and nothing blocking is wrong with it, otherwise "patch is incorrect", with a one to three sentence explanation.

Answer with exactly one JSON object and nothing else (no Markdown fence, no prose around it):
{
  "findings": [
    {
      "title": "[P1] ...",
      "body": "...",
      "confidence_score": 0.0,
      "priority": 1,
      "code_location": {
        "absolute_file_path": "/absolute/path/to/file",
        "line_range": {"start": 1, "end": 1}
      }
    }
  ],
  "overall_correctness": "patch is correct",
  "overall_explanation": "...",
  "overall_confidence_score": 0.0
}"#;

/// Lines of slack when deciding whether two findings point at the same place.
const NEARBY_LINES: u32 = 3;

/// The most of a diff read from git for the second reviewer; it is cut further when sent.
const MAX_DIFF_READ: usize = 4 * 1024 * 1024;

/// An untracked file larger than this is named, not shown.
const MAX_UNTRACKED_FILE: u64 = 1024 * 1024;

/// The message that asks for the review.
pub(crate) async fn review_prompt(target: &ReviewTarget, cwd: &Path) -> Result<String, String> {
    Ok(match target {
        ReviewTarget::UncommittedChanges => "Review the current changes (staged, unstaged and \
             untracked files) and report prioritized, actionable findings."
            .to_string(),
        ReviewTarget::BaseBranch { branch } => {
            let base = merge_base(branch, cwd).await?;
            format!(
                "Review the changes on this branch against the base branch '{branch}'. Their \
                 merge base is commit {base}: `git diff {base}` shows the changes. Report \
                 prioritized, actionable findings."
            )
        }
        ReviewTarget::Commit { sha, title } => {
            let title = title
                .as_deref()
                .map(|t| format!(" (\"{t}\")"))
                .unwrap_or_default();
            format!(
                "Review the changes made by commit {sha}{title} (`git show {sha}` shows them). \
                 Report prioritized, actionable findings."
            )
        }
        ReviewTarget::Custom { instructions } => instructions.clone(),
    })
}

/// The diff `target` names, read with git, for a reviewer that has no tools.
pub(crate) async fn target_diff(target: &ReviewTarget, cwd: &Path) -> Result<String, String> {
    match target {
        ReviewTarget::UncommittedChanges | ReviewTarget::Custom { .. } => {
            uncommitted_diff(cwd).await
        }
        ReviewTarget::BaseBranch { branch } => {
            let base = merge_base(branch, cwd).await?;
            git(cwd, &["diff", "--no-color", &base]).await
        }
        ReviewTarget::Commit { sha, .. } => {
            git(cwd, &["show", "--no-color", "--format=", "--patch", sha]).await
        }
    }
}

async fn merge_base(branch: &str, cwd: &Path) -> Result<String, String> {
    let out = git(cwd, &["merge-base", "HEAD", branch])
        .await
        .map_err(|e| format!("cannot find where this branch left '{branch}': {e}"))?;
    Ok(out.trim().to_string())
}

/// Staged and unstaged changes against `HEAD`, then each untracked file as an addition.
async fn uncommitted_diff(cwd: &Path) -> Result<String, String> {
    let mut diff = match git(cwd, &["diff", "--no-color", "HEAD"]).await {
        Ok(diff) => diff,
        // No commit yet: everything staged, then what is not.
        Err(_) => {
            let mut staged = git(cwd, &["diff", "--no-color", "--cached"]).await?;
            staged.push_str(&git(cwd, &["diff", "--no-color"]).await?);
            staged
        }
    };
    let untracked = git(cwd, &["ls-files", "--others", "--exclude-standard", "-z"]).await?;
    for file in untracked.split('\0').filter(|f| !f.is_empty()) {
        if diff.len() > MAX_DIFF_READ {
            diff.push_str("[more untracked files not shown]\n");
            break;
        }
        let size = std::fs::metadata(cwd.join(file))
            .map(|m| m.len())
            .unwrap_or(0);
        if size > MAX_UNTRACKED_FILE {
            diff.push_str(&format!(
                "[untracked file {file}: {size} bytes, too large to show]\n"
            ));
            continue;
        }
        // Exit status 1 means "there are differences", which there always are here.
        let added = git_allowing(
            cwd,
            &["diff", "--no-color", "--no-index", "--", "/dev/null", file],
            &[1],
        )
        .await?;
        diff.push_str(&added);
    }
    Ok(diff)
}

async fn git(cwd: &Path, args: &[&str]) -> Result<String, String> {
    git_allowing(cwd, args, &[]).await
}

/// Runs git with a minimal environment (nothing of the user's but where to find programs and
/// git's own settings), without taking the index lock, and returns its output.
async fn git_allowing(cwd: &Path, args: &[&str], also_ok: &[i32]) -> Result<String, String> {
    let mut command = tokio::process::Command::new("git");
    command
        .arg("-C")
        .arg(cwd)
        .args(args)
        .env_clear()
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for name in ["PATH", "HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err("cannot run git: no output pipes".into());
    };
    // At most MAX_DIFF_READ bytes are kept; git is stopped rather than read to the end. (Its
    // stderr, a few lines, fits the pipe meanwhile.)
    let mut bytes = Vec::new();
    stdout
        .take(MAX_DIFF_READ as u64)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("cannot read git's output: {e}"))?;
    let cut = bytes.len() >= MAX_DIFF_READ;
    if cut {
        let _ = child.start_kill();
    }
    let mut err = Vec::new();
    let _ = stderr.take(64 * 1024).read_to_end(&mut err).await;
    let status = child
        .wait()
        .await
        .map_err(|e| format!("cannot run git: {e}"))?;
    let code = status.code().unwrap_or(-1);
    if !cut && !status.success() && !also_ok.contains(&code) {
        let stderr = String::from_utf8_lossy(&err);
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            stderr.trim()
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The review in the model's answer: the JSON object asked for (possibly fenced or with prose
/// around it). An answer that is not that JSON is kept whole as the explanation.
pub(crate) fn parse_review(text: &str) -> ReviewOutputEvent {
    if let Ok(output) = serde_json::from_str::<ReviewOutputEvent>(text.trim()) {
        return output;
    }
    if let (Some(start), Some(end)) = (text.find('{'), text.rfind('}'))
        && start < end
        && let Ok(value) = serde_json::from_str::<Value>(&text[start..=end])
        && (value.get("findings").is_some() || value.get("overall_correctness").is_some())
        && let Ok(output) = serde_json::from_value::<ReviewOutputEvent>(value)
    {
        return output;
    }
    ReviewOutputEvent {
        overall_explanation: text.trim().to_string(),
        ..Default::default()
    }
}

/// Sets the second review beside the first: findings at the same file and nearby lines are
/// the same finding; each is paired at most once.
pub(crate) fn compare(
    first: &ReviewOutputEvent,
    second: &ReviewOutputEvent,
    cwd: &Path,
) -> SecondReview {
    let mut taken = vec![false; second.findings.len()];
    let mut agreed = Vec::new();
    let mut only_first = Vec::new();
    for (i, a) in first.findings.iter().enumerate() {
        let paired = second
            .findings
            .iter()
            .enumerate()
            .find(|(j, b)| !taken[*j] && same_place(a, b, cwd));
        match paired {
            Some((j, _)) => {
                taken[j] = true;
                agreed.push([i, j]);
            }
            None => only_first.push(i),
        }
    }
    let only_second = (0..second.findings.len()).filter(|j| !taken[*j]).collect();
    SecondReview {
        review: second.clone(),
        agreed,
        only_first,
        only_second,
        same_correctness: correctness(first) == correctness(second),
    }
}

fn correctness(output: &ReviewOutputEvent) -> String {
    output.overall_correctness.trim().to_ascii_lowercase()
}

fn same_place(a: &ReviewFinding, b: &ReviewFinding, cwd: &Path) -> bool {
    let (a, b) = (&a.code_location, &b.code_location);
    if normalize(&a.absolute_file_path, cwd) != normalize(&b.absolute_file_path, cwd) {
        return false;
    }
    let (a_start, a_end) = span(a.line_range.start, a.line_range.end);
    let (b_start, b_end) = span(b.line_range.start, b.line_range.end);
    a_start <= b_end.saturating_add(NEARBY_LINES) && b_start <= a_end.saturating_add(NEARBY_LINES)
}

fn span(start: u32, end: u32) -> (u32, u32) {
    (start.min(end), start.max(end))
}

/// A path as the same file whoever wrote it: relative ones are taken from `cwd`, and `.` and
/// `..` are resolved by name.
fn normalize(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The verdict and concerns of a second review: `agree` when both found the same and judged the
/// change alike; otherwise each difference, tied to its file and line.
fn differences(first: &ReviewOutputEvent, second: &SecondReview, cwd: &Path) -> SecondOpinionEvent {
    let mut concerns = Vec::new();
    let concern = |prefix: &str, finding: &ReviewFinding| {
        let location = &finding.code_location;
        let path = normalize(&location.absolute_file_path, cwd);
        let file = path
            .strip_prefix(cwd)
            .unwrap_or(&path)
            .display()
            .to_string();
        let body = finding.body.trim();
        SecondOpinionConcern {
            text: if body.is_empty() {
                format!("{prefix}: {}", finding.title.trim())
            } else {
                format!("{prefix}: {} — {body}", finding.title.trim())
            },
            file: Some(file),
            line: Some(u64::from(location.line_range.start)),
        }
    };
    for &j in &second.only_second {
        concerns.push(concern(
            "only the second review found",
            &second.review.findings[j],
        ));
    }
    for &i in &second.only_first {
        concerns.push(concern("only the first review found", &first.findings[i]));
    }
    if !second.same_correctness {
        let say = |c: &str| {
            if c.trim().is_empty() {
                "nothing".to_string()
            } else {
                format!("\"{}\"", c.trim())
            }
        };
        concerns.push(SecondOpinionConcern {
            text: format!(
                "the reviews differ on the whole: the first says {}, the second {}",
                say(&first.overall_correctness),
                say(&second.review.overall_correctness)
            ),
            file: None,
            line: None,
        });
    }
    let verdict = if concerns.is_empty() {
        SecondOpinionVerdict::Agree
    } else {
        SecondOpinionVerdict::Concerns
    };
    SecondOpinionEvent {
        verdict: Some(verdict),
        concerns,
        model: String::new(),
        error: None,
        review: Some(second.clone()),
    }
}

/// Has the reviewer review the same changes from the diff alone (no tools), and compares its
/// review with `first`. Never fails: a failure is the event's `error`.
pub(crate) async fn second_review(
    reviewer: &SecondOpinion,
    session_id: &str,
    originator: String,
    request_text: &str,
    diff: Result<String, String>,
    first: &ReviewOutputEvent,
    cwd: &Path,
) -> SecondOpinionEvent {
    let failed = |error: String| SecondOpinionEvent {
        verdict: None,
        concerns: Vec::new(),
        model: reviewer.model.clone(),
        error: Some(error),
        review: None,
    };
    let diff = match diff {
        Ok(diff) => diff,
        Err(e) => return failed(format!("the changes could not be read: {e}")),
    };
    let text = format!(
        "{request_text}\n\nYou cannot run commands: the changes are below. The repository is at \
         {}; give each absolute_file_path as that directory joined with the path in the diff.\n\
         <diff>\n{}</diff>\n",
        cwd.display(),
        if diff.is_empty() {
            "(no changes)\n".to_string()
        } else {
            second_opinion::cut(&diff)
        }
    );
    let answer =
        second_opinion::ask_model(reviewer, session_id, originator, REVIEW_INSTRUCTIONS, text)
            .await;
    match answer {
        Ok(answer) if answer.trim().is_empty() => {
            failed("the reviewer gave an empty answer".into())
        }
        Ok(answer) => {
            let second = compare(first, &parse_review(&answer), cwd);
            let mut event = differences(first, &second, cwd);
            event.model = reviewer.model.clone();
            event
        }
        Err(e) => failed(e),
    }
}

/// A review turn: what was asked, and the promise that `ExitedReviewMode` is sent once
/// however the turn ends (without a review when it did not finish).
pub(crate) struct ReviewTurn {
    pub session: Arc<Session>,
    pub sub_id: String,
    pub request: ReviewRequest,
    /// The message that asked for the review.
    pub text: String,
    pub exited: bool,
}

impl ReviewTurn {
    pub(crate) fn exit(&mut self, review_output: Option<ReviewOutputEvent>) {
        self.exited = true;
        let event = EventMsg::ExitedReviewMode(ExitedReviewModeEvent { review_output });
        self.session
            .record_lines(vec![RolloutLine::EventMsg(event.clone())]);
        self.session.events.send(&self.sub_id, event);
    }
}

impl Drop for ReviewTurn {
    fn drop(&mut self) {
        if !self.exited {
            self.exit(None);
        }
    }
}

/// The second opinion on a review: the reviewer's own review of the same changes, compared.
pub(crate) fn second_review_of<'a>(
    session: &'a Session,
    review: &ReviewTurn,
    first: &ReviewOutputEvent,
) -> second_opinion::Opinion<'a> {
    let target = review.request.target.clone();
    let text = review.text.clone();
    let first = first.clone();
    Box::pin(async move {
        let reviewer = session.config.second_opinion.as_ref()?;
        let cwd = &session.config.cwd;
        let diff = target_diff(&target, cwd)
            .await
            .map(|diff| session.redact(&diff).into_owned());
        Some(
            second_review(
                reviewer,
                &session.session_id,
                crate::start::originator(&session.config),
                &text,
                diff,
                &first,
                cwd,
            )
            .await,
        )
    })
}

#[cfg(test)]
mod tests;
