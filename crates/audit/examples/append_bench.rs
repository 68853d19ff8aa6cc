//! Appends N command-like records to a file and prints the mean time per record, for
//! `scripts/bench/audit`. Modes: `chained` (SHA-256), `hmac`, `alternating` (two writers
//! taking turns, so every append reads the other's last line), `plain` (an unchained
//! `O_APPEND` JSON-line write of the same records: the floor); `--fsync` syncs each line.
//!
//! Usage: append_bench MODE N FILE [--fsync]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use codex_audit::{AuditWriter, Chain};
use serde_json::{Map, Value, json};

fn record(i: u64) -> Map<String, Value> {
    let v = json!({
        "ts": "2026-01-01T00:00:00.000Z",
        "session": "0199b0c4-6a5e-7c31-9f0e-3c2d1b0a9f8e",
        "seq": i,
        "kind": "command",
        "argv": ["bash", "-lc", format!("cargo test -p codex-core --lib tools::shell {i}")],
        "cwd": "/home/someone/src/project",
        "sandbox_mode": "workspace-write",
        "sandboxed": true,
        "approval_policy": "on-request",
        "approved_by": "policy",
        "exit_code": 0,
        "duration_ms": 1234,
    });
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(n), Some(file)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err("usage: append_bench MODE N FILE [--fsync]".into());
    };
    let n: u64 = n.parse()?;
    let fsync = args.iter().any(|a| a == "--fsync");
    let path = Path::new(file);
    let _ = std::fs::remove_file(path);
    let open = |chain: Chain| -> Result<AuditWriter, codex_audit::AuditError> {
        let mut w = AuditWriter::open(path, chain)?;
        w.set_fsync(fsync);
        Ok(w)
    };
    let start = Instant::now();
    match mode.as_str() {
        "chained" | "hmac" => {
            let chain = if mode == "hmac" {
                Chain::from_key(Some("bench-key"))
            } else {
                Chain::Sha256
            };
            let mut w = open(chain)?;
            for i in 0..n {
                w.append(record(i))?;
            }
        }
        "alternating" => {
            let mut a = open(Chain::Sha256)?;
            let mut b = open(Chain::Sha256)?;
            for i in 0..n {
                let w = if i % 2 == 0 { &mut a } else { &mut b };
                w.append(record(i))?;
            }
        }
        "plain" => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            for i in 0..n {
                let mut line = Value::Object(record(i)).to_string();
                line.push('\n');
                f.write_all(line.as_bytes())?;
                if fsync {
                    f.sync_data()?;
                }
            }
        }
        other => return Err(format!("unknown mode {other}").into()),
    }
    let elapsed = start.elapsed();
    let verify_started = Instant::now();
    if mode != "plain" {
        codex_audit::verify_file(path, (mode == "hmac").then_some("bench-key"))?;
    }
    let verify_ms = verify_started.elapsed().as_secs_f64() * 1e3;
    let bytes = std::fs::metadata(path)?.len();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{mode} n={n} fsync={fsync} total_ms={:.1} per_record_us={:.2} bytes_per_record={} verify_ms={verify_ms:.1}",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / n as f64,
        bytes / n.max(1)
    )?;
    Ok(())
}
