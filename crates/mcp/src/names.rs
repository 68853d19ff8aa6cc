//! The names MCP tools are offered under: `mcp__<server>__<tool>` as one function, or `<tool>`
//! inside a namespace `mcp__<server>`. Model APIs accept `^[a-zA-Z0-9_-]{1,64}$`; anything else
//! becomes `_`, and a name too long is cut and given a SHA-1 of the raw name so that two long
//! names stay apart.

use sha1::{Digest, Sha1};

/// The longest tool name the model APIs take.
pub const MAX_NAME_LEN: usize = 64;
const PREFIX: &str = "mcp";
const SEPARATOR: &str = "__";

/// Letters, digits and `_` stay; everything else becomes `_`.
pub fn sanitize(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "_".to_string()
    } else {
        clean
    }
}

/// `raw` cleaned and, when too long, cut with a SHA-1 of `raw` appended.
fn fit(raw: &str, clean: String) -> String {
    if clean.len() <= MAX_NAME_LEN {
        return clean;
    }
    let digest = Sha1::digest(raw.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let keep = MAX_NAME_LEN - hex.len();
    format!("{}{hex}", &clean[..keep])
}

/// The namespace a server's tools are offered in: `mcp__<server>`.
pub fn namespace(server: &str) -> String {
    let raw = format!("{PREFIX}{SEPARATOR}{server}");
    fit(&raw, sanitize(&raw))
}

/// A tool's name inside its server's namespace.
pub fn in_namespace(tool: &str) -> String {
    fit(tool, sanitize(tool))
}

/// A tool's name as one function: `mcp__<server>__<tool>`.
pub fn qualified(server: &str, tool: &str) -> String {
    let raw = format!("{PREFIX}{SEPARATOR}{server}{SEPARATOR}{tool}");
    fit(&raw, sanitize(&raw))
}

/// The server a qualified name or namespace may belong to: `mcp__<server>…` for one of
/// `servers` (the longest that fits, since ids may contain `__`).
pub fn server_of<'a>(name: &str, servers: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    servers
        .filter(|server| {
            let prefix = namespace(server);
            name == prefix || name.starts_with(&format!("{prefix}{SEPARATOR}"))
        })
        .max_by_key(|server| server.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_qualified() {
        assert_eq!(
            qualified("everything", "get-sum"),
            "mcp__everything__get_sum"
        );
        assert_eq!(namespace("my-server"), "mcp__my_server");
        assert_eq!(in_namespace("get-tiny-image"), "get_tiny_image");
        assert_eq!(in_namespace("ünï code.tool"), "_n__code_tool");
        assert_eq!(in_namespace(""), "_");
    }

    #[test]
    fn long_names_are_cut_with_a_hash_that_tells_them_apart() {
        let a = qualified("server", &"a".repeat(80));
        let b = qualified("server", &format!("{}b", "a".repeat(79)));
        assert_eq!(a.len(), MAX_NAME_LEN);
        assert_eq!(b.len(), MAX_NAME_LEN);
        assert_ne!(a, b);
        assert!(a.starts_with("mcp__server__aaaa"));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }

    #[test]
    fn the_server_of_a_name_is_the_longest_match() {
        let servers = ["a", "a__b", "docs"];
        assert_eq!(
            server_of("mcp__a__b__tool", servers.iter().copied()),
            Some("a__b")
        );
        assert_eq!(
            server_of("mcp__a__tool", servers.iter().copied()),
            Some("a")
        );
        assert_eq!(
            server_of("mcp__docs", servers.iter().copied()),
            Some("docs")
        );
        assert_eq!(server_of("mcp__other__x", servers.iter().copied()), None);
        assert_eq!(server_of("shell", servers.iter().copied()), None);
    }
}
