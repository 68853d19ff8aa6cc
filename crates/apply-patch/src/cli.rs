//! The standalone command: `apply_patch [PATCH|-]`, patch from the argument or stdin, applied in
//! the current directory. Exit 0 when applied, 1 when not.

use std::io::{Read, Write};
use std::path::Path;

use crate::paths::WritableRoots;

/// Runs the command with `args` (without the program name); returns the exit code.
pub fn run_cli(
    args: &[String],
    cwd: &Path,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let patch = match args {
        [] => read_stdin(stdin),
        [one] if one == "-" => read_stdin(stdin),
        [one] => Ok(one.clone()),
        _ => Err(
            "usage: apply_patch [PATCH | -]   (the patch text, or - to read it from stdin)"
                .to_string(),
        ),
    };
    let patch = match patch {
        Ok(p) => p,
        Err(message) => {
            let _ = writeln!(stderr, "{message}");
            return 1;
        }
    };
    // Run by hand, a patch may write anywhere under the directory it is applied in.
    let roots = WritableRoots::new(&[cwd.to_path_buf()]);
    match crate::apply_patch(&patch, cwd, Some(&roots)) {
        Ok(plan) => {
            let _ = write!(stdout, "{}", plan.summary());
            0
        }
        Err(e) => {
            let _ = writeln!(stderr, "{e}");
            1
        }
    }
}

fn read_stdin(stdin: &mut dyn Read) -> Result<String, String> {
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the patch from stdin: {e}"))?;
    if text.trim().is_empty() {
        return Err("no patch given: pass it as an argument or on stdin".into());
    }
    Ok(text)
}
