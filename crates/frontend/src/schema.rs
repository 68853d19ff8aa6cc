//! The output schema (`--output-schema FILE`, or the Node API's `outputSchema` object): read,
//! parsed, and checked to be a JSON Schema before anything is sent, so a mistake is reported
//! here, with where it is, rather than by the model API.
//!
//! A structural check of the keywords' shapes (JSON Schema drafts 4 to 2020-12), not a
//! meta-schema validator: enough to catch the mistakes people make, without a heavy
//! dependency.

use std::path::Path;

use serde_json::{Map, Value};

/// `--output-schema FILE`: the file's JSON, checked.
pub fn read_schema(path: &Path) -> Result<Value, String> {
    let text =
        codex_config::read_text_file(path, codex_config::MAX_CONFIG_FILE_BYTES).map_err(|e| {
            format!(
                "--output-schema: {e}; pass a regular JSON Schema file of at most {} MiB",
                codex_config::MAX_CONFIG_FILE_BYTES >> 20
            )
        })?;
    let schema: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "--output-schema {} is not valid JSON (line {}, column {}): {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    output_schema(schema, &format!("--output-schema {}", path.display()))
}

/// A schema given as a value (`shown` names it in messages): the same checks as a file's.
pub fn output_schema(schema: Value, shown: &str) -> Result<Value, String> {
    if !schema.is_object() {
        return Err(format!("{shown} must contain a JSON Schema object"));
    }
    check_schema(&schema).map_err(|e| format!("{shown} is not a valid JSON Schema: {e}"))?;
    Ok(schema)
}

const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Keywords whose value is one schema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "additionalProperties",
    "additionalItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
];

/// Keywords whose value is an object of schemas.
const SCHEMA_MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keywords whose value is a non-empty array of schemas.
const SCHEMA_LIST_KEYWORDS: &[&str] = &["anyOf", "allOf", "oneOf", "prefixItems"];

const STRING_KEYWORDS: &[&str] = &[
    "$ref",
    "$id",
    "$schema",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$comment",
    "title",
    "description",
    "pattern",
    "format",
    "contentEncoding",
    "contentMediaType",
];

const COUNT_KEYWORDS: &[&str] = &[
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
];

/// `Ok` when `schema` is a JSON Schema; otherwise the JSON pointer of the first problem and
/// what is wrong there, e.g. `/properties/name/type: 5 is not a type name (…)`.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    check(schema, "").map_err(|(at, message)| {
        let at = if at.is_empty() { "/" } else { at.as_str() };
        format!("{at}: {message}")
    })
}

type Problem = (String, String);

fn check(schema: &Value, at: &str) -> Result<(), Problem> {
    let object = match schema {
        Value::Bool(_) => return Ok(()),
        Value::Object(object) => object,
        other => {
            return Err((
                at.to_string(),
                format!(
                    "expected a schema (an object or a boolean), found {}",
                    describe(other)
                ),
            ));
        }
    };
    for (key, value) in object {
        let here = pointer(at, key);
        check_keyword(key, value, &here)?;
    }
    Ok(())
}

