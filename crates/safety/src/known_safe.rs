//! Commands that only read: run without asking.

use crate::bash::{parse_plain_script, split_shell_wrapper};

const ALWAYS_SAFE: &[&str] = &[
    "cat",
    "cd",
    "cut",
    "echo",
    "expr",
    "false",
    "grep",
    "head",
    "id",
    "ls",
    "nl",
    "paste",
    "pwd",
    "rev",
    "seq",
    "stat",
    "tail",
    "tr",
    "true",
    "uname",
    "uniq",
    "wc",
    "which",
    "whoami",
    #[cfg(target_os = "linux")]
    "numfmt",
    #[cfg(target_os = "linux")]
    "tac",
];

/// Whether `argv` only reads. Shell wrappers are safe when every command of the script is.
pub fn is_known_safe_command(argv: &[String]) -> bool {
    if let Some(script) = split_shell_wrapper(argv) {
        return parse_plain_script(script)
            .is_some_and(|cmds| cmds.iter().all(|c| is_safe_single(c)));
    }
    is_safe_single(argv)
}

fn is_safe_single(argv: &[String]) -> bool {
    let Some(program) = argv.first() else {
        return false;
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    let args = &argv[1..];
    let has = |flags: &[&str]| {
        args.iter().any(|a| {
            flags
                .iter()
                .any(|f| a == f || (f.starts_with("--") && a.starts_with(&format!("{f}="))))
        })
    };
    match name {
        n if ALWAYS_SAFE.contains(&n) => true,
        "base64" => !has(&["-o", "--output"]) && !args.iter().any(|a| a.starts_with("--output=")),
        "find" => !has(&[
            "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0",
            "-fprintf",
        ]),
        "rg" => {
            !has(&["--pre", "--hostname-bin", "--search-zip", "-z"])
                && !args.iter().any(|a| a.starts_with("--pre="))
        }
        "git" => is_safe_git(args),
        "sed" => is_safe_sed(args),
        _ => false,
    }
}

fn is_safe_git(args: &[String]) -> bool {
    // A global option such as `-c core.pager=…` or `--exec-path` can run anything.
    let Some(sub) = args.first() else {
        return false;
    };
    let rest = &args[1..];
    let unsafe_flag = rest.iter().any(|a| {
        [
            "--output",
            "--ext-diff",
            "--textconv",
            "--exec",
            "--paginate",
        ]
        .iter()
        .any(|f| a == f || a.starts_with(&format!("{f}=")))
    });
    if unsafe_flag {
        return false;
    }
    match sub.as_str() {
        "status" | "log" | "diff" | "show" => true,
        // Listing branches only: any flag that creates, moves, copies or deletes is out.
        "branch" => rest.iter().all(|a| {
            [
                "-a",
                "--all",
                "-r",
                "--remotes",
                "-l",
                "--list",
                "-v",
                "-vv",
                "--verbose",
                "--show-current",
                "--contains",
                "--merged",
                "--no-merged",
            ]
            .contains(&a.as_str())
                || (a.starts_with("--format=") || a.starts_with("--sort="))
        }),
        _ => false,
    }
}

/// `sed -n Np` or `sed -n M,Np`, optionally with one file.
fn is_safe_sed(args: &[String]) -> bool {
    let range_ok = |s: &str| {
        let Some(body) = s.strip_suffix('p') else {
            return false;
        };
        let parts: Vec<&str> = body.split(',').collect();
        (1..=2).contains(&parts.len())
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    match args {
        [n, range] | [n, range, _] if n == "-n" => range_ok(range),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe(s: &[&str]) -> bool {
        is_known_safe_command(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn lists_and_exceptions() {
        assert!(safe(&["ls", "-la"]));
        assert!(safe(&["/usr/bin/cat", "file"]));
        assert!(safe(&["find", ".", "-name", "*.rs"]));
        assert!(!safe(&["find", ".", "-delete"]));
        assert!(!safe(&["find", ".", "-exec", "rm", "{}", ";"]));
        assert!(safe(&["rg", "TODO"]));
        assert!(!safe(&["rg", "--pre", "sh", "x"]));
        assert!(!safe(&["rg", "--pre=sh", "x"]));
        assert!(safe(&["git", "status"]));
        assert!(safe(&["git", "log", "--oneline"]));
        assert!(!safe(&["git", "-c", "core.pager=evil", "log"]));
        assert!(!safe(&["git", "diff", "--ext-diff"]));
        assert!(!safe(&["git", "log", "--output=/tmp/x"]));
        assert!(safe(&["git", "branch", "-a"]));
        assert!(!safe(&["git", "branch", "-D", "main"]));
        assert!(!safe(&["git", "commit", "-m", "x"]));
        assert!(safe(&["sed", "-n", "1,20p", "f.rs"]));
        assert!(!safe(&["sed", "-i", "s/a/b/", "f.rs"]));
        assert!(!safe(&["sed", "-n", "1,20p;w /tmp/x", "f.rs"]));
        assert!(safe(&["base64", "f"]));
        assert!(!safe(&["base64", "-o", "out", "f"]));
        assert!(!safe(&["python3", "-c", "print(1)"]));
    }

    #[test]
    fn shell_scripts_are_safe_only_if_every_part_is() {
        assert!(safe(&["bash", "-lc", "ls && git status | head -n 3"]));
        assert!(!safe(&["bash", "-lc", "ls && rm -rf /"]));
        assert!(!safe(&["bash", "-lc", "ls > out.txt"]));
        assert!(!safe(&["bash", "-lc", "cat $(echo /etc/passwd)"]));
        assert!(safe(&["zsh", "-c", "echo 'a b'"]));
    }
}
