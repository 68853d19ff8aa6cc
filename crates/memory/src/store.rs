//! The knowledge graph in SQLite: WAL, a busy timeout and IMMEDIATE transactions so that
//! several processes can write one database at once, and an FTS5 trigram index for
//! `search_nodes`.
//!
//! Search keeps the reference server's answers: an entity matches when the query, lowercased,
//! is a substring of its lowercased name, type or one of its observations. The index holds
//! each entity's lowercased text; queries of three characters or more are trigram phrase
//! matches on it, shorter ones (trigrams cannot express them) scan it with `instr`. Either way
//! the candidates are checked again exactly, so text spanning two fields never matches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::graph::{Entity, Graph, ObservationAdd, ObservationDelete, ObservationsAdded, Relation};

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    entity_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS observations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id INTEGER NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS observations_entity ON observations(entity_id, id);
CREATE TABLE IF NOT EXISTS relations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_name TEXT NOT NULL,
    to_name TEXT NOT NULL,
    relation_type TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS relations_from ON relations(from_name, to_name, relation_type);
CREATE INDEX IF NOT EXISTS relations_to ON relations(to_name);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(body, tokenize = 'trigram');
";

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the memory database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the folder {} for the memory database: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the memory database failed while trying to {what}: {source}")]
    Sqlite {
        what: &'static str,
        source: rusqlite::Error,
    },
    /// The reference server's message, word for word: clients may look for it.
    #[error("Entity with name {0} not found")]
    EntityNotFound(String),
}

fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { what, source }
}

