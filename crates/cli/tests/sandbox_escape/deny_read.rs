//! `deny_read`: files and directories a sandboxed command must not read, however it asks —
//! directly, through symlinks and hard links (made before the command and by it), through
//! `/proc/self/root`, `..`, or after renaming a parent — as root and as `nobody`, read-only and
//! workspace-write, with the mount namespace and with Landlock alone. Siblings stay readable.

use std::path::Path;
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use super::proc::{User, codex_as, users};
use super::{Cage, cage, text};

/// Every way tried to read the secrets; each line's failure is expected, so none stops it.
const ATTEMPTS: &str = r#"
cat "$HOME/.netrc" "$HOME/.ssh/id_test" "$HOME/auth.json"
ls -a "$HOME/.ssh"
python3 -c '
import os
home = os.environ["HOME"]
for p in [home + "/.netrc", home + "/.ssh/id_test", "vault/keys/k", "vault/key.txt"]:
    try:
        print(open(p).read())
    except OSError as e:
        print("python refused", p, e.errno)
'
cat pre-sym pre-sym-dir/id_test pre-hl pre-hl-dir
ln -s "$HOME/.netrc" new-sym; cat new-sym
ln -s "$HOME/.ssh" new-sym-dir; cat new-sym-dir/id_test
ln "$HOME/.netrc" new-hl; cat new-hl
ln "$HOME/.ssh/id_test" new-hl-dir; cat new-hl-dir
ln vault/key.txt new-hl-ws; cat new-hl-ws
cat "/proc/self/root$HOME/.netrc" "/proc/self/root$HOME/.ssh/id_test"
cat "$HOME/sub/../.netrc" "$PWD/../home/.ssh/id_test" vault/keys/../key.txt
cp -r "$HOME/.ssh" copied && cat copied/id_test
grep -r SECRET "$HOME" . 2>/dev/null
RG="${RG_BIN:-rg}"; if command -v "$RG" >/dev/null; then "$RG" SECRET "$HOME" .; else echo "rg-missing"; fi
cat "$HOME/notes" inside.txt vault/open.txt
mv vault/keys vault/keys2 && cat vault/keys2/k
mv vault moved && cat moved/keys/k moved/keys2/k moved/key.txt
"#;

fn nonce() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}{nanos}", std::process::id())
}

/// Secrets in the cage's home (denied by the built-in list) and in the workspace (denied by
/// `-c sandbox.deny_read`), with siblings, and links to them made beforehand.
fn plant(c: &Cage, n: &str) {
    let h = &c.home;
    let w = &c.work;
    std::fs::create_dir_all(h.join(".ssh")).unwrap();
    std::fs::create_dir_all(h.join("sub")).unwrap();
    std::fs::write(h.join(".ssh/id_test"), format!("SECRET-DIR-{n}\n")).unwrap();
    std::fs::write(h.join(".netrc"), format!("SECRET-FILE-{n}\n")).unwrap();
    std::fs::write(h.join("auth.json"), format!("SECRET-AUTH-{n}\n")).unwrap();
    std::fs::write(h.join("notes"), "sibling-home-ok\n").unwrap();
    std::fs::create_dir_all(w.join("vault/keys")).unwrap();
    std::fs::write(w.join("vault/keys/k"), format!("SECRET-WSDIR-{n}\n")).unwrap();
    std::fs::write(w.join("vault/key.txt"), format!("SECRET-WSFILE-{n}\n")).unwrap();
    std::fs::write(w.join("vault/open.txt"), "sibling-vault-ok\n").unwrap();
    std::os::unix::fs::symlink(h.join(".netrc"), w.join("pre-sym")).unwrap();
    std::os::unix::fs::symlink(h.join(".ssh"), w.join("pre-sym-dir")).unwrap();
    std::fs::hard_link(h.join(".netrc"), w.join("pre-hl")).unwrap();
    std::fs::hard_link(h.join(".ssh/id_test"), w.join("pre-hl-dir")).unwrap();
}

