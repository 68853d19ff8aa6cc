//! For `scripts/bench/redact`: redacts a file with named secrets read from a patterns file (one
//! value a line, named `SECRET_<n>`), one-shot and streamed in 64 KiB chunks, and prints the
//! best of `runs` for each as `oneshot <seconds> <output bytes>` and `stream <seconds> <output
//! bytes>`.
//!
//! Usage: redact_bench INPUT PATTERNS [RUNS]

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use codex_secrets::Redactor;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let input = std::fs::read(&args[1]).expect("input");
    let patterns = std::fs::read_to_string(&args[2]).expect("patterns");
    let runs: usize = args.get(3).map_or(5, |r| r.parse().expect("runs"));
    let named: Vec<(String, String)> = patterns
        .lines()
        .enumerate()
        .map(|(i, v)| (format!("SECRET_{i}"), v.to_string()))
        .collect();
    let redactor = Redactor::new(named);
    let mut best = f64::MAX;
    let mut size = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let out = redactor.redact_bytes(&input);
        best = best.min(start.elapsed().as_secs_f64());
        size = out.len();
    }
    println!("oneshot {best:.6} {size}");
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let mut stream = redactor.stream();
        size = 0;
        for chunk in input.chunks(64 * 1024) {
            size += stream.feed(chunk).len();
        }
        size += stream.finish().len();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("stream {best:.6} {size}");
}
