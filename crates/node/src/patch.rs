//! `applyPatch(patch, { cwd })`: `codex apply-patch -` in-process, with the patch as its
//! stdin. Checked whole against the files, then applied all or nothing.

use std::path::PathBuf;

use napi::bindgen_prelude::Result;
use napi_derive::napi;

#[napi(object)]
pub struct PatchResult {
    /// Applied.
    pub ok: bool,
    /// What `codex apply-patch` prints: the summary of the changes on success (stdout), the
    /// reason on failure (stderr).
    pub output: String,
}

/// Applies `patch` in `cwd` (relative paths in the patch are taken from there; it may write
/// anywhere under it, as `codex apply-patch` run there may).
#[napi]
pub async fn apply_patch(patch: String, cwd: String) -> Result<PatchResult> {
    let work = move || {
        let cwd = std::path::absolute(PathBuf::from(&cwd)).unwrap_or_else(|_| PathBuf::from(&cwd));
        let mut stdin = patch.as_bytes();
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let code = codex_apply_patch::run_cli(
            &["-".to_string()],
            &cwd,
            &mut stdin,
            &mut stdout,
            &mut stderr,
        );
        let output = if code == 0 { stdout } else { stderr };
        PatchResult {
            ok: code == 0,
            output: String::from_utf8_lossy(&output).into_owned(),
        }
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| napi::Error::from_reason(format!("applying the patch failed: {e}")))
}
