//! The nine tools: their definitions (the reference server's `tools/list`, verbatim) and a
//! call's result (text: the JSON pretty-printed with two spaces; structured content: the
//! same object the reference answers).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::graph::{Entity, ObservationAdd, ObservationDelete, Relation};
use crate::store::Store;

/// The reference server's tool definitions, as its `tools/list` answers them.
const TOOLS_JSON: &str = include_str!("tools.json");

/// `tools/list`'s tools.
pub fn tool_list() -> Value {
    serde_json::from_str(TOOLS_JSON).unwrap_or_else(|_| json!([]))
}

/// A tool's outcome: its `CallToolResult` as JSON.
pub fn call(store: &mut Store, name: &str, args: &Map<String, Value>) -> Value {
    match dispatch(store, name, args) {
        Ok(Outcome::Data(structured, text)) => json!({
            "content": [{"type": "text", "text": text}],
            "structuredContent": structured,
        }),
        Ok(Outcome::Done(message)) => json!({
            "content": [{"type": "text", "text": message}],
            "structuredContent": {"success": true, "message": message},
        }),
        Err(message) => json!({
            "content": [{"type": "text", "text": message}],
            "isError": true,
        }),
    }
}

enum Outcome {
    /// Structured content and the text shown for it.
    Data(Value, String),
    /// A deletion's success message.
    Done(&'static str),
}

fn arg<T: DeserializeOwned>(args: &Map<String, Value>, tool: &str, key: &str) -> Result<T, String> {
    let value = args
        .get(key)
        .ok_or_else(|| format!("{tool}: the argument `{key}` is missing"))?;
    serde_json::from_value(value.clone())
        .map_err(|e| format!("{tool}: the argument `{key}` is not what the tool takes: {e}"))
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn dispatch(store: &mut Store, name: &str, args: &Map<String, Value>) -> Result<Outcome, String> {
    let err = |e: crate::StoreError| e.to_string();
    match name {
        "create_entities" => {
            let entities: Vec<Entity> = arg(args, name, "entities")?;
            let created = store.create_entities(&entities).map_err(err)?;
            Ok(Outcome::Data(
                json!({"entities": created}),
                pretty(&created),
            ))
        }
        "create_relations" => {
            let relations: Vec<Relation> = arg(args, name, "relations")?;
            let created = store.create_relations(&relations).map_err(err)?;
            Ok(Outcome::Data(
                json!({"relations": created}),
                pretty(&created),
            ))
        }
        "add_observations" => {
            let items: Vec<ObservationAdd> = arg(args, name, "observations")?;
            let results = store.add_observations(&items).map_err(err)?;
            Ok(Outcome::Data(json!({"results": results}), pretty(&results)))
        }
        "delete_entities" => {
            let names: Vec<String> = arg(args, name, "entityNames")?;
            store.delete_entities(&names).map_err(err)?;
            Ok(Outcome::Done("Entities deleted successfully"))
        }
        "delete_observations" => {
            let items: Vec<ObservationDelete> = arg(args, name, "deletions")?;
            store.delete_observations(&items).map_err(err)?;
            Ok(Outcome::Done("Observations deleted successfully"))
        }
        "delete_relations" => {
            let relations: Vec<Relation> = arg(args, name, "relations")?;
            store.delete_relations(&relations).map_err(err)?;
            Ok(Outcome::Done("Relations deleted successfully"))
        }
        "read_graph" => {
            let graph = store.read_graph().map_err(err)?;
            Ok(Outcome::Data(json!(graph), pretty(&graph)))
        }
        "search_nodes" => {
            let query: String = arg(args, name, "query")?;
            let graph = store.search_nodes(&query).map_err(err)?;
            Ok(Outcome::Data(json!(graph), pretty(&graph)))
        }
        "open_nodes" => {
            let names: Vec<String> = arg(args, name, "names")?;
            let graph = store.open_nodes(&names).map_err(err)?;
            Ok(Outcome::Data(json!(graph), pretty(&graph)))
        }
        other => Err(format!("Tool {other} not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_nine_tools() {
        let tools = tool_list();
        let names: Vec<&str> = tools
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            [
                "create_entities",
                "create_relations",
                "add_observations",
                "delete_entities",
                "delete_observations",
                "delete_relations",
                "read_graph",
                "search_nodes",
                "open_nodes"
            ]
        );
    }

    #[test]
    fn results_have_the_reference_shapes() {
        let mut store = Store::open_in_memory().expect("open");
        let args = json!({"entities": [{"name": "a", "entityType": "t", "observations": []}]});
        let args = args.as_object().cloned().unwrap_or_default();
        let out = call(&mut store, "create_entities", &args);
        assert_eq!(out["structuredContent"]["entities"][0]["name"], "a");
        let text = out["content"][0]["text"].as_str().unwrap_or_default();
        assert!(text.starts_with("[\n  {\n    \"name\": \"a\""), "{text}");
        let args = json!({"entityNames": ["a"]});
        let args = args.as_object().cloned().unwrap_or_default();
        let out = call(&mut store, "delete_entities", &args);
        assert_eq!(
            out["structuredContent"],
            json!({"success": true, "message": "Entities deleted successfully"})
        );
        let out = call(&mut store, "add_observations", &Map::new());
        assert_eq!(out["isError"], true);
    }
}
