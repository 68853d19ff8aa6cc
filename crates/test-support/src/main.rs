//! `mock-model-server`: the mock model for benchmarks and manual runs.
//!
//! Usage: mock-model-server [--scenario plain|shell | --script FILE] [--port N] [--record FILE]
//! --script answers requests in order from a JSON file (see `parse_script`).
//! With --record, each model request body is appended to FILE as one JSON line when the server
//! stops.
//! Prints `http://127.0.0.1:PORT/v1` on the first line of stdout, then serves until stdin is
//! closed or the process is killed.

use std::io::{BufRead, Write};

use codex_test_support::{MockServer, Scenario, parse_script};

fn main() {
    let mut scenario = Scenario::Plain;
    let mut port = 0u16;
    let mut record: Option<String> = None;
    let mut script: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--scenario", Some(s)) if s == "plain" => scenario = Scenario::Plain,
            ("--scenario", Some(s)) if s == "shell" => scenario = Scenario::Shell,
            ("--port", Some(p)) if p.parse::<u16>().is_ok() => port = p.parse().unwrap_or(0),
            ("--record", Some(path)) => record = Some(path),
            ("--script", Some(path)) => script = Some(path),
            _ => {
                eprintln!(
                    "usage: mock-model-server [--scenario plain|shell | --script FILE] [--port N] \
                     [--record FILE]"
                );
                std::process::exit(2);
            }
        }
    }
    let started = match script {
        Some(path) => {
            let steps = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| parse_script(&text));
            match steps {
                Ok(steps) => MockServer::start_on(steps, port),
                Err(e) => {
                    eprintln!("mock-model-server: bad script {path}: {e}");
                    std::process::exit(2);
                }
            }
        }
        None => MockServer::start_scenario(scenario, port),
    };
    let server = match started {
        Ok(server) => server,
        Err(e) => {
            eprintln!("mock-model-server: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", server.url());
    let _ = stdout.flush();
    // Serve until stdin reaches EOF (the parent closed it or went away).
    let stdin = std::io::stdin();
    let mut line = String::new();
    while stdin
        .lock()
        .read_line(&mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        line.clear();
    }
    let requests = server.model_requests();
    if let Some(path) = record {
        let lines: String = requests.iter().map(|r| format!("{}\n", r.body)).collect();
        if let Err(e) = std::fs::write(&path, lines) {
            eprintln!("mock-model-server: cannot write {path}: {e}");
        }
    }
    eprintln!("mock-model-server: served {} requests", requests.len());
}
