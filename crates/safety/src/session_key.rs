//! What "approve for this session" remembers: the normalised command and the directory.

use std::path::Path;

use crate::bash::{parse_plain_script, split_shell_wrapper};
use crate::dangerous::command_might_be_dangerous;

/// Programs whose first plain argument names what they do (`git commit`, `cargo test`, …).
const SUBCOMMAND_TOOLS: &[&str] = &[
    "git", "cargo", "npm", "npx", "pnpm", "yarn", "bun", "docker", "kubectl", "go", "pip", "pip3",
    "uv", "poetry", "make", "just", "gh", "dotnet", "mvn", "gradle",
];

/// Programs whose arguments say what they destroy or change: remembered with their arguments.
const TARGETED: &[&str] = &[
    "rm", "mv", "cp", "dd", "chmod", "chown", "truncate", "kill", "pkill",
];

/// The key an approval for the session is stored under. Quoting and `bash -lc` wrapping do not
/// change it; for most programs positional arguments do not either (`cargo test a` and
/// `cargo test b` are the same approval). Dangerous commands are remembered exactly.
pub fn session_key(argv: &[String], cwd: &Path) -> String {
    let commands: Vec<Vec<String>> = match split_shell_wrapper(argv) {
        Some(script) => match parse_plain_script(script) {
            Some(commands) => commands,
            None => vec![vec!["<script>".to_string(), script.to_string()]],
        },
        None => vec![argv.to_vec()],
    };
    let parts: Vec<String> = commands.iter().map(|c| normalise(c)).collect();
    format!("{}\u{0}{}", cwd.display(), parts.join(" && "))
}

fn normalise(argv: &[String]) -> String {
    let Some(program) = argv.first() else {
        return String::new();
    };
    let name = program.rsplit('/').next().unwrap_or(program).to_string();
    if command_might_be_dangerous(argv) || TARGETED.contains(&name.as_str()) {
        let mut exact = vec![name];
        exact.extend(argv[1..].iter().cloned());
        return exact.join("\u{1}");
    }
    let args = &argv[1..];
    let mut key = vec![name.clone()];
    if SUBCOMMAND_TOOLS.contains(&name.as_str())
        && let Some(sub) = args.iter().find(|a| !a.starts_with('-'))
    {
        key.push(sub.clone());
    }
    let mut flags: Vec<String> = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(|a| a.split('=').next().unwrap_or(a).to_string())
        .collect();
    flags.sort();
    flags.dedup();
    key.extend(flags);
    key.join("\u{1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &[&str], cwd: &str) -> String {
        session_key(
            &s.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            Path::new(cwd),
        )
    }

    #[test]
    fn quoting_and_wrapping_do_not_matter() {
        let a = key(&["cargo", "test", "--release", "foo"], "/w");
        assert_eq!(a, key(&["bash", "-lc", "cargo test --release bar"], "/w"));
        assert_eq!(a, key(&["bash", "-lc", "cargo 'test' \"--release\""], "/w"));
        assert_eq!(a, key(&["/usr/bin/cargo", "test", "--release"], "/w"));
    }

    #[test]
    fn directory_subcommand_flags_and_targets_do() {
        let a = key(&["cargo", "test"], "/w");
        assert_ne!(a, key(&["cargo", "test"], "/other"));
        assert_ne!(a, key(&["cargo", "build"], "/w"));
        assert_ne!(a, key(&["cargo", "test", "--release"], "/w"));
        assert_ne!(key(&["rm", "a"], "/w"), key(&["rm", "b"], "/w"));
        assert_ne!(
            key(&["git", "push", "--force"], "/w"),
            key(&["git", "push", "-f"], "/w")
        );
    }
}