fn check_keyword(key: &str, value: &Value, at: &str) -> Result<(), Problem> {
    let fail = |message: String| Err((at.to_string(), message));
    match key {
        "type" => check_type(value, at),
        "required" => check_names(value, at),
        "items" => match value {
            Value::Array(list) => check_list(list, at),
            other => check(other, at),
        },
        "enum" if !value.is_array() => {
            fail(format!("expected an array, found {}", describe(value)))
        }
        "examples" if !value.is_array() => {
            fail(format!("expected an array, found {}", describe(value)))
        }
        "uniqueItems" if !value.is_boolean() => {
            fail(format!("expected true or false, found {}", describe(value)))
        }
        // Numbers since draft 6; booleans beside minimum/maximum in draft 4.
        "exclusiveMinimum" | "exclusiveMaximum" if !(value.is_number() || value.is_boolean()) => {
            fail(format!("expected a number, found {}", describe(value)))
        }
        "minimum" | "maximum" if !value.is_number() => {
            fail(format!("expected a number, found {}", describe(value)))
        }
        "multipleOf" if !value.as_f64().is_some_and(|n| n > 0.0) => fail(format!(
            "expected a number greater than 0, found {}",
            describe(value)
        )),
        "dependentRequired" => match value {
            Value::Object(map) => {
                for (name, names) in map {
                    check_names(names, &pointer(at, name))?;
                }
                Ok(())
            }
            other => fail(format!(
                "expected an object of property-name arrays, found {}",
                describe(other)
            )),
        },
        // Draft 4-7: each value is a schema or an array of property names.
        "dependencies" => match value {
            Value::Object(map) => {
                for (name, dependency) in map {
                    let here = pointer(at, name);
                    match dependency {
                        Value::Array(_) => check_names(dependency, &here)?,
                        other => check(other, &here)?,
                    }
                }
                Ok(())
            }
            other => fail(format!(
                "expected an object of schemas or property-name arrays, found {}",
                describe(other)
            )),
        },
        k if SCHEMA_KEYWORDS.contains(&k) => check(value, at),
        k if SCHEMA_MAP_KEYWORDS.contains(&k) => match value {
            Value::Object(map) => check_map(map, at),
            other => fail(format!(
                "expected an object of schemas, found {}",
                describe(other)
            )),
        },
        k if SCHEMA_LIST_KEYWORDS.contains(&k) => match value {
            Value::Array(list) if !list.is_empty() => check_list(list, at),
            other => fail(format!(
                "expected a non-empty array of schemas, found {}",
                describe(other)
            )),
        },
        k if STRING_KEYWORDS.contains(&k) && !value.is_string() => {
            fail(format!("expected a string, found {}", describe(value)))
        }
        k if COUNT_KEYWORDS.contains(&k) && !is_count(value) => fail(format!(
            "expected a non-negative integer, found {}",
            describe(value)
        )),
        // Anything else (`const`, `default`, annotations, unknown keywords) takes any value.
        _ => Ok(()),
    }
}

fn check_type(value: &Value, at: &str) -> Result<(), Problem> {
    let name_ok = |v: &Value| v.as_str().is_some_and(|s| TYPE_NAMES.contains(&s));
    let not_a_name = |v: &Value| {
        format!(
            "{} is not a type name ({})",
            describe(v),
            TYPE_NAMES.join(", ")
        )
    };
    match value {
        Value::Array(names) => {
            for (i, name) in names.iter().enumerate() {
                let here = format!("{at}/{i}");
                if !name_ok(name) {
                    return Err((here, not_a_name(name)));
                }
                if names[..i].contains(name) {
                    return Err((here, format!("{} is listed twice", describe(name))));
                }
            }
            Ok(())
        }
        v if name_ok(v) => Ok(()),
        other => Err((at.to_string(), not_a_name(other))),
    }
}

/// An array of distinct property names.
fn check_names(value: &Value, at: &str) -> Result<(), Problem> {
    let Value::Array(names) = value else {
        return Err((
            at.to_string(),
            format!(
                "expected an array of property names, found {}",
                describe(value)
            ),
        ));
    };
    for (i, name) in names.iter().enumerate() {
        let here = format!("{at}/{i}");
        if !name.is_string() {
            return Err((
                here,
                format!(
                    "expected a property name (a string), found {}",
                    describe(name)
                ),
            ));
        }
        if names[..i].contains(name) {
            return Err((here, format!("{} is listed twice", describe(name))));
        }
    }
    Ok(())
}

fn check_map(map: &Map<String, Value>, at: &str) -> Result<(), Problem> {
    for (name, schema) in map {
        check(schema, &pointer(at, name))?;
    }
    Ok(())
}

fn check_list(list: &[Value], at: &str) -> Result<(), Problem> {
    for (i, schema) in list.iter().enumerate() {
        check(schema, &format!("{at}/{i}"))?;
    }
    Ok(())
}

/// A non-negative integer; `2.0` counts, as the specification allows.
fn is_count(value: &Value) -> bool {
    value.is_u64() || value.as_f64().is_some_and(|n| n >= 0.0 && n.fract() == 0.0)
}

/// `at` extended by one JSON Pointer segment (RFC 6901 escaping).
fn pointer(at: &str, segment: &str) -> String {
    format!("{at}/{}", segment.replace('~', "~0").replace('/', "~1"))
}

