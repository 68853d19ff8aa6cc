//! The reference server's memory file: one JSON object a line, `"type": "entity"` or
//! `"type": "relation"`, entities first, lines joined by `\n` with none at the end.

use serde::{Deserialize, Serialize};

use crate::graph::{Entity, Graph, Relation};
use crate::store::{Store, StoreError};

/// What went wrong reading a memory file.
#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error(
        "line {line} of the memory file is not an entity or relation the memory server \
         writes: {source}"
    )]
    Line {
        line: usize,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line {
    Entity(Entity),
    Relation(Relation),
}

/// Parses a memory file's text.
pub fn parse(text: &str) -> Result<Graph, JsonlError> {
    let mut graph = Graph::default();
    for (i, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line).map_err(|source| JsonlError::Line {
            line: i + 1,
            source,
        })? {
            Line::Entity(e) => graph.entities.push(e),
            Line::Relation(r) => graph.relations.push(r),
        }
    }
    Ok(graph)
}

/// A graph as a memory file's text.
pub fn render(graph: &Graph) -> String {
    let entities = graph.entities.iter().cloned().map(Line::Entity);
    let relations = graph.relations.iter().cloned().map(Line::Relation);
    entities
        .chain(relations)
        .filter_map(|line| serde_json::to_string(&line).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub entities: usize,
    pub relations: usize,
}

/// Adds a memory file's entities and relations to the store (as `create_entities` and
/// `create_relations` would: what is already there is kept).
pub fn import(store: &mut Store, text: &str) -> Result<Imported, JsonlError> {
    let graph = parse(text)?;
    let entities = store.create_entities(&graph.entities)?.len();
    let relations = store.create_relations(&graph.relations)?.len();
    Ok(Imported {
        entities,
        relations,
    })
}

/// The whole store as a memory file's text.
pub fn export(store: &mut Store) -> Result<String, StoreError> {
    Ok(render(&store.read_graph()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"type":"entity","name":"John","entityType":"person","observations":["likes \"tea\"","Ünïcode"]}
{"type":"entity","name":"Acme","entityType":"company","observations":[]}
{"type":"relation","from":"John","to":"Acme","relationType":"works_at"}
{"type":"relation","from":"John","to":"Nobody","relationType":"knows"}"#;

    #[test]
    fn import_then_export_round_trips() {
        let mut store = Store::open_in_memory().expect("open");
        let imported = import(&mut store, FILE).expect("import");
        assert_eq!(
            imported,
            Imported {
                entities: 2,
                relations: 2
            }
        );
        assert_eq!(export(&mut store).expect("export"), FILE);
        // Importing again adds nothing.
        let again = import(&mut store, &format!("{FILE}\n\n")).expect("import");
        assert_eq!(again.entities + again.relations, 0);
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = parse("{\"type\":\"entity\",\"name\":\"a\",\"entityType\":\"t\",\"observations\":[]}\n{\"type\":\"thing\"}")
            .expect_err("bad line");
        assert!(err.to_string().starts_with("line 2 "), "{err}");
    }
}
