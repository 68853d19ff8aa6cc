//! A second opinion: when a turn ends, another model (`[second_opinion]`) is shown the task,
//! the final answer, the commands run and the turn's diff, without tools, and asked for a JSON
//! verdict. A reviewer that fails is reported in the event; it never fails the turn.

use std::sync::Arc;

use codex_config::SecondOpinion;
use codex_protocol::{
    ResponseItem, SecondOpinionConcern, SecondOpinionEvent, SecondOpinionVerdict,
};
use codex_providers::{HttpModelClient, ModelClient, ModelSettings, Prompt, ResponseEvent};
use serde_json::Value;

use crate::state::Session;
use crate::tools::TurnContext;

const REVIEW_INSTRUCTIONS: &str = "You review the work of another coding agent. You are given \
the task it was asked to do, its final answer, the commands it ran with their exit codes, and \
the diff of the files it changed. Check whether the work does what the task asks, and look for \
bugs, risky changes and claims in the answer that the commands or the diff do not support. \
Answer with one JSON object and nothing else: \
{\"verdict\":\"agree\"|\"concerns\",\"concerns\":[{\"text\":\"...\",\"file\":\"path or null\",\
\"line\":number or null}]}. Use \"agree\" with an empty list when you have no concerns.";

/// The most of the turn's diff the reviewer is sent; a longer one is cut, saying so.
const MAX_DIFF_BYTES: usize = 200 * 1024;

/// What a turn did, as the reviewer is shown it.
pub(crate) struct TurnSummary {
    pub task: String,
    pub answer: Option<String>,
    /// Each command as typed, with its exit code.
    pub commands: Vec<(String, i32)>,
    pub diff: String,
}

impl TurnSummary {
    fn render(&self) -> String {
        let mut text = format!("<task>\n{}\n</task>\n", self.task);
        text.push_str(&format!(
            "<final_answer>\n{}\n</final_answer>\n",
            self.answer.as_deref().unwrap_or("(none)")
        ));
        text.push_str("<commands>\n");
        if self.commands.is_empty() {
            text.push_str("(none)\n");
        }
        for (command, exit_code) in &self.commands {
            text.push_str(&format!("$ {command}\n(exit code {exit_code})\n"));
        }
        text.push_str("</commands>\n<diff>\n");
        if self.diff.is_empty() {
            text.push_str("(no files changed)\n");
        } else {
            text.push_str(&cut(&self.diff));
        }
        text.push_str("</diff>\n");
        text
    }
}

/// `diff`, or as much of it as a reviewer is sent, saying so when it is cut.
pub(crate) fn cut(diff: &str) -> String {
    if diff.len() <= MAX_DIFF_BYTES {
        return diff.to_string();
    }
    let mut end = MAX_DIFF_BYTES;
    while !diff.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[diff cut: {} of {} bytes shown]\n",
        &diff[..end],
        end,
        diff.len()
    )
}

/// Asks the reviewer about `summary` (already redacted); never fails: a failure is the event's
/// `error`.
pub(crate) async fn review(
    reviewer: &SecondOpinion,
    session_id: &str,
    originator: String,
    summary: &TurnSummary,
) -> SecondOpinionEvent {
    let answer = ask_model(
        reviewer,
        session_id,
        originator,
        REVIEW_INSTRUCTIONS,
        summary.render(),
    )
    .await;
    let mut event = SecondOpinionEvent {
        verdict: None,
        concerns: Vec::new(),
        model: reviewer.model.clone(),
        error: None,
        review: None,
    };
    match answer {
        Ok(text) => match parse_verdict(&text) {
            Some((verdict, concerns)) => {
                event.verdict = Some(verdict);
                event.concerns = concerns;
            }
            None if text.trim().is_empty() => {
                event.error = Some("the reviewer gave an empty answer".into());
            }
            // Not the JSON asked for: the text itself is the concern.
            None => {
                event.verdict = Some(SecondOpinionVerdict::Concerns);
                event.concerns = vec![SecondOpinionConcern {
                    text: text.trim().to_string(),
                    file: None,
                    line: None,
                }];
            }
        },
        Err(message) => event.error = Some(message),
    }
    event
}

/// Sends `text` to the reviewer's model with `instructions` and no tools; its answer's text.
pub(crate) async fn ask_model(
    reviewer: &SecondOpinion,
    session_id: &str,
    originator: String,
    instructions: &str,
    text: String,
) -> Result<String, String> {
    let settings = ModelSettings {
        model: reviewer.model.clone(),
        reasoning_effort: None,
        reasoning_summary: Default::default(),
        verbosity: None,
        max_output_tokens: None,
        session_id: session_id.to_string(),
        originator,
        supports_reasoning: false,
    };
    let client =
        HttpModelClient::new(reviewer.provider.clone(), settings).map_err(|e| e.to_string())?;
    ask(&client, instructions, text).await
}