/// A value as shown in a message: scalars as JSON (long strings shortened), containers by kind.
fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        Value::String(s) if s.chars().count() > 40 => {
            let short: String = s.chars().take(40).collect();
            format!("{}…", Value::String(short))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem(schema: Value) -> String {
        check_schema(&schema).unwrap_err()
    }

    #[test]
    fn good_schemas_pass() {
        let good = [
            json!({"type": "object", "properties": {"answer": {"type": "integer"}},
                   "required": ["answer"], "additionalProperties": false}),
            json!({"type": ["string", "null"], "minLength": 1, "maxLength": 2.0,
                   "pattern": "^a", "enum": ["a", null]}),
            json!({"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 0,
                   "uniqueItems": true,
                   "$defs": {"item": {"anyOf": [{"type": "number", "minimum": 0,
                                                 "exclusiveMaximum": 10,
                                                 "multipleOf": 0.5}, true]}}}),
            json!({"items": [{"type": "string"}, {}], "additionalItems": false,
                   "definitions": {"a/b": {"not": {"const": 1}}},
                   "dependencies": {"a": ["b"], "c": {"required": ["d"]}},
                   "exclusiveMinimum": true, "minimum": 1}),
            json!({"properties": {"type": {"type": "string"}, "enum": {"enum": [1]}},
                   "x-unknown": {"type": 5}, "default": {"type": 5}, "const": [1]}),
        ];
        for schema in good {
            assert_eq!(check_schema(&schema), Ok(()), "{schema}");
        }
    }

    #[test]
    fn bad_schemas_name_the_keyword_and_where() {
        let cases = [
            (
                json!({"type": 5}),
                "/type: 5 is not a type name (null, boolean, object, array, number, string, integer)",
            ),
            (
                json!({"properties": {"name": {"type": 5}}}),
                "/properties/name/type: 5 is not a type name",
            ),
            (
                json!({"type": "strng"}),
                "/type: \"strng\" is not a type name",
            ),
            (
                json!({"type": ["string", "int"]}),
                "/type/1: \"int\" is not a type name",
            ),
            (
                json!({"type": ["string", "string"]}),
                "/type/1: \"string\" is listed twice",
            ),
            (
                json!({"properties": []}),
                "/properties: expected an object of schemas, found an array",
            ),
            (
                json!({"properties": {"a": 5}}),
                "/properties/a: expected a schema (an object or a boolean), found 5",
            ),
            (
                json!({"required": "name"}),
                "/required: expected an array of property names, found \"name\"",
            ),
            (
                json!({"required": ["a", 1]}),
                "/required/1: expected a property name (a string), found 1",
            ),
            (
                json!({"items": 5}),
                "/items: expected a schema (an object or a boolean), found 5",
            ),
            (
                json!({"items": [{}, {"type": 1}]}),
                "/items/1/type: 1 is not a type name",
            ),
            (
                json!({"enum": "a"}),
                "/enum: expected an array, found \"a\"",
            ),
            (
                json!({"additionalProperties": "no"}),
                "/additionalProperties: expected a schema (an object or a boolean), found \"no\"",
            ),
            (
                json!({"anyOf": {}}),
                "/anyOf: expected a non-empty array of schemas, found an object",
            ),
            (
                json!({"oneOf": []}),
                "/oneOf: expected a non-empty array of schemas, found an array",
            ),
            (
                json!({"allOf": [{"minimum": "1"}]}),
                "/allOf/0/minimum: expected a number, found \"1\"",
            ),
            (json!({"$ref": 5}), "/$ref: expected a string, found 5"),
            (
                json!({"$defs": {"a~b/c": {"maxLength": -1}}}),
                "/$defs/a~0b~1c/maxLength: expected a non-negative integer, found -1",
            ),
            (
                json!({"definitions": 1}),
                "/definitions: expected an object of schemas, found 1",
            ),
            (
                json!({"minItems": 1.5}),
                "/minItems: expected a non-negative integer, found 1.5",
            ),
            (
                json!({"multipleOf": 0}),
                "/multipleOf: expected a number greater than 0, found 0",
            ),
            (
                json!({"uniqueItems": "yes"}),
                "/uniqueItems: expected true or false, found \"yes\"",
            ),
            (
                json!({"dependentRequired": {"a": [1]}}),
                "/dependentRequired/a/0: expected a property name (a string), found 1",
            ),
        ];
        for (schema, expected) in cases {
            let got = problem(schema.clone());
            assert!(got.starts_with(expected), "{schema}: {got}");
        }
    }

    #[test]
    fn deep_nesting_reports_the_full_pointer() {
        let mut schema = json!({"type": "wrong"});
        for _ in 0..50 {
            schema = json!({"properties": {"p": schema}});
        }
        let got = problem(schema);
        assert!(got.starts_with(&"/properties/p".repeat(50)), "{got}");
        assert!(got.ends_with("/type: \"wrong\" is not a type name (null, boolean, object, array, number, string, integer)"), "{got}");
    }
}
