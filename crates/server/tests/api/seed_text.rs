//! Reading the seed pages (tests/seeds/…): the JSON examples they document,
//! and comparing a real response with one, field set and field types.

use serde_json::{Map, Value};

/// The balanced `{…}` starting at the first `{` at or after `from`, and the
/// offset just past it.
pub fn json_object_at(text: &str, from: usize) -> (Value, usize) {
    let start = from + text[from..].find('{').expect("a JSON object follows");
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    let end = start + i + 1;
                    let value = serde_json::from_str(&text[start..end]).expect("the seed's JSON parses");
                    return (value, end);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced JSON in the seed");
}

/// The offset of `marker` in `text`; panics naming it when absent.
pub fn position(text: &str, marker: &str) -> usize {
    text.find(marker).unwrap_or_else(|| panic!("the seed no longer contains {marker:?}"))
}

/// Keys the seed pages write for "any additional property" (seed 004).
const PLACEHOLDERS: &[&str] = &["property1", "property2"];

fn is_placeholder(field: &str) -> bool {
    PLACEHOLDERS.contains(&field)
}

pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An object's fields, sorted, without the placeholders.
pub fn fields(value: &Value) -> Vec<String> {
    let mut fields: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("{value} is an object"))
        .keys()
        .filter(|k| !is_placeholder(k))
        .cloned()
        .collect();
    fields.sort();
    fields
}

/// An example object whose only keys are placeholders documents a free map
/// (`metadata`, `permissions`, `details`), not a fixed set of fields.
fn is_free_map(example: &Map<String, Value>) -> bool {
    !example.is_empty() && example.keys().all(|k| is_placeholder(k))
}

/// `actual` has the documented example's shape: an object has exactly the
/// documented fields (the placeholders aside), recursively, and every value
/// the documented value's JSON type.
pub fn assert_like_example(example: &Value, actual: &Value, path: &str) {
    match (example, actual) {
        (Value::Object(doc), Value::Object(got)) if is_free_map(doc) => {
            // A map of any keys; its values typed like the placeholder's.
            let placeholder = &doc[PLACEHOLDERS[0]];
            if !placeholder.is_null() {
                for (key, value) in got {
                    assert_like_example(placeholder, value, &format!("{path}.{key}"));
                }
            }
        }
        (Value::Object(doc), Value::Object(got)) => {
            let mut present: Vec<String> = got.keys().cloned().collect();
            present.sort();
            assert_eq!(present, fields(example), "{path}: the fields differ from the documented example");
            for (field, value) in got {
                assert_like_example(&doc[field], value, &format!("{path}.{field}"));
            }
        }
        (Value::Array(doc), Value::Array(got)) => {
            if let Some(item) = doc.first() {
                for (i, value) in got.iter().enumerate() {
                    assert_like_example(item, value, &format!("{path}[{i}]"));
                }
            }
        }
        // The example shows null, so it documents no type; the seed's nulls
        // stand for date-times that may be absent: a string or null.
        (Value::Null, got) => {
            assert!(got.is_null() || got.is_string(), "{path} = {got}: documented as null, so a string or null")
        }
        (Value::String(_), Value::Null) => {} // a documented string may be null when the value is absent
        (doc, got) => assert_eq!(
            kind(got),
            kind(doc),
            "{path} = {got}: its JSON type differs from the documented example's ({doc})"
        ),
    }
}
