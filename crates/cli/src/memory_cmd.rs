//! `codex memory-server` and `codex memory import|export`.

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

/// Serves the memory tools on stdio.
pub fn serve(db: Option<PathBuf>) -> i32 {
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
    match runtime.block_on(codex_memory::serve_stdio(store)) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
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