fn run(c: &Cage, user: User, mode: &str, namespaces: bool) -> Output {
    let deny = format!(
        "sandbox.deny_read=[\"{}\", \"{}\"]",
        c.work.join("vault/keys").display(),
        c.work.join("vault/key.txt").display()
    );
    let mut cmd = codex_as(c, user);
    // The ripgrep scripts/test builds (scripts/build-rg), when it is there.
    let rg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/rg/bin/rg");
    if rg.is_file() {
        cmd.env("RG_BIN", &rg);
    }
    cmd.args(["sandbox", "linux", "-s", mode])
        .args(["-c", &deny])
        .args(["-c", "sandbox_workspace_write.exclude_slash_tmp=true"])
        .args(["-c", "sandbox_workspace_write.exclude_tmpdir_env_var=true"]);
    if !namespaces {
        cmd.arg("--no-namespaces");
    }
    cmd.args(["--", "bash", "-c", ATTEMPTS]).output().unwrap()
}

/// Puts back what a command may have renamed and removes what it made.
fn tidy(c: &Cage) {
    for made in [
        "new-sym",
        "new-sym-dir",
        "new-hl",
        "new-hl-dir",
        "new-hl-ws",
    ] {
        let _ = std::fs::remove_file(c.work.join(made));
    }
    let _ = std::fs::remove_dir_all(c.work.join("copied"));
    if c.work.join("moved").exists() {
        std::fs::rename(c.work.join("moved"), c.work.join("vault")).unwrap();
    }
    if c.work.join("vault/keys2").exists() {
        std::fs::rename(c.work.join("vault/keys2"), c.work.join("vault/keys")).unwrap();
    }
}

#[test]
fn denied_paths_cannot_be_read_by_commands() {
    let n = nonce();
    let c = cage();
    plant(&c, &n);
    let mut rg_missing = false;
    for user in users(&c) {
        for mode in ["read-only", "workspace-write"] {
            for namespaces in [true, false] {
                let out = run(&c, user, mode, namespaces);
                let what = format!("{user:?} {mode} namespaces={namespaces}\n{}", text(&out));
                let stdout = String::from_utf8_lossy(&out.stdout);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    !stdout.contains("SECRET-") && !stderr.contains("SECRET-"),
                    "{what}"
                );
                assert_eq!(stdout.matches("python refused").count(), 4, "{what}");
                for sibling in ["sibling-home-ok", "inside", "sibling-vault-ok"] {
                    assert!(stdout.contains(sibling), "{sibling}: {what}");
                }
                // ~/.ssh, ~/.netrc, $CODEX_HOME/auth.json and the two in the workspace.
                assert!(
                    stderr.contains("deny_read: 5 paths hidden from commands"),
                    "{what}"
                );
                rg_missing |= stdout.contains("rg-missing");
                tidy(&c);
            }
        }
    }
    if rg_missing {
        eprintln!("rg is not on PATH here: the rg attempt was left out (grep -r stood in)");
    }
    assert_eq!(
        std::fs::read_to_string(c.home.join(".netrc")).unwrap(),
        format!("SECRET-FILE-{n}\n")
    );
}

#[test]
fn the_header_says_what_stays_readable() {
    let c = cage();
    std::fs::create_dir_all(c.home.join(".ssh")).unwrap();
    std::fs::write(c.home.join(".ssh/id_test"), "SECRET\n").unwrap();
    // A hard link outside the workspace: neither a mount nor a path rule reaches it.
    std::fs::hard_link(c.home.join(".ssh/id_test"), c.outside.join("link")).unwrap();
    let out = codex_as(&c, User::Current)
        .args(["sandbox", "linux", "-s", "read-only", "--", "cat"])
        .arg(c.outside.join("link"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 path hidden from commands")
            && stderr.contains("1 denied file(s) have other hard links")
            && stderr.contains("any elsewhere stay readable to commands"),
        "{}",
        text(&out)
    );
    // Said plainly because it is so: the link outside is read.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "SECRET\n");
    let out = codex_as(&c, User::Current)
        .args(["sandbox", "linux", "-s", "danger-full-access", "--", "true"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("refused to built-in tools, not enforced for commands (danger-full-access"),
        "{}",
        text(&out)
    );
}