async fn ask(client: &dyn ModelClient, instructions: &str, text: String) -> Result<String, String> {
    let prompt = Prompt {
        instructions: instructions.to_string(),
        input: Arc::new(vec![ResponseItem::user_text(text)]),
        tools: Vec::new(),
        output_schema: None,
        parallel_tool_calls: false,
        cyber_access_program: None,
    };
    let mut stream = client.stream(&prompt).await.map_err(|e| e.to_string())?;
    let mut deltas = String::new();
    let mut messages = String::new();
    while let Some(event) = stream.next().await {
        match event.map_err(|e| e.to_string())? {
            ResponseEvent::OutputTextDelta(delta) => deltas.push_str(&delta),
            ResponseEvent::OutputItemDone(item) => {
                if let ResponseItem::Message { role, .. } = &item
                    && role == "assistant"
                {
                    messages.push_str(&item.message_text().unwrap_or_default());
                }
            }
            ResponseEvent::Completed { .. } => break,
            _ => {}
        }
    }
    Ok(if messages.is_empty() {
        deltas
    } else {
        messages
    })
}

/// The verdict in `text`: the JSON object asked for, possibly inside a code fence or prose.
pub(crate) fn parse_verdict(
    text: &str,
) -> Option<(SecondOpinionVerdict, Vec<SecondOpinionConcern>)> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    if end < start {
        return None;
    }
    let value: Value = serde_json::from_str(&text[start..=end]).ok()?;
    let concerns: Vec<SecondOpinionConcern> = value
        .get("concerns")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(concern).collect())
        .unwrap_or_default();
    let verdict = match value.get("verdict").and_then(Value::as_str) {
        Some(v) if v.eq_ignore_ascii_case("agree") => SecondOpinionVerdict::Agree,
        Some(_) => SecondOpinionVerdict::Concerns,
        None if value.get("concerns").is_some() => {
            if concerns.is_empty() {
                SecondOpinionVerdict::Agree
            } else {
                SecondOpinionVerdict::Concerns
            }
        }
        None => return None,
    };
    Some((verdict, concerns))
}

fn concern(value: &Value) -> Option<SecondOpinionConcern> {
    if let Some(text) = value.as_str() {
        return Some(SecondOpinionConcern {
            text: text.to_string(),
            file: None,
            line: None,
        });
    }
    let text = value.get("text").and_then(Value::as_str)?.to_string();
    let file = value
        .get("file")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
        .map(String::from);
    let line = value.get("line").and_then(|l| {
        l.as_u64()
            .or_else(|| l.as_str().and_then(|s| s.trim().parse().ok()))
    });
    Some(SecondOpinionConcern { text, file, line })
}

pub(crate) type Opinion<'a> =
    std::pin::Pin<Box<dyn Future<Output = Option<SecondOpinionEvent>> + Send + 'a>>;

/// The second opinion on a finished turn: the task, the answer, the commands and the diff.
pub(crate) fn of_turn<'a>(
    session: &'a Session,
    turn: &TurnContext,
    input_texts: &[String],
    answer: &Option<String>,
) -> Opinion<'a> {
    let summary = TurnSummary {
        task: session.redact(&input_texts.join("\n")).into_owned(),
        answer: answer.as_deref().map(|a| session.redact(a).into_owned()),
        commands: turn
            .turn_diff
            .commands()
            .into_iter()
            .map(|(c, code)| (session.redact(&c).into_owned(), code))
            .collect(),
        diff: session
            .redact(&turn.turn_diff.unified_diff(&session.config.cwd))
            .into_owned(),
    };
    Box::pin(async move {
        let reviewer = session.config.second_opinion.as_ref()?;
        Some(
            review(
                reviewer,
                &session.session_id,
                crate::start::originator(&session.config),
                &summary,
            )
            .await,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_diff_is_cut_on_a_char_boundary() {
        let summary = TurnSummary {
            task: "t".into(),
            answer: None,
            commands: vec![("ls".into(), 2)],
            diff: "é".repeat(MAX_DIFF_BYTES),
        };
        let text = summary.render();
        assert!(text.contains("$ ls\n(exit code 2)"), "{}", &text[..200]);
        assert!(text.contains(&format!(
            "[diff cut: {MAX_DIFF_BYTES} of {} bytes shown]",
            2 * MAX_DIFF_BYTES
        )));
        assert!(text.len() < MAX_DIFF_BYTES + 1000);
    }

    #[test]
    fn parses_the_json_verdict_leniently() {
        let (v, c) = parse_verdict(r#"{"verdict":"agree","concerns":[]}"#).expect("verdict");
        assert_eq!(v, SecondOpinionVerdict::Agree);
        assert!(c.is_empty());

        let text = "Here you go:\n```json\n{\"verdict\":\"concerns\",\"concerns\":[{\"text\":\"off by one\",\"file\":\"src/a.rs\",\"line\":\"12\"},\"plain\"]}\n```";
        let (v, c) = parse_verdict(text).expect("verdict");
        assert_eq!(v, SecondOpinionVerdict::Concerns);
        assert_eq!(c[0].file.as_deref(), Some("src/a.rs"));
        assert_eq!(c[0].line, Some(12));
        assert_eq!(c[1].text, "plain");

        assert!(parse_verdict("looks fine to me").is_none());
        assert!(parse_verdict("} {").is_none());
        assert!(parse_verdict("{not json}").is_none());
    }
}
