//! Unified diffs of planned changes, for events and review.

use similar::TextDiff;

use crate::plan::{ChangeKind, PlannedChange};

/// A unified diff between two texts, with `a/` and `b/` headers (`/dev/null` for none).
pub fn unified_diff(
    old: Option<&str>,
    new: Option<&str>,
    old_name: &str,
    new_name: &str,
) -> String {
    let a = if old.is_some() {
        format!("a/{old_name}")
    } else {
        "/dev/null".to_string()
    };
    let b = if new.is_some() {
        format!("b/{new_name}")
    } else {
        "/dev/null".to_string()
    };
    let old = old.unwrap_or("");
    let new = new.unwrap_or("");
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

impl PlannedChange {
    /// This change as a unified diff.
    pub fn unified_diff(&self) -> String {
        match &self.kind {
            ChangeKind::Add { content } => {
                unified_diff(None, Some(content), &self.display, &self.display)
            }
            ChangeKind::Delete { content } => {
                unified_diff(Some(content), None, &self.display, &self.display)
            }
            ChangeKind::Update { old, new, move_to } => {
                let dest = move_to
                    .as_ref()
                    .map(|(_, d)| d.as_str())
                    .unwrap_or(&self.display);
                unified_diff(Some(old), Some(new), &self.display, dest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_headers() {
        let d = unified_diff(Some("a\nb\n"), Some("a\nc\n"), "f", "f");
        assert!(
            d.starts_with("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"),
            "{d}"
        );
        let d = unified_diff(None, Some("x\n"), "n", "n");
        assert!(d.starts_with("--- /dev/null\n+++ b/n\n"), "{d}");
    }
}
