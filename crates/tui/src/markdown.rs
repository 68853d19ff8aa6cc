//! placeholder
use ratatui::text::Line;
pub struct MarkdownStyle {
    pub color: bool,
}
pub fn render_markdown(text: &str, _width: u16, _style: &MarkdownStyle) -> Vec<Line<'static>> {
    text.lines().map(|l| Line::from(l.to_string())).collect()
}