/// An open memory database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, and its folder.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Store::setup(conn)
    }

    /// A database in memory, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory().map_err(sql("open a database in memory"))?)
    }

    fn setup(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql("set the busy timeout"))?;
        // WAL lets readers go on while one process writes; it is a property of the file,
        // so the first process to open it sets it for all.
        // Switching the mode of a new file does not wait on the busy handler when another
        // process is switching it at the same moment: that is retried here.
        let started = std::time::Instant::now();
        loop {
            match conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())) {
                Ok(()) => break,
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(sql("switch to WAL")(e)),
            }
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(sql("set synchronous mode"))?;
        // Reads map the file instead of copying each page, and keep more pages between calls
        // (the default cache is 2 MB; a graph of 100k entities is about 100 MB).
        conn.execute_batch("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -32768")
            .map_err(sql("size the page cache"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("begin creating the tables"))?;
        tx.execute_batch(SCHEMA).map_err(sql("create the tables"))?;
        tx.commit().map_err(sql("commit the tables"))?;
        Ok(Store { conn })
    }

    fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("begin a write"))
    }

    /// Creates the entities whose names are new; answers those.
    ///
    /// Unlike the reference, a name repeated within one call is created once.
    pub fn create_entities(&mut self, entities: &[Entity]) -> Result<Vec<Entity>, StoreError> {
        let tx = self.write()?;
        let mut created = Vec::new();
        for entity in entities {
            if entity_id(&tx, &entity.name)?.is_some() {
                continue;
            }
            tx.execute(
                "INSERT INTO entities (name, entity_type) VALUES (?1, ?2)",
                params![entity.name, entity.entity_type],
            )
            .map_err(sql("insert an entity"))?;
            let id = tx.last_insert_rowid();
            insert_observations(&tx, id, &entity.observations)?;
            reindex(&tx, id)?;
            created.push(entity.clone());
        }
        tx.commit().map_err(sql("commit new entities"))?;
        Ok(created)
    }

    /// Creates the relations not already there; answers those.
    ///
    /// Unlike the reference, a relation repeated within one call is created once.
    pub fn create_relations(
        &mut self,
        relations: &[Relation],
    ) -> Result<Vec<Relation>, StoreError> {
        let tx = self.write()?;
        let mut created = Vec::new();
        for relation in relations {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT id FROM relations
                     WHERE from_name = ?1 AND to_name = ?2 AND relation_type = ?3",
                    params![relation.from, relation.to, relation.relation_type],
                    |row| row.get(0),
                )
                .optional()
                .map_err(sql("look up a relation"))?;
            if exists.is_some() {
                continue;
            }
            tx.execute(
                "INSERT INTO relations (from_name, to_name, relation_type) VALUES (?1, ?2, ?3)",
                params![relation.from, relation.to, relation.relation_type],
            )
            .map_err(sql("insert a relation"))?;
            created.push(relation.clone());
        }
        tx.commit().map_err(sql("commit new relations"))?;
        Ok(created)
    }

    /// Adds each item's observations that its entity does not have yet. An unknown entity
    /// fails the whole call, and nothing is added.
    pub fn add_observations(
        &mut self,
        items: &[ObservationAdd],
    ) -> Result<Vec<ObservationsAdded>, StoreError> {
        let tx = self.write()?;
        let mut results = Vec::new();
        for item in items {
            let id = entity_id(&tx, &item.entity_name)?
                .ok_or_else(|| StoreError::EntityNotFound(item.entity_name.clone()))?;
            let existing = observations_of(&tx, id)?;
            // As the reference: checked against what the entity had before this item.
            let added: Vec<String> = item
                .contents
                .iter()
                .filter(|c| !existing.contains(c))
                .cloned()
                .collect();
            insert_observations(&tx, id, &added)?;
            reindex(&tx, id)?;
            results.push(ObservationsAdded {
                entity_name: item.entity_name.clone(),
                added_observations: added,
            });
        }
        tx.commit().map_err(sql("commit new observations"))?;
        Ok(results)
    }

    /// Deletes the entities, their observations, and every relation from or to those names.
    pub fn delete_entities(&mut self, names: &[String]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for name in names {
            if let Some(id) = entity_id(&tx, name)? {
                tx.execute("DELETE FROM observations WHERE entity_id = ?1", [id])
                    .map_err(sql("delete observations"))?;
                tx.execute("DELETE FROM search WHERE rowid = ?1", [id])
                    .map_err(sql("delete from the search index"))?;
                tx.execute("DELETE FROM entities WHERE id = ?1", [id])
                    .map_err(sql("delete an entity"))?;
            }
            tx.execute(
                "DELETE FROM relations WHERE from_name = ?1 OR to_name = ?1",
                [name],
            )
            .map_err(sql("delete relations"))?;
        }
        tx.commit().map_err(sql("commit deleted entities"))
    }

    /// Deletes the given observations; unknown entities are ignored.
    pub fn delete_observations(&mut self, items: &[ObservationDelete]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for item in items {
            let Some(id) = entity_id(&tx, &item.entity_name)? else {
                continue;
            };
            for content in &item.observations {
                tx.execute(
                    "DELETE FROM observations WHERE entity_id = ?1 AND content = ?2",
                    params![id, content],
                )
                .map_err(sql("delete an observation"))?;
            }
            reindex(&tx, id)?;
        }
        tx.commit().map_err(sql("commit deleted observations"))
    }

    /// Deletes the given relations; unknown ones are ignored.
    pub fn delete_relations(&mut self, relations: &[Relation]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for r in relations {
            tx.execute(
                "DELETE FROM relations
                 WHERE from_name = ?1 AND to_name = ?2 AND relation_type = ?3",
                params![r.from, r.to, r.relation_type],
            )
            .map_err(sql("delete a relation"))?;
        }
        tx.commit().map_err(sql("commit deleted relations"))
    }

    /// The whole graph.
    pub fn read_graph(&mut self) -> Result<Graph, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(sql("begin a read"))?;
        let mut entities: BTreeMap<i64, Entity> = BTreeMap::new();
        {
            let mut stmt = tx
                .prepare("SELECT id, name, entity_type FROM entities ORDER BY id")
                .map_err(sql("read entities"))?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        Entity {
                            name: row.get(1)?,
                            entity_type: row.get(2)?,
                            observations: Vec::new(),
                        },
                    ))
                })
                .map_err(sql("read entities"))?;
            for row in rows {
                let (id, entity) = row.map_err(sql("read an entity"))?;
                entities.insert(id, entity);
            }
            let mut stmt = tx
                .prepare("SELECT entity_id, content FROM observations ORDER BY id")
                .map_err(sql("read observations"))?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(sql("read observations"))?;
            for row in rows {
                let (id, content) = row.map_err(sql("read an observation"))?;
                if let Some(entity) = entities.get_mut(&id) {
                    entity.observations.push(content);
                }
            }
        }
        let relations = all_relations(&tx)?;
        Ok(Graph {
            entities: entities.into_values().collect(),
            relations,
        })
    }

    /// The entities whose name, type or an observation contains `query` (ignoring case), and
    /// the relations from or to them.
    pub fn search_nodes(&mut self, query: &str) -> Result<Graph, StoreError> {
        let needle = query.to_lowercase();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(sql("begin a read"))?;
        let mut ids: Vec<i64> = Vec::new();
        {
            let (sql_text, arg) = if needle.chars().count() >= 3 {
                (
                    "SELECT rowid FROM search WHERE search MATCH ?1",
                    format!("\"{}\"", needle.replace('"', "\"\"")),
                )
            } else {
                (
                    "SELECT rowid FROM search WHERE instr(body, ?1) > 0",
                    needle.clone(),
                )
            };
            let mut stmt = tx.prepare(sql_text).map_err(sql("search"))?;
            let rows = stmt
                .query_map([arg], |row| row.get::<_, i64>(0))
                .map_err(sql("search"))?;
            for row in rows {
                ids.push(row.map_err(sql("read a search hit"))?);
            }
        }
        let mut entities = entities_by_ids(&tx, &ids)?;
        entities.retain(|entity| matches(entity, &needle));
        let relations = relations_touching(&tx, &entities)?;
        Ok(Graph {
            entities,
            relations,
        })
    }

    /// The named entities (in creation order) and the relations from or to them.
    pub fn open_nodes(&mut self, names: &[String]) -> Result<Graph, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(sql("begin a read"))?;
        let mut found = BTreeMap::new();
        for name in names {
            if let Some(id) = entity_id(&tx, name)?
                && let Some(entity) = entity_by_id(&tx, id)?
            {
                found.insert(id, entity);
            }
        }
        let entities: Vec<Entity> = found.into_values().collect();
        let relations = relations_touching(&tx, &entities)?;
        Ok(Graph {
            entities,
            relations,
        })
    }
}

