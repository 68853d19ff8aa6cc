//! Slash commands typed in the composer, and custom prompts from `$CODEX_HOME/prompts/*.md`
//! run as `/prompts:<name> [args…]` with `$1`…`$9` and `$ARGUMENTS` filled in.

use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub enum SlashCommand {
    /// Show the model, or switch to the one named.
    Model(Option<String>),
    /// Show the approval policy, or switch to the one named.
    Approvals(Option<String>),
    New,
    /// Pick a recorded session of this folder and continue it.
    Resume,
    Init,
    Compact,
    Diff,
    Status,
    /// The MCP servers and their tools.
    Mcp,
    /// Show the second opinion, or have the model of a profile review each turn (`off` stops).
    SecondOpinion(Option<String>),
    Quit,
    /// A custom prompt, expanded.
    Prompt {
        name: String,
        text: String,
    },
}

/// The built-in commands, as the popup lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    ("model", "show the model, or /model NAME to switch"),
    (
        "approvals",
        "show the approval policy, or /approvals untrusted|on-failure|on-request|never",
    ),
    ("new", "start a new session"),
    ("resume", "continue one of this folder's earlier sessions"),
    (
        "init",
        "write an AGENTS.md with instructions for this project",
    ),
    ("compact", "summarise the conversation to free context"),
    ("diff", "show git diff, untracked files included"),
    (
        "status",
        "model, sandbox, approvals, tokens, context and cost",
    ),
    ("mcp", "the MCP servers and their tools"),
    (
        "second-opinion",
        "show the reviewing model, /second-opinion PROFILE to have it review each turn, or off",
    ),
    ("quit", "exit"),
    ("exit", "exit"),
];

/// What `/init` asks the agent to do.
pub const INIT_PROMPT: &str = "Create an AGENTS.md file in the current directory for this \
project: a short guide for coding agents working in this repository. Look at the project first \
(build files, README, source layout, tests, CI). Include how to build, test and lint it, the \
layout and where things live, the conventions the code follows, and anything surprising. Keep \
it concise and factual; do not invent commands you have not seen evidence for.";

/// Parses `/name args`. Unknown commands are an error naming what exists.
pub fn parse(input: &str, codex_home: &Path) -> Result<SlashCommand, String> {
    let body = input.trim().trim_start_matches('/');
    let (name, args) = match body.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (body, ""),
    };
    if let Some(prompt) = name.strip_prefix("prompts:") {
        let text = load_prompt(codex_home, prompt)?;
        return Ok(SlashCommand::Prompt {
            name: prompt.to_string(),
            text: expand_arguments(&text, args),
        });
    }
    Ok(match name {
        "model" => SlashCommand::Model((!args.is_empty()).then(|| args.to_string())),
        "approvals" => match args {
            "" => SlashCommand::Approvals(None),
            "untrusted" | "on-failure" | "on-request" | "never" => {
                SlashCommand::Approvals(Some(args.to_string()))
            }
            other => {
                return Err(format!(
                    "/approvals {other}: the policies are untrusted, on-failure, on-request and never"
                ));
            }
        },
        "new" => SlashCommand::New,
        "resume" => SlashCommand::Resume,
        "init" => SlashCommand::Init,
        "compact" => SlashCommand::Compact,
        "diff" => SlashCommand::Diff,
        "status" => SlashCommand::Status,
        "mcp" => SlashCommand::Mcp,
        "second-opinion" => {
            SlashCommand::SecondOpinion((!args.is_empty()).then(|| args.to_string()))
        }
        "quit" | "exit" => SlashCommand::Quit,
        other => {
            let names: Vec<String> = COMMANDS.iter().map(|(n, _)| format!("/{n}")).collect();
            return Err(format!(
                "unknown command /{other}; commands: {}, and /prompts:<name> for the prompts in {}",
                names.join(" "),
                codex_home.join("prompts").display()
            ));
        }
    })
}

