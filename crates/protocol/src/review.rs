//! Review mode: what to review, the review a model returns, and how a second reviewer's review
//! compares with it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `Op::Review`: review a set of changes instead of working on a task.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReviewRequest {
    pub target: ReviewTarget,
    /// How front-ends name the review to the user ("current changes", "changes against
    /// 'main'", …); derived from `target` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_facing_hint: Option<String>,
}

/// The changes a review looks at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ReviewTarget {
    /// Staged, unstaged and untracked changes.
    UncommittedChanges,
    /// The changes since this branch's merge base with `branch`.
    #[serde(rename_all = "camelCase")]
    BaseBranch { branch: String },
    /// The changes one commit made.
    #[serde(rename_all = "camelCase")]
    Commit {
        sha: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// The user's own instructions (the changes are the uncommitted ones).
    #[serde(rename_all = "camelCase")]
    Custom { instructions: String },
}

impl ReviewTarget {
    /// The short description front-ends show for the review.
    pub fn hint(&self) -> String {
        match self {
            ReviewTarget::UncommittedChanges => "current changes".into(),
            ReviewTarget::BaseBranch { branch } => format!("changes against '{branch}'"),
            ReviewTarget::Commit { sha, title } => {
                let short: String = sha.chars().take(7).collect();
                match title {
                    Some(title) => format!("commit {short}: {title}"),
                    None => format!("commit {short}"),
                }
            }
            ReviewTarget::Custom { instructions } => instructions.trim().to_string(),
        }
    }
}

/// A finished review, in the shape review models are asked to answer with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ReviewOutputEvent {
    #[serde(default)]
    pub findings: Vec<ReviewFinding>,
    /// `patch is correct` or `patch is incorrect`; empty when the model did not say.
    #[serde(default)]
    pub overall_correctness: String,
    #[serde(default)]
    pub overall_explanation: String,
    #[serde(default)]
    pub overall_confidence_score: f32,
}

impl ReviewOutputEvent {
    /// The review as text: the explanation, then each finding with its place and body.
    pub fn render(&self) -> String {
        let mut sections: Vec<String> = Vec::new();
        let explanation = self.overall_explanation.trim();
        if !explanation.is_empty() {
            sections.push(explanation.to_string());
        }
        if !self.findings.is_empty() {
            let heading = if self.findings.len() == 1 {
                "Review comment:"
            } else {
                "Full review comments:"
            };
            let findings: Vec<String> = self.findings.iter().map(ReviewFinding::render).collect();
            sections.push(format!("{heading}\n\n{}", findings.join("\n\n")));
        }
        sections.join("\n\n")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReviewFinding {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub confidence_score: f32,
    /// 0 (drop everything) to 3 (nice to have).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    pub code_location: ReviewCodeLocation,
}

impl ReviewFinding {
    /// `- title — path:start-end`, then the body indented under it.
    pub fn render(&self) -> String {
        let location = &self.code_location;
        let mut text = format!(
            "- {} — {}:{}-{}",
            self.title.trim(),
            location.absolute_file_path.display(),
            location.line_range.start,
            location.line_range.end
        );
        for line in self.body.trim_end().lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
        text
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReviewCodeLocation {
    pub absolute_file_path: PathBuf,
    pub line_range: ReviewLineRange,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReviewLineRange {
    pub start: u32,
    pub end: u32,
}

/// A review has ended. `review_output` is unset when the review did not finish (interrupted
/// or failed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExitedReviewModeEvent {
    pub review_output: Option<ReviewOutputEvent>,
}

/// The second reviewer's own review of the same changes, set beside the first: which findings
/// both made (same file, overlapping lines), which only one did, and whether both reached the
/// same overall verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecondReview {
    pub review: ReviewOutputEvent,
    /// Pairs of indices: `[first review's finding, second review's finding]`.
    pub agreed: Vec<[usize; 2]>,
    /// Findings (indices into the first review) the second did not make.
    pub only_first: Vec<usize>,
    /// Findings (indices into the second review) the first did not make.
    pub only_second: Vec<usize>,
    pub same_correctness: bool,
}