/// The reference's test: a substring of the lowercased name, type or an observation.
fn matches(entity: &Entity, needle: &str) -> bool {
    entity.name.to_lowercase().contains(needle)
        || entity.entity_type.to_lowercase().contains(needle)
        || entity
            .observations
            .iter()
            .any(|o| o.to_lowercase().contains(needle))
}

fn entity_id(tx: &Transaction<'_>, name: &str) -> Result<Option<i64>, StoreError> {
    tx.query_row("SELECT id FROM entities WHERE name = ?1", [name], |row| {
        row.get(0)
    })
    .optional()
    .map_err(sql("look up an entity"))
}

fn entity_by_id(tx: &Transaction<'_>, id: i64) -> Result<Option<Entity>, StoreError> {
    let head: Option<(String, String)> = tx
        .query_row(
            "SELECT name, entity_type FROM entities WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(sql("read an entity"))?;
    let Some((name, entity_type)) = head else {
        return Ok(None);
    };
    Ok(Some(Entity {
        name,
        entity_type,
        observations: observations_of(tx, id)?,
    }))
}

/// The entities with these ids, in id (creation) order, each read with its observations in
/// two queries for the lot rather than two per entity.
fn entities_by_ids(tx: &Transaction<'_>, ids: &[i64]) -> Result<Vec<Entity>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::Value::from(ids).to_string();
    let mut entities: BTreeMap<i64, Entity> = BTreeMap::new();
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, name, entity_type FROM entities
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .map_err(sql("read entities"))?;
    let rows = stmt
        .query_map([&list], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                Entity {
                    name: row.get(1)?,
                    entity_type: row.get(2)?,
                    observations: Vec::new(),
                },
            ))
        })
        .map_err(sql("read entities"))?;
    for row in rows {
        let (id, entity) = row.map_err(sql("read an entity"))?;
        entities.insert(id, entity);
    }
    let mut stmt = tx
        .prepare_cached(
            "SELECT entity_id, content FROM observations
             WHERE entity_id IN (SELECT value FROM json_each(?1)) ORDER BY entity_id, id",
        )
        .map_err(sql("read observations"))?;
    let rows = stmt
        .query_map([&list], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(sql("read observations"))?;
    for row in rows {
        let (id, content) = row.map_err(sql("read an observation"))?;
        if let Some(entity) = entities.get_mut(&id) {
            entity.observations.push(content);
        }
    }
    Ok(entities.into_values().collect())
}

