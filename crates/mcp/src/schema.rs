//! Input schemas as model APIs take them. Servers send whatever JSON Schema their library
//! writes (`$schema`, `default`, `minimum`, boolean schemas, missing `type`s); the model is
//! offered the subset the Codex CLI offers: `type`, `description`, `properties`, `required`,
//! `items`, `enum`, `anyOf` and `additionalProperties`, with each missing `type` inferred.

use serde_json::{Map, Value, json};

/// The schema a tool is offered with: always an object schema with `properties`.
pub fn sanitize_input_schema(schema: &Value) -> Value {
    let mut clean = sanitize(schema);
    if let Some(object) = clean.as_object_mut() {
        object.insert("type".into(), json!("object"));
        object.entry("properties").or_insert_with(|| json!({}));
    }
    clean
}

fn sanitize(schema: &Value) -> Value {
    let Some(source) = schema.as_object() else {
        // `true`, `false` or anything else that is not a schema object: take a string.
        return json!({"type": "string"});
    };
    let mut out = Map::new();
    if let Some(description) = source.get("description").and_then(Value::as_str) {
        out.insert("description".into(), json!(description));
    }
    let kind = match source.get("type") {
        Some(Value::String(kind)) => Some(normalise_type(kind)),
        // A list of types: the first that is not `null`.
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .map(normalise_type),
        _ => None,
    };
    if let Some(any_of) = source.get("anyOf").and_then(Value::as_array)
        && kind.is_none()
    {
        out.insert(
            "anyOf".into(),
            Value::Array(any_of.iter().map(sanitize).collect()),
        );
        return Value::Object(out);
    }
    let kind = kind.unwrap_or_else(|| infer_type(source));
    match kind {
        "object" => {
            let properties: Map<String, Value> = source
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), sanitize(v)))
                        .collect()
                })
                .unwrap_or_default();
            out.insert("properties".into(), Value::Object(properties));
            if let Some(required) = source.get("required").and_then(Value::as_array) {
                let names: Vec<Value> =
                    required.iter().filter(|v| v.is_string()).cloned().collect();
                out.insert("required".into(), Value::Array(names));
            }
            match source.get("additionalProperties") {
                Some(Value::Bool(allowed)) => {
                    out.insert("additionalProperties".into(), json!(allowed));
                }
                Some(other @ Value::Object(_)) => {
                    out.insert("additionalProperties".into(), sanitize(other));
                }
                _ => {}
            }
        }
        "array" => {
            let items = source
                .get("items")
                .map(sanitize)
                .unwrap_or_else(|| json!({"type": "string"}));
            out.insert("items".into(), items);
        }
        _ => {}
    }
    if let Some(values) = source.get("enum").and_then(Value::as_array) {
        out.insert("enum".into(), Value::Array(values.clone()));
    } else if let Some(value) = source.get("const") {
        out.insert("enum".into(), json!([value]));
    }
    out.insert("type".into(), json!(kind));
    Value::Object(out)
}

fn normalise_type(kind: &str) -> &'static str {
    match kind {
        "object" => "object",
        "array" => "array",
        "boolean" => "boolean",
        "number" | "integer" => "number",
        _ => "string",
    }
}

fn infer_type(source: &Map<String, Value>) -> &'static str {
    let has = |key: &str| source.contains_key(key);
    if has("properties") || has("required") || has("additionalProperties") {
        "object"
    } else if has("items") || has("prefixItems") {
        "array"
    } else if has("enum") || has("const") || has("format") {
        "string"
    } else if has("minimum") || has("maximum") || has("exclusiveMinimum") || has("multipleOf") {
        "number"
    } else {
        "string"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_model_api_does_not_take_is_dropped() {
        let schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "count": {"default": 3, "description": "How many", "type": "number",
                          "minimum": 1, "maximum": 10},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "n": {"type": "integer"}
            },
            "required": ["kind"]
        });
        assert_eq!(
            sanitize_input_schema(&schema),
            json!({
                "type": "object",
                "properties": {
                    "count": {"description": "How many", "type": "number"},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "n": {"type": "number"}
                },
                "required": ["kind"]
            })
        );
    }

    #[test]
    fn missing_parts_are_filled_in() {
        assert_eq!(
            sanitize_input_schema(&json!({})),
            json!({"type": "object", "properties": {}})
        );
        assert_eq!(
            sanitize_input_schema(&json!(true)),
            json!({"type": "object", "properties": {}})
        );
        let schema = json!({"properties": {
            "tags": {"type": "array"},
            "when": {"format": "date-time"},
            "limit": {"maximum": 5},
            "nested": {"required": ["x"]},
            "flag": true,
            "maybe": {"type": ["null", "boolean"]}
        }});
        let clean = sanitize_input_schema(&schema);
        let props = &clean["properties"];
        assert_eq!(
            props["tags"],
            json!({"type": "array", "items": {"type": "string"}})
        );
        assert_eq!(props["when"], json!({"type": "string"}));
        assert_eq!(props["limit"], json!({"type": "number"}));
        assert_eq!(
            props["nested"],
            json!({"type": "object", "properties": {}, "required": ["x"]})
        );
        assert_eq!(props["flag"], json!({"type": "string"}));
        assert_eq!(props["maybe"], json!({"type": "boolean"}));
    }

    #[test]
    fn any_of_without_a_type_is_kept() {
        let schema =
            json!({"properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}});
        assert_eq!(
            sanitize_input_schema(&schema)["properties"]["v"],
            json!({"anyOf": [{"type": "string"}, {"type": "number"}]})
        );
    }
}
