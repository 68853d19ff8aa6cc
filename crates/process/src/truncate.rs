//! What of a command's output the model is shown: the head and the tail, within a budget.

pub const MODEL_OUTPUT_MAX_BYTES: usize = 10 * 1024;
pub const MODEL_OUTPUT_MAX_LINES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncated {
    pub text: String,
    /// Set when something was left out: the number of lines in the whole output.
    pub total_lines: Option<usize>,
}

/// Keeps the first and last halves of the line and byte budgets, with a marker in between that
/// says how much was left out.
pub fn truncate_for_model(output: &str) -> Truncated {
    let lines: Vec<&str> = output.split_inclusive('\n').collect();
    let total = lines.len();
    if output.len() <= MODEL_OUTPUT_MAX_BYTES && total <= MODEL_OUTPUT_MAX_LINES {
        return Truncated {
            text: output.to_string(),
            total_lines: None,
        };
    }
    let half_lines = MODEL_OUTPUT_MAX_LINES / 2;
    // Over the line budget: the first and last half-budgets of lines; otherwise the whole
    // output, from which the byte budget below takes the two ends.
    let (head, tail) = if total > MODEL_OUTPUT_MAX_LINES {
        (
            lines[..half_lines].concat(),
            lines[total - half_lines..].concat(),
        )
    } else {
        (output.to_string(), output.to_string())
    };
    let half = MODEL_OUTPUT_MAX_BYTES / 2;
    let head = prefix_within(&head, half);
    let tail = suffix_within(&tail, half);
    let kept_lines = count_lines(head) + count_lines(tail);
    let omitted_lines = total.saturating_sub(kept_lines);
    let omitted_bytes = output.len() - head.len() - tail.len();
    let marker = if omitted_lines > 0 {
        format!("[... omitted {omitted_lines} of {total} lines ({omitted_bytes} bytes) ...]")
    } else {
        format!(
            "[... omitted {omitted_bytes} of {} bytes ...]",
            output.len()
        )
    };
    let sep = if head.ends_with('\n') || head.is_empty() {
        ""
    } else {
        "\n"
    };
    Truncated {
        text: format!("{head}{sep}{marker}\n\n{tail}"),
        total_lines: Some(total),
    }
}

fn count_lines(s: &str) -> usize {
    s.split_inclusive('\n').count()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix_within(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn suffix_within(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_untouched() {
        let t = truncate_for_model("a\nb\n");
        assert_eq!(t.text, "a\nb\n");
        assert_eq!(t.total_lines, None);
    }

    #[test]
    fn many_lines_keep_head_and_tail() {
        let out: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let t = truncate_for_model(&out);
        assert_eq!(t.total_lines, Some(1000));
        assert!(t.text.starts_with("line 0\n"));
        assert!(t.text.contains("line 127\n[... omitted 744 of 1000 lines"));
        assert!(t.text.ends_with("line 999\n"));
        assert!(!t.text.contains("line 128\n"));
        assert!(t.text.contains("\n\nline 872\n"));
    }

    #[test]
    fn long_lines_are_cut_to_the_byte_budget() {
        let out: String = (0..100)
            .map(|i| format!("{i}:{}\n", "x".repeat(500)))
            .collect();
        let t = truncate_for_model(&out);
        assert!(
            t.text.len() <= MODEL_OUTPUT_MAX_BYTES + 200,
            "{}",
            t.text.len()
        );
        assert!(t.text.starts_with("0:xxx"));
        assert!(t.text.ends_with(&format!("99:{}\n", "x".repeat(500))));
        assert!(t.text.contains("[... omitted "));
    }

    #[test]
    fn one_huge_line_reports_bytes() {
        let out = "é".repeat(20_000);
        let t = truncate_for_model(&out);
        assert!(t.text.contains("[... omitted "));
        assert!(
            t.text.contains(" of 40000 bytes ...]"),
            "{}",
            &t.text[5000..5200]
        );
        assert_eq!(t.total_lines, Some(1));
    }
}