fn observations_of(tx: &Transaction<'_>, id: i64) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx
        .prepare_cached("SELECT content FROM observations WHERE entity_id = ?1 ORDER BY id")
        .map_err(sql("read observations"))?;
    let rows = stmt
        .query_map([id], |row| row.get(0))
        .map_err(sql("read observations"))?;
    rows.collect::<Result<_, _>>()
        .map_err(sql("read an observation"))
}

fn insert_observations(
    tx: &Transaction<'_>,
    id: i64,
    contents: &[String],
) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached("INSERT INTO observations (entity_id, content) VALUES (?1, ?2)")
        .map_err(sql("insert observations"))?;
    for content in contents {
        stmt.execute(params![id, content])
            .map_err(sql("insert an observation"))?;
    }
    Ok(())
}

/// Rewrites the entity's row of the search index from its current text.
fn reindex(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    let Some(entity) = entity_by_id(tx, id)? else {
        return Ok(());
    };
    let mut body = entity.name.to_lowercase();
    body.push('\n');
    body.push_str(&entity.entity_type.to_lowercase());
    for o in &entity.observations {
        body.push('\n');
        body.push_str(&o.to_lowercase());
    }
    tx.execute("DELETE FROM search WHERE rowid = ?1", [id])
        .map_err(sql("update the search index"))?;
    tx.execute(
        "INSERT INTO search (rowid, body) VALUES (?1, ?2)",
        params![id, body],
    )
    .map_err(sql("update the search index"))?;
    Ok(())
}

/// Another process holds the lock.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn relation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Relation)> {
    Ok((
        row.get(0)?,
        Relation {
            from: row.get(1)?,
            to: row.get(2)?,
            relation_type: row.get(3)?,
        },
    ))
}

fn all_relations(tx: &Transaction<'_>) -> Result<Vec<Relation>, StoreError> {
    let mut stmt = tx
        .prepare("SELECT id, from_name, to_name, relation_type FROM relations ORDER BY id")
        .map_err(sql("read relations"))?;
    let rows = stmt
        .query_map([], relation_row)
        .map_err(sql("read relations"))?;
    rows.map(|r| r.map(|(_, relation)| relation))
        .collect::<Result<_, _>>()
        .map_err(sql("read a relation"))
}

/// The relations from or to any of the entities, in creation order, each once.
fn relations_touching(
    tx: &Transaction<'_>,
    entities: &[Entity],
) -> Result<Vec<Relation>, StoreError> {
    if entities.is_empty() {
        return Ok(Vec::new());
    }
    let names = serde_json::Value::from(
        entities
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<&str>>(),
    )
    .to_string();
    // Each side through its own index; a relation found from both sides is kept once, and
    // all are answered in creation order.
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, from_name, to_name, relation_type FROM relations
             WHERE from_name IN (SELECT value FROM json_each(?1))
             UNION ALL
             SELECT id, from_name, to_name, relation_type FROM relations
             WHERE to_name IN (SELECT value FROM json_each(?1))",
        )
        .map_err(sql("read relations"))?;
    let rows = stmt
        .query_map([&names], relation_row)
        .map_err(sql("read relations"))?;
    let mut found = BTreeMap::new();
    for row in rows {
        let (id, relation) = row.map_err(sql("read a relation"))?;
        found.insert(id, relation);
    }
    Ok(found.into_values().collect())
}

#[cfg(test)]
mod tests;
