//! Reading `bash -lc "…"` scripts with a real shell parser (tree-sitter-bash), accepting only
//! plain commands joined by `&&`, `||`, `;` and `|`.

use tree_sitter::{Node, Parser};

const SHELLS: [&str; 4] = ["bash", "sh", "zsh", "dash"];

/// The script of `bash -lc SCRIPT` (or `-c`, and the same for sh/zsh/dash), if argv is one.
pub fn split_shell_wrapper(argv: &[String]) -> Option<&str> {
    match argv {
        [shell, flag, script] => {
            let name = shell.rsplit('/').next().unwrap_or(shell);
            (SHELLS.contains(&name) && (flag == "-lc" || flag == "-c")).then_some(script.as_str())
        }
        _ => None,
    }
}

/// The commands of a script made only of plain words joined by `&&`, `||`, `;` or `|`; `None`
/// for anything else (redirections, substitutions, variables, subshells, background jobs, …)
/// or a script that does not parse.
pub fn parse_plain_script(script: &str) -> Option<Vec<Vec<String>>> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .ok()?;
    let tree = parser.parse(script, None)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let mut commands = Vec::new();
    collect(root, script.as_bytes(), &mut commands)?;
    (!commands.is_empty()).then_some(commands)
}

fn collect(node: Node<'_>, src: &[u8], out: &mut Vec<Vec<String>>) -> Option<()> {
    match node.kind() {
        "program" | "list" | "pipeline" => {
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "&&" | "||" | ";" | "|" => {}
                    "comment" => {}
                    _ if child.is_named() => collect(child, src, out)?,
                    _ => return None,
                }
            }
            Some(())
        }
        "command" => {
            let mut words = Vec::new();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "command_name" => {
                        let name = child.named_child(0)?;
                        words.push(word_text(name, src)?);
                    }
                    _ => words.push(word_text(child, src)?),
                }
            }
            out.push(words);
            Some(())
        }
        _ => None,
    }
}

/// The literal text of a word-like node, or `None` when it would expand to something else.
fn word_text(node: Node<'_>, src: &[u8]) -> Option<String> {
    let text = node.utf8_text(src).ok()?;
    match node.kind() {
        "word" | "number" => {
            // Globs and escapes change what a word means; keep only literal words.
            (!text.contains(['*', '?', '[', '\\', '~', '{'])).then(|| text.to_string())
        }
        "raw_string" => text
            .strip_prefix('\'')?
            .strip_suffix('\'')
            .map(String::from),
        "string" => {
            let mut cursor = node.walk();
            let literal = node
                .named_children(&mut cursor)
                .all(|c| c.kind() == "string_content");
            let inner = text.strip_prefix('"')?.strip_suffix('"')?;
            (literal && !inner.contains(['\\', '$', '`'])).then(|| inner.to_string())
        }
        "concatenation" => {
            let mut cursor = node.walk();
            let parts: Option<Vec<String>> = node
                .named_children(&mut cursor)
                .map(|c| word_text(c, src))
                .collect();
            parts.map(|p| p.concat())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn plain_commands_and_operators() {
        assert_eq!(
            parse_plain_script("ls -la && git status; rg 'foo bar' src | head -n 5 || true"),
            Some(words(&[
                &["ls", "-la"],
                &["git", "status"],
                &["rg", "foo bar", "src"],
                &["head", "-n", "5"],
                &["true"],
            ]))
        );
        assert_eq!(
            parse_plain_script("echo \"hello world\""),
            Some(words(&[&["echo", "hello world"]]))
        );
    }

    #[test]
    fn anything_else_is_not_plain() {
        for script in [
            "echo hi > out.txt",
            "cat $(which ls)",
            "echo $HOME",
            "(cd src && ls)",
            "sleep 5 &",
            "ls `pwd`",
            "FOO=1 ls",
            "cat <<EOF\nx\nEOF",
            "echo \"$PATH\"",
            "ls *.rs",
            "if true; then ls; fi",
            "ls &&",
        ] {
            assert_eq!(parse_plain_script(script), None, "{script}");
        }
    }

    #[test]
    fn wrapper_forms() {
        let argv: Vec<String> = ["/bin/bash", "-lc", "ls"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(split_shell_wrapper(&argv), Some("ls"));
        let argv: Vec<String> = ["python", "-c", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(split_shell_wrapper(&argv), None);
    }
}
