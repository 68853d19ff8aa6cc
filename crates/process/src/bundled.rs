//! Tools shipped with the binary (the npm platform package's `rg`), put first on the `PATH` of
//! the commands the agent runs, so a model that runs `rg` gets it on a machine without one.
//!
//! The platform package holds `bin/codex` and, beside `bin/`, a directory holding only those
//! tools (`path/rg`): putting that directory first on `PATH` shadows nothing else. A binary
//! built with cargo has no such directory, and nothing changes.

use std::path::{Path, PathBuf};

/// The tools directory's name, beside the directory holding the binary.
pub const BUNDLED_PATH_DIR: &str = "path";

/// Shells whose `-lc` reads profile files that may set `PATH` afresh.
#[cfg(unix)]
const LOGIN_SHELLS: [&str; 5] = ["bash", "zsh", "sh", "dash", "ksh"];

/// The tools directory for the binary at `exe` (`<exe>/../../path`, symlinks resolved), if it
/// exists.
pub fn bundled_path_beside(exe: &Path) -> Option<PathBuf> {
    let exe = std::fs::canonicalize(exe).ok()?;
    let dir = exe.parent()?.parent()?.join(BUNDLED_PATH_DIR);
    dir.is_dir().then_some(dir)
}

/// Puts `dir` first on the `PATH` of a command about to run with `env` and `argv`.
///
/// A command whose environment has no `PATH` (`inherit = "none"`, `include_only`) is left
/// alone. A login shell script (`bash -lc SCRIPT`) also gets `dir` put back first at its
/// start, because login profiles such as Debian's and Alpine's `/etc/profile` set `PATH`
/// afresh; the command shown and approved stays the one the model sent.
pub fn put_bundled_path_first(dir: &Path, env: &mut [(String, String)], argv: &mut [String]) {
    let Some(dir) = dir.to_str() else {
        return;
    };
    let Some((_, path)) = env.iter_mut().find(|(name, _)| is_path_var(name)) else {
        return;
    };
    let Some(first) = prepended(dir, path) else {
        return;
    };
    *path = first;
    #[cfg(unix)]
    if let [shell, flag, script] = argv
        && flag == "-lc"
        && LOGIN_SHELLS.contains(&shell.rsplit('/').next().unwrap_or_default())
    {
        *script = format!("PATH={}:\"$PATH\"; export PATH; {script}", quote(dir));
    }
    #[cfg(not(unix))]
    let _ = argv;
}

fn is_path_var(name: &str) -> bool {
    if cfg!(windows) {
        name.eq_ignore_ascii_case("PATH")
    } else {
        name == "PATH"
    }
}

/// `dir` then `path`; `None` when `dir` cannot be a `PATH` entry (it holds the separator).
fn prepended(dir: &str, path: &str) -> Option<String> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    if dir.is_empty() || dir.contains(sep) {
        return None;
    }
    if path.is_empty() {
        return Some(dir.to_string());
    }
    if path.split(sep).next() == Some(dir) {
        return Some(path.to_string());
    }
    Some(format!("{dir}{sep}{path}"))
}

/// `s` as one single-quoted shell word.
#[cfg(unix)]
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    use super::*;

    fn env(path: &str) -> Vec<(String, String)> {
        vec![
            ("HOME".to_string(), "/h".to_string()),
            ("PATH".to_string(), path.to_string()),
        ]
    }

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_directory_goes_first_once() {
        let mut vars = env("/usr/bin:/bin");
        let mut cmd = argv(&["ls"]);
        put_bundled_path_first(Path::new("/pkg/path"), &mut vars, &mut cmd);
        assert_eq!(vars[1].1, "/pkg/path:/usr/bin:/bin");
        put_bundled_path_first(Path::new("/pkg/path"), &mut vars, &mut cmd);
        assert_eq!(vars[1].1, "/pkg/path:/usr/bin:/bin");
        assert_eq!(cmd, ["ls"]);
    }

    #[test]
    fn an_empty_path_becomes_the_directory_alone() {
        let mut vars = env("");
        put_bundled_path_first(Path::new("/pkg/path"), &mut vars, &mut []);
        assert_eq!(vars[1].1, "/pkg/path");
    }

    #[test]
    fn no_path_variable_no_change() {
        let mut vars = vec![("HOME".to_string(), "/h".to_string())];
        let mut cmd = argv(&["bash", "-lc", "rg x"]);
        put_bundled_path_first(Path::new("/pkg/path"), &mut vars, &mut cmd);
        assert_eq!(vars, [("HOME".to_string(), "/h".to_string())]);
        assert_eq!(cmd[2], "rg x");
    }

    #[test]
    fn a_directory_holding_the_separator_is_not_added() {
        let mut vars = env("/bin");
        let mut cmd = argv(&["bash", "-lc", "rg x"]);
        put_bundled_path_first(Path::new("/a:b/path"), &mut vars, &mut cmd);
        assert_eq!(vars[1].1, "/bin");
        assert_eq!(cmd[2], "rg x");
    }

    #[test]
    fn login_shell_scripts_put_it_back_after_the_profile() {
        let mut vars = env("/bin");
        let mut cmd = argv(&["/bin/zsh", "-lc", "rg x"]);
        put_bundled_path_first(Path::new("/it's/path"), &mut vars, &mut cmd);
        assert_eq!(
            cmd,
            [
                "/bin/zsh",
                "-lc",
                r#"PATH='/it'\''s/path':"$PATH"; export PATH; rg x"#
            ]
        );
        for untouched in [
            argv(&["bash", "-c", "rg x"]),
            argv(&["python3", "-lc", "x"]),
            argv(&["bash", "-lc", "rg x", "extra"]),
        ] {
            let mut cmd = untouched.clone();
            put_bundled_path_first(Path::new("/p"), &mut env("/bin"), &mut cmd);
            assert_eq!(cmd, untouched);
        }
    }

    #[test]
    fn found_beside_the_binary_through_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let pkg = tmp.path().join("pkg");
        std::fs::create_dir_all(pkg.join("bin")).unwrap();
        std::fs::write(pkg.join("bin/codex"), "").unwrap();
        assert_eq!(bundled_path_beside(&pkg.join("bin/codex")), None);
        std::fs::create_dir_all(pkg.join("path")).unwrap();
        std::os::unix::fs::symlink(pkg.join("bin/codex"), tmp.path().join("link")).unwrap();
        let found = bundled_path_beside(&tmp.path().join("link")).unwrap();
        assert_eq!(found, pkg.join("path").canonicalize().unwrap());
    }

    /// A real login shell whose profile sets PATH afresh still finds the bundled tool first.
    #[test]
    fn a_login_profile_that_resets_path_does_not_hide_the_tool() {
        if !Path::new("/bin/bash").exists() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("it's path");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let tool = dir.join("rg");
        std::fs::write(&tool, "#!/bin/sh\necho bundled rg\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(home.join(".bash_profile"), "PATH=/usr/bin:/bin\n").unwrap();
        let mut vars = vec![
            ("HOME".to_string(), home.display().to_string()),
            ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        ];
        let mut cmd = argv(&["/bin/bash", "-lc", "rg; echo \"$PATH\""]);
        put_bundled_path_first(&dir, &mut vars, &mut cmd);
        let out = Command::new(&cmd[0])
            .args(&cmd[1..])
            .env_clear()
            .envs(vars)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout,
            format!("bundled rg\n{}:/usr/bin:/bin\n", dir.display()),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
