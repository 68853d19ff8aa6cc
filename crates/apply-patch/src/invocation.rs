//! Shell calls that are really patches: `["apply_patch", PATCH]`, `["applypatch", PATCH]`, and
//! `bash -lc "apply_patch <<'EOF' … EOF"`, optionally after `cd DIR &&`. The engine applies
//! these itself instead of starting a shell.

use std::path::PathBuf;

const NAMES: [&str; 2] = ["apply_patch", "applypatch"];
const SHELLS: [&str; 4] = ["bash", "sh", "zsh", "dash"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellPatch {
    pub patch: String,
    /// The directory of a leading `cd DIR &&`, relative to the call's workdir.
    pub cd: Option<PathBuf>,
}

/// Recognises a patch in a shell command's argv, if it is one.
pub fn parse_shell_invocation(argv: &[String]) -> Option<ShellPatch> {
    match argv {
        [name, patch] if NAMES.contains(&name.as_str()) => Some(ShellPatch {
            patch: patch.clone(),
            cd: None,
        }),
        [shell, flag, script] if is_shell(shell) && (flag == "-lc" || flag == "-c") => {
            parse_script(script)
        }
        _ => None,
    }
}

/// Whether argv starts like a patch call (so a malformed one can be reported as such).
pub fn looks_like_patch_call(argv: &[String]) -> bool {
    match argv {
        [name, ..] if NAMES.contains(&name.as_str()) => true,
        [shell, flag, script] if is_shell(shell) && (flag == "-lc" || flag == "-c") => {
            let s = strip_cd(script.trim_start()).1;
            NAMES.iter().any(|n| s.starts_with(n))
        }
        _ => false,
    }
}

fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    SHELLS.contains(&name)
}

/// Splits a leading `cd DIR &&` off a script.
fn strip_cd(script: &str) -> (Option<PathBuf>, &str) {
    let Some(rest) = script.strip_prefix("cd ") else {
        return (None, script);
    };
    let rest = rest.trim_start();
    let (dir, after) = match rest.chars().next() {
        Some(q @ ('\'' | '"')) => match rest[1..].find(q) {
            Some(end) => (&rest[1..1 + end], &rest[end + 2..]),
            None => return (None, script),
        },
        _ => match rest.find(char::is_whitespace) {
            Some(end) => (&rest[..end], &rest[end..]),
            None => return (None, script),
        },
    };
    match after.trim_start().strip_prefix("&&") {
        Some(tail) => (Some(PathBuf::from(dir)), tail.trim_start()),
        None => (None, script),
    }
}

fn parse_script(script: &str) -> Option<ShellPatch> {
    let (cd, rest) = strip_cd(script.trim());
    let name = NAMES.iter().find(|n| rest.starts_with(**n))?;
    let rest = rest[name.len()..].trim_start();
    let rest = rest.strip_prefix("<<")?;
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let (header, body) = rest.split_once('\n')?;
    let delimiter = header.trim().trim_matches(|c| c == '\'' || c == '"');
    if delimiter.is_empty()
        || !delimiter
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    // The body runs to the delimiter line, which must end the script.
    let mut lines: Vec<&str> = body.lines().collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines.last().map(|l| l.trim()) != Some(delimiter) {
        return None;
    }
    lines.pop();
    Some(ShellPatch {
        patch: lines.join("\n"),
        cd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    const PATCH: &str = "*** Begin Patch\n*** Delete File: x\n*** End Patch";

    #[test]
    fn direct_forms() {
        for name in ["apply_patch", "applypatch"] {
            let p = parse_shell_invocation(&argv(&[name, PATCH])).unwrap();
            assert_eq!(p.patch, PATCH);
            assert_eq!(p.cd, None);
        }
    }

    #[test]
    fn heredoc_forms() {
        for (script, cd) in [
            (format!("apply_patch <<'EOF'\n{PATCH}\nEOF\n"), None),
            (format!("apply_patch <<\"PATCH\"\n{PATCH}\nPATCH"), None),
            (format!("applypatch <<EOF\n{PATCH}\nEOF"), None),
            (
                format!("cd src/app && apply_patch <<'EOF'\n{PATCH}\nEOF\n"),
                Some("src/app"),
            ),
            (
                format!("cd 'my dir' && apply_patch <<'EOF'\n{PATCH}\nEOF"),
                Some("my dir"),
            ),
        ] {
            let p = parse_shell_invocation(&argv(&["bash", "-lc", &script]))
                .unwrap_or_else(|| panic!("{script}"));
            assert_eq!(p.patch, PATCH);
            assert_eq!(p.cd, cd.map(PathBuf::from));
        }
    }

    #[test]
    fn other_commands_are_not_patches() {
        assert!(parse_shell_invocation(&argv(&["bash", "-lc", "ls -la"])).is_none());
        assert!(parse_shell_invocation(&argv(&["apply_patch"])).is_none());
        let trailing = format!("apply_patch <<'EOF'\n{PATCH}\nEOF\nrm -rf /");
        assert!(parse_shell_invocation(&argv(&["bash", "-lc", &trailing])).is_none());
        assert!(looks_like_patch_call(&argv(&["apply_patch"])));
        assert!(!looks_like_patch_call(&argv(&["ls"])));
    }
}
