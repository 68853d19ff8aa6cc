//! `codex memory-server` and `codex memory import|export`.

use std::net::SocketAddr;
use std::path::PathBuf;

use codex_memory::Store;

use crate::args::MemoryCommand;

fn db_path(db: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(db) = db {
        return Ok(db);
    }
    let codex_home = codex_config::find_codex_home().map_err(|e| e.to_string())?;
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    Ok(codex_memory::default_db_path(home.as_deref(), &codex_home))
}

fn open(db: Option<PathBuf>) -> Result<Store, String> {
    Store::open(&db_path(db)?).map_err(|e| e.to_string())
}

/// Serves the memory tools on stdio, or over streamable HTTP at `listen`.
pub fn serve(db: Option<PathBuf>, listen: Option<String>) -> i32 {
    // A bad address is reported before the database is touched.
    let addr = match listen.as_deref().map(listen_addr).transpose() {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let store = match open(db) {
        Ok(store) => store,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    let runtime = match crate::setup::current_thread_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let served = match addr {
        None => runtime.block_on(codex_memory::serve_stdio(store)),
        Some(addr) => runtime.block_on(codex_memory::serve_http(store, addr, |bound| {
            eprintln!(
                "memory-server: listening on http://{bound}{}",
                codex_memory::HTTP_PATH
            );
        })),
    };
    match served {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

/// `--listen`: `HOST:PORT` with an IP address or `localhost`; only loopback is served.
fn listen_addr(text: &str) -> Result<SocketAddr, String> {
    let addr = match text.strip_prefix("localhost:") {
        Some(port) => port
            .parse::<u16>()
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
            .map_err(|_| ()),
        None => text.parse::<SocketAddr>().map_err(|_| ()),
    }
    .map_err(|()| {
        format!("--listen {text}: expected HOST:PORT, such as 127.0.0.1:8765 or [::1]:8765")
    })?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "--listen {text}: only loopback addresses (127.0.0.1, ::1, localhost) are served; \
             the memory server has no authentication"
        ));
    }
    Ok(addr)
}

pub fn run(command: MemoryCommand) -> i32 {
    let result = match command {
        MemoryCommand::Import { file, db } => import(file, db),
        MemoryCommand::Export { file, db } => export(file, db),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

fn import(file: PathBuf, db: Option<PathBuf>) -> Result<(), String> {
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut store = open(db)?;
    let imported = codex_memory::jsonl::import(&mut store, &text)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    eprintln!(
        "imported {} entities and {} relations (those already there were kept)",
        imported.entities, imported.relations
    );
    Ok(())
}

fn export(file: PathBuf, db: Option<PathBuf>) -> Result<(), String> {
    let mut store = open(db)?;
    let text = codex_memory::jsonl::export(&mut store).map_err(|e| e.to_string())?;
    std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))
}
