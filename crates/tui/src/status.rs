//! The status line under the composer (model, sandbox, approvals, context left, cost) and the
//! longer `/status` report.

use codex_config::Config;
use codex_protocol::{SandboxMode, SessionConfiguredEvent, TokenUsage, TokenUsageInfo};
use ratatui::text::{Line, Span};

use crate::cells::tilde;
use crate::theme::Theme;

pub struct StatusLine {
    pub model: String,
    pub provider: String,
    pub sandbox: String,
    pub approval: String,
    total: TokenUsage,
    context_left: Option<u8>,
    context_window: Option<u64>,
    cost_usd: f64,
    priced: bool,
    session_id: Option<String>,
}

/// The sandbox mode and, where it confines anything, how (as the probe found it).
fn sandbox_text(mode: SandboxMode) -> String {
    match mode {
        SandboxMode::DangerFullAccess => "danger-full-access (no sandbox)".into(),
        other => other.to_string(),
    }
}

impl StatusLine {
    pub fn new(config: &Config) -> Self {
        StatusLine {
            model: config.model.clone(),
            provider: config.model_provider.name.clone(),
            sandbox: sandbox_text(config.sandbox_policy.mode()),
            approval: config.approval_policy.to_string(),
            total: TokenUsage::default(),
            context_left: None,
            context_window: Some(config.context_window),
            cost_usd: 0.0,
            priced: false,
            session_id: None,
        }
    }

    pub fn configured(&mut self, event: &SessionConfiguredEvent) {
        self.model = event.model.clone();
        self.provider = event.model_provider_id.clone();
        self.sandbox = sandbox_text(event.sandbox_policy.mode());
        self.approval = event.approval_policy.to_string();
        self.session_id = Some(event.session_id.clone());
    }

    pub fn tokens(&mut self, info: &TokenUsageInfo) {
        self.total = info.total_token_usage;
        if info.context_left_percent.is_some() {
            self.context_left = info.context_left_percent;
        }
        if info.model_context_window.is_some() {
            self.context_window = info.model_context_window;
        }
    }

    pub fn add_cost(&mut self, cost: f64) {
        self.cost_usd += cost;
        self.priced = true;
    }

    pub fn reset_usage(&mut self) {
        self.total = TokenUsage::default();
        self.context_left = None;
        self.cost_usd = 0.0;
        self.priced = false;
    }

    fn cost_text(&self) -> Option<String> {
        self.priced.then(|| format!("${:.4}", self.cost_usd))
    }

    pub fn line(&self, theme: &Theme) -> Line<'static> {
        let mut parts = vec![
            self.model.clone(),
            self.sandbox
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string(),
            format!("approvals: {}", self.approval),
        ];
        parts.push(match self.context_left {
            Some(left) => format!("{left}% context left"),
            None => "100% context left".into(),
        });
        if let Some(cost) = self.cost_text() {
            parts.push(cost);
        }
        Line::from(Span::styled(
            format!("  {}", parts.join(" · ")),
            theme.dim(),
        ))
    }

    /// `/status`.
    pub fn report(
        &self,
        config: &Config,
        session: Option<&SessionConfiguredEvent>,
        theme: &Theme,
    ) -> Vec<Line<'static>> {
        let row = |label: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("  {label:<16}"), theme.dim()),
                Span::raw(value),
            ])
        };
        let confinement = match config.sandbox_policy.mode() {
            SandboxMode::DangerFullAccess => String::new(),
            _ => format!(" ({})", codex_sandbox::probe().describe()),
        };
        let mut out = vec![Line::from(vec![
            Span::styled("• ", theme.accent()),
            Span::styled("Status", theme.bold()),
        ])];
        out.push(row("model:", self.model.clone()));
        out.push(row("provider:", self.provider.clone()));
        if let Some(effort) = config.model_reasoning_effort {
            let effort = serde_json::to_value(effort)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            out.push(row("reasoning:", effort));
        }
        out.push(row("directory:", tilde(&config.cwd)));
        out.push(row("sandbox:", format!("{}{confinement}", self.sandbox)));
        out.push(row("approvals:", self.approval.clone()));
        if let Some(id) = session
            .map(|s| s.session_id.clone())
            .or(self.session_id.clone())
        {
            out.push(row("session:", id));
        }
        let t = &self.total;
        out.push(row(
            "tokens:",
            format!(
                "{} in ({} cached) · {} out ({} reasoning)",
                t.input_tokens, t.cached_input_tokens, t.output_tokens, t.reasoning_output_tokens
            ),
        ));
        let window = self
            .context_window
            .map(|w| format!(" of {w}"))
            .unwrap_or_default();
        out.push(row(
            "context left:",
            format!("{}%{window}", self.context_left.unwrap_or(100)),
        ));
        out.push(row(
            "cost:",
            self.cost_text()
                .unwrap_or_else(|| "unknown (no price for this model)".into()),
        ));
        out
    }
}
