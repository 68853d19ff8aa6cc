//! Commands that can destroy work: always asked about unless the policy is `never`.

use crate::bash::{parse_plain_script, split_shell_wrapper};

/// Whether `argv` may destroy data: forced removals, hard resets, forced pushes, disk writes —
/// also inside `sudo` and shell scripts. A script that cannot be read counts as dangerous when
/// it mentions one of these programs.
pub fn command_might_be_dangerous(argv: &[String]) -> bool {
    if let Some(script) = split_shell_wrapper(argv) {
        return match parse_plain_script(script) {
            Some(commands) => commands.iter().any(|c| command_might_be_dangerous(c)),
            None => mentions_destructive_program(script),
        };
    }
    let Some(program) = argv.first() else {
        return false;
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    let args = &argv[1..];
    let any = |pred: &dyn Fn(&str) -> bool| args.iter().any(|a| pred(a));
    match name {
        "sudo" | "doas" => {
            let rest: Vec<String> = args
                .iter()
                .skip_while(|a| a.starts_with('-'))
                .cloned()
                .collect();
            rest.is_empty() || command_might_be_dangerous(&rest)
        }
        "rm" => any(&|a| {
            a == "--force"
                || a == "--recursive"
                || (a.starts_with('-')
                    && !a.starts_with("--")
                    && (a.contains('f') || a.contains('r') || a.contains('R')))
        }),
        "git" => is_dangerous_git(args),
        "dd" => any(&|a| a.starts_with("of=")),
        "shred" | "wipefs" | "fdisk" | "sfdisk" | "parted" | "mkswap" => true,
        n if n.starts_with("mkfs") => true,
        "chmod" | "chown" | "chgrp" => any(&|a| a == "-R" || a == "--recursive"),
        "find" => any(&|a| a == "-delete"),
        "truncate" => true,
        _ => false,
    }
}

fn is_dangerous_git(args: &[String]) -> bool {
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    let has = |flags: &[&str]| args.iter().any(|a| flags.contains(&a.as_str()));
    match sub {
        Some("reset") => has(&["--hard", "--merge", "--keep"]),
        Some("push") => {
            has(&["--force", "-f", "--mirror", "--delete", "-d"])
                || args
                    .iter()
                    .any(|a| a.starts_with("--force-with-lease") || a.starts_with('+'))
        }
        Some("clean") => args.iter().any(|a| {
            a == "--force" || (a.starts_with('-') && !a.starts_with("--") && a.contains('f'))
        }),
        Some("branch") => has(&["-D", "--delete", "-d"]),
        Some("checkout") | Some("restore") | Some("switch") => has(&["-f", "--force", "--", "."]),
        Some("stash") => has(&["drop", "clear"]),
        Some("rm") => true,
        Some("filter-branch") | Some("update-ref") => true,
        _ => false,
    }
}

fn mentions_destructive_program(script: &str) -> bool {
    script
        .split(|c: char| c.is_whitespace() || ";&|()`$".contains(c))
        .any(|w| {
            let w = w.rsplit('/').next().unwrap_or(w);
            ["rm", "dd", "shred", "mkfs", "wipefs", "truncate"].contains(&w)
                || w.starts_with("mkfs.")
        })
        || script.contains("git reset --hard")
        || script.contains("git push -f")
        || script.contains("git push --force")
        || script.contains("git clean")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &[&str]) -> bool {
        command_might_be_dangerous(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn destructive_commands() {
        assert!(d(&["rm", "-rf", "build"]));
        assert!(d(&["rm", "-f", "a"]));
        assert!(d(&["rm", "--force", "a"]));
        assert!(!d(&["rm", "a.txt"]));
        assert!(d(&["git", "reset", "--hard"]));
        assert!(!d(&["git", "reset", "HEAD~1"]));
        assert!(d(&["git", "push", "--force"]));
        assert!(d(&["git", "push", "origin", "+main"]));
        assert!(!d(&["git", "push"]));
        assert!(d(&["git", "clean", "-fdx"]));
        assert!(d(&["sudo", "rm", "-rf", "/"]));
        assert!(d(&["dd", "if=/dev/zero", "of=/dev/sda"]));
        assert!(d(&["bash", "-lc", "cd x && rm -rf y"]));
        assert!(d(&["bash", "-lc", "rm -rf $DIR"]));
        assert!(!d(&["bash", "-lc", "ls && cargo test"]));
        assert!(!d(&["cargo", "test"]));
    }
}
