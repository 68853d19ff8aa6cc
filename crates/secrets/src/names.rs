//! Which environment variables look like credentials.

/// Name rules, case-insensitive: `*X*` a name containing X, `*X` a name ending in X, `X` that
/// exact name. The first three are the Codex CLI's own defaults.
pub const DEFAULT_EXCLUDE_NAMES: &[&str] = &[
    "*KEY*",
    "*SECRET*",
    "*TOKEN*",
    "*PASSWORD*",
    "*PASSWD*",
    "*PASSPHRASE*",
    "*CREDENTIAL*",
    "*PRIVATE_KEY*",
    "*_PASS",
    "*_PAT",
    "*_PIN",
    "JGT_CONFIG",
    "JGT_CONFIG_JSON_SECRET",
];

/// The value rule, as people read it.
pub const DEFAULT_EXCLUDE_VALUE_RULE: &str =
    "any variable whose value holds a URL with a password (scheme://user:password@host)";

/// Whether `name` matches one of [`DEFAULT_EXCLUDE_NAMES`].
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    DEFAULT_EXCLUDE_NAMES.iter().any(|rule| {
        match (rule.strip_prefix('*'), rule.strip_suffix('*')) {
            (Some(rest), Some(_)) => upper.contains(&rest[..rest.len() - 1]),
            (Some(suffix), None) => upper.ends_with(suffix),
            _ => upper == *rule,
        }
    })
}

/// Whether a variable is kept out of commands by the default rules: by its name, or because
/// its value holds a URL with a password.
pub fn is_secret_variable(name: &str, value: &str) -> bool {
    is_secret_name(name) || url_password(value).is_some()
}

/// The password of the first URL in `value` that has one (`postgres://u:pw@db/x` gives `pw`);
/// `None` for URLs with only a user (`https://user@host`) or none at all.
pub fn url_password(value: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(found) = value[from..].find("://") {
        let sep = from + found;
        from = sep + 3;
        if !has_scheme_before(&value[..sep]) {
            continue;
        }
        let rest = &value[from..];
        // The authority ends at the path, query, fragment or whitespace.
        let authority_end = rest
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        if let Some((_, password)) = authority[..at].split_once(':')
            && !password.is_empty()
        {
            return Some(password);
        }
    }
    None
}

/// Whether `before` ends with a URL scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn has_scheme_before(before: &str) -> bool {
    let scheme: Vec<u8> = before
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        .collect();
    scheme.last().is_some_and(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_rule() {
        for name in [
            "OPENAI_API_KEY",
            "github_token",
            "BROKER_SECRET",
            "KEYBOARD", // the Codex CLI's `*KEY*` already drops it
            "BROKER_PASSWORD",
            "ftp_passwd",
            "GPG_PASSPHRASE",
            "AWS_CREDENTIALS_FILE",
            "SSH_PRIVATE_KEY",
            "DB_PASS",
            "GITHUB_PAT",
            "BROKER_PIN",
            "JGT_CONFIG",
            "jgt_config_json_secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PATH",
            "PASSENGER_COUNT",
            "PATTERN",
            "PINNED",
            "COMPASS",
            "JGT_CONFIG_DIR",
            "SPIN",
            "HTTP_URL",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn urls_with_passwords() {
        assert_eq!(url_password("postgres://u:pw@db/x"), Some("pw"));
        assert_eq!(
            url_password("redis://:s3cret@cache:6379"),
            Some("s3cret"),
            "no user, a password"
        );
        assert_eq!(
            url_password("a https://x.org, amqp://bob:p%40ss@mq?x=1"),
            Some("p%40ss")
        );
        assert_eq!(url_password("https://user@host/path"), None);
        assert_eq!(url_password("https://example.com"), None);
        assert_eq!(url_password("https://example.com/a:b@c"), None);
        assert_eq!(url_password("https://u:@host"), None);
        assert_eq!(url_password("://u:p@host"), None);
        assert_eq!(url_password("not a url: u:p@host"), None);
        assert!(is_secret_variable("DATABASE_URL", "postgres://u:pw@db/x"));
        assert!(!is_secret_variable("HTTP_URL", "https://example.com"));
    }
}