/// The custom prompts available: file stems of `$CODEX_HOME/prompts/*.md`, sorted.
pub fn custom_prompts(codex_home: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(codex_home.join("prompts")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

fn load_prompt(codex_home: &Path, name: &str) -> Result<String, String> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(format!("/prompts:{name}: not a prompt name"));
    }
    let path = codex_home.join("prompts").join(format!("{name}.md"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let known = custom_prompts(codex_home);
        let list = if known.is_empty() {
            "there are none".to_string()
        } else {
            known.join(", ")
        };
        format!(
            "/prompts:{name}: cannot read {}: {e} (prompts: {list})",
            path.display()
        )
    })?;
    Ok(strip_front_matter(&text).to_string())
}

/// A leading `---` … `---` block (description and argument hints) is not part of the prompt.
fn strip_front_matter(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + 5..],
        None => text,
    }
}

/// Splits arguments like a shell would for words: whitespace-separated, with "double" or
/// 'single' quotes grouping words.
fn split_args(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut has_word = false;
    for c in args.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                has_word = true;
            }
            None if c.is_whitespace() => {
                if has_word || !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                    has_word = false;
                }
            }
            None => current.push(c),
        }
    }
    if has_word || !current.is_empty() {
        out.push(current);
    }
    out
}

/// `$1`…`$9` are the positional arguments (empty when missing), `$ARGUMENTS` all of them as
/// typed, `$$` a literal `$`.
pub fn expand_arguments(template: &str, args: &str) -> String {
    let words = split_args(args);
    let mut out = String::with_capacity(template.len() + args.len());
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("ARGUMENTS") {
            out.push_str(args);
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(d) = after
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .filter(|d| *d >= 1)
        {
            if let Some(word) = words.get(d as usize - 1) {
                out.push_str(word);
            }
            rest = &after[1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn builtins_parse_and_unknown_ones_say_what_exists() {
        let home = Path::new("/nonexistent");
        assert_eq!(parse("/status", home).unwrap(), SlashCommand::Status);
        assert_eq!(parse("/exit", home).unwrap(), SlashCommand::Quit);
        assert_eq!(parse("  /diff  ", home).unwrap(), SlashCommand::Diff);
        assert_eq!(parse("/model", home).unwrap(), SlashCommand::Model(None));
        assert_eq!(
            parse("/model o3-mini", home).unwrap(),
            SlashCommand::Model(Some("o3-mini".into()))
        );
        assert_eq!(
            parse("/approvals never", home).unwrap(),
            SlashCommand::Approvals(Some("never".into()))
        );
        assert!(parse("/approvals sometimes", home).is_err());
        let err = parse("/bogus", home).unwrap_err();
        assert!(
            err.contains("unknown command /bogus") && err.contains("/status"),
            "{err}"
        );
    }

    #[test]
    fn arguments_fill_the_placeholders() {
        assert_eq!(
            expand_arguments(
                "Fix $1 in $2 ($ARGUMENTS) costs $$5, $9.",
                "bug \"src/a b.rs\""
            ),
            "Fix bug in src/a b.rs (bug \"src/a b.rs\") costs $5, ."
        );
        assert_eq!(expand_arguments("no placeholders", "x"), "no placeholders");
        assert_eq!(expand_arguments("ends with $", ""), "ends with $");
        assert_eq!(expand_arguments("$0 stays", "a"), "$0 stays");
    }

    #[test]
    fn custom_prompts_load_from_codex_home() {
        let dir = tempfile::tempdir().unwrap();
        let prompts = dir.path().join("prompts");
        std::fs::create_dir(&prompts).unwrap();
        std::fs::write(
            prompts.join("review.md"),
            "---\ndescription: review a file\n---\nReview $1 carefully.\n",
        )
        .unwrap();
        std::fs::write(prompts.join("notes.txt"), "not a prompt").unwrap();
        assert_eq!(custom_prompts(dir.path()), vec!["review".to_string()]);
        assert_eq!(
            parse("/prompts:review src/main.rs", dir.path()).unwrap(),
            SlashCommand::Prompt {
                name: "review".into(),
                text: "Review src/main.rs carefully.\n".into()
            }
        );
        let err = parse("/prompts:missing", dir.path()).unwrap_err();
        assert!(err.contains("prompts: review"), "{err}");
        assert!(parse("/prompts:../x", dir.path()).is_err());
    }
}
