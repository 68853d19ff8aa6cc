//! Finding where a dotted key sits in a config file, for error messages and `config show`.

use toml_edit::{Document, Item, TableLike};

/// A parsed file kept with its text so positions can be reported.
pub(crate) struct SourceText {
    text: String,
    doc: Option<Document<String>>,
}

impl SourceText {
    pub fn new(text: String) -> Self {
        let doc = Document::parse(text.clone()).ok();
        Self { text, doc }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// Position of the key at `path` (its name, where the value is defined).
    pub fn key_position(&self, path: &[String]) -> Option<(usize, usize)> {
        let doc = self.doc.as_ref()?;
        let mut table: &dyn TableLike = doc.as_table();
        for (i, segment) in path.iter().enumerate() {
            let (key, item) = table.get_key_value(segment)?;
            if i + 1 == path.len() {
                let span = key.span().or_else(|| item.span())?;
                return Some(self.line_col(span.start));
            }
            table = as_table_like(item)?;
        }
        None
    }

    /// The dotted key whose value contains the byte range, innermost first.
    pub fn key_at(&self, offset: usize) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let mut path = Vec::new();
        find_key(doc.as_table(), offset, &mut path).then(|| path.join("."))
    }
}

fn as_table_like(item: &Item) -> Option<&dyn TableLike> {
    match item {
        Item::Table(t) => Some(t),
        Item::Value(toml_edit::Value::InlineTable(t)) => Some(t),
        _ => None,
    }
}

fn find_key(table: &dyn TableLike, offset: usize, path: &mut Vec<String>) -> bool {
    for (key, item) in table.iter() {
        if let Some(inner) = as_table_like(item) {
            path.push(key.to_string());
            if find_key(inner, offset, path) {
                return true;
            }
            path.pop();
        }
        let in_value = item.span().is_some_and(|s| s.contains(&offset));
        if in_value && !matches!(item, Item::Table(_)) {
            path.push(key.to_string());
            return true;
        }
    }
    false
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
