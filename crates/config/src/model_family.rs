//! What we know about a model that its wire does not tell us, in one record per family, found by
//! one rule (the longest matching slug prefix). The engine, the wires and cost estimates all
//! read the same record, resolved into [`crate::Config`] with the user's overrides applied.

use codex_protocol::TokenUsage;

/// Prices in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub cached_input: f64,
    pub output: f64,
}

impl Price {
    /// Cached input is billed at the cached rate, the rest of the input at the full rate;
    /// reasoning tokens are output tokens.
    pub fn estimate(&self, usage: &TokenUsage) -> f64 {
        let cached = usage.cached_input_tokens.min(usage.input_tokens) as f64;
        let fresh = usage.input_tokens as f64 - cached;
        (fresh * self.input + cached * self.cached_input + usage.output_tokens as f64 * self.output)
            / 1_000_000.0
    }
}

/// How the model is offered the `apply_patch` tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchToolForm {
    /// A freeform grammar tool (Responses `custom` tools; trained into GPT-5 and Codex models).
    Freeform,
    /// A JSON function tool `apply_patch {input}`.
    Function,
}

/// Which shell tool the model is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellToolForm {
    /// `shell {command: [argv]}`.
    Argv,
    /// `shell_command {command: "script"}`, run through the user's shell.
    Script,
}

/// One family's facts. `None` where nothing is known.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFamily {
    /// The slug prefix the record was found by (empty: no known family).
    pub prefix: &'static str,
    pub context_window: Option<u64>,
    pub patch_tool: PatchToolForm,
    pub shell_tool: ShellToolForm,
    /// Whether the model takes reasoning parameters (effort, summaries).
    pub supports_reasoning: bool,
    pub price: Option<Price>,
    /// The Codex CLI's beta tools offered by default (its `experimental_supported_tools`:
    /// `grep_files`, `list_dir`, `read_file`); `[features]` switches each one for any model.
    pub experimental_tools: &'static [&'static str],
}

/// The read-only file tools, as the Codex CLI offers them to its test and experimental models.
pub const FILE_TOOLS: &[&str] = &["grep_files", "list_dir", "read_file"];

const fn price(input: f64, cached_input: f64, output: f64) -> Option<Price> {
    Some(Price {
        input,
        cached_input,
        output,
    })
}

/// How a family is offered tools and reasoning.
#[derive(Clone, Copy)]
enum Kind {
    /// GPT-5.1 and later, and the Codex models: `shell_command`, freeform `apply_patch`,
    /// reasoning.
    Codex,
    /// Reasoning models offered the JSON tools (`shell` argv, `apply_patch {input}`).
    Reasoning,
    /// Everything else: the JSON tools, no reasoning parameters.
    Plain,
}

const fn family(
    prefix: &'static str,
    window: u64,
    kind: Kind,
    price: Option<Price>,
) -> ModelFamily {
    let (patch_tool, shell_tool, supports_reasoning) = match kind {
        Kind::Codex => (PatchToolForm::Freeform, ShellToolForm::Script, true),
        Kind::Reasoning => (PatchToolForm::Function, ShellToolForm::Argv, true),
        Kind::Plain => (PatchToolForm::Function, ShellToolForm::Argv, false),
    };
    ModelFamily {
        prefix,
        context_window: if window == 0 { None } else { Some(window) },
        patch_tool,
        shell_tool,
        supports_reasoning,
        price,
        experimental_tools: &[],
    }
}

/// `family` offered the given beta tools.
const fn with_tools(family: ModelFamily, tools: &'static [&'static str]) -> ModelFamily {
    ModelFamily {
        experimental_tools: tools,
        ..family
    }
}

use Kind::{Codex, Plain, Reasoning};

/// The known families. The longest matching prefix wins, so order does not matter. Tool forms
/// follow what the Codex CLI offers each family.
const FAMILIES: &[ModelFamily] = &[
    family(
        "gpt-5.1-codex-max",
        272_000,
        Codex,
        price(1.25, 0.125, 10.0),
    ),
    family(
        "gpt-5.1-codex-mini",
        272_000,
        Codex,
        price(0.25, 0.025, 2.0),
    ),
    family("gpt-5.1-codex", 272_000, Codex, price(1.25, 0.125, 10.0)),
    family("gpt-5-codex-mini", 272_000, Codex, price(0.25, 0.025, 2.0)),
    family("gpt-5-codex", 272_000, Codex, price(1.25, 0.125, 10.0)),
    family("gpt-5.2", 272_000, Codex, None),
    family("gpt-5.1", 272_000, Codex, price(1.25, 0.125, 10.0)),
    family("gpt-5-mini", 272_000, Reasoning, price(0.25, 0.025, 2.0)),
    family("gpt-5-nano", 272_000, Reasoning, price(0.05, 0.005, 0.4)),
    family("gpt-5", 272_000, Reasoning, price(1.25, 0.125, 10.0)),
    family("codex-mini", 200_000, Reasoning, price(1.5, 0.375, 6.0)),
    family("codex-", 272_000, Codex, None),
    // The Codex CLI's test and internal models, the ones it offers the file tools to.
    with_tools(family("codex-exp-", 272_000, Codex, None), FILE_TOOLS),
    with_tools(family("test-gpt-5", 272_000, Codex, None), FILE_TOOLS),
    family("o4-mini", 200_000, Reasoning, price(1.1, 0.275, 4.4)),
    family("o3-mini", 200_000, Reasoning, price(1.1, 0.55, 4.4)),
    family("o3", 200_000, Reasoning, price(2.0, 0.5, 8.0)),
    family("o1", 200_000, Reasoning, None),
    family("gpt-4.1-mini", 1_047_576, Plain, price(0.4, 0.1, 1.6)),
    family("gpt-4.1-nano", 1_047_576, Plain, price(0.1, 0.025, 0.4)),
    family("gpt-4.1", 1_047_576, Plain, price(2.0, 0.5, 8.0)),
    family("gpt-4o-mini", 128_000, Plain, price(0.15, 0.075, 0.6)),
    family("gpt-4o", 128_000, Plain, price(2.5, 1.25, 10.0)),
    family("gpt-oss", 128_000, Plain, None),
    family("claude-opus-4", 200_000, Plain, price(15.0, 1.5, 75.0)),
    family("claude-sonnet-4", 200_000, Plain, price(3.0, 0.3, 15.0)),
    family("claude-haiku-4", 200_000, Plain, price(1.0, 0.1, 5.0)),
    family("claude-3-5-haiku", 200_000, Plain, price(0.8, 0.08, 4.0)),
    family("claude-", 200_000, Plain, None),
];

/// The family of `model` (case-insensitive, longest prefix), or an empty record.
pub fn find_family(model: &str) -> ModelFamily {
    let model = model.to_ascii_lowercase();
    FAMILIES
        .iter()
        .filter(|f| model.starts_with(f.prefix))
        .max_by_key(|f| f.prefix.len())
        .cloned()
        .unwrap_or(ModelFamily {
            prefix: "",
            context_window: None,
            patch_tool: PatchToolForm::Function,
            shell_tool: ShellToolForm::Argv,
            supports_reasoning: model.contains("codex"),
            price: None,
            experimental_tools: &[],
        })
}

/// A window assumed for unknown models (most current models have at least this).
pub const DEFAULT_CONTEXT_WINDOW: u64 = 128_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_whatever_the_order() {
        assert_eq!(find_family("gpt-5.1-codex-max").prefix, "gpt-5.1-codex-max");
        assert_eq!(find_family("GPT-5-mini-2025").prefix, "gpt-5-mini");
        assert_eq!(find_family("gpt-5.2-2025").prefix, "gpt-5.2");
        assert_eq!(find_family("gpt-5-2025").prefix, "gpt-5");
        assert_eq!(find_family("gpt-4o-mini").context_window, Some(128_000));
        assert_eq!(find_family("o3-mini").price, price(1.1, 0.55, 4.4));
        assert_eq!(find_family("gpt-4.1").patch_tool, PatchToolForm::Function);
        let codex = find_family("gpt-5.1-codex");
        assert_eq!(
            (codex.patch_tool, codex.shell_tool),
            (PatchToolForm::Freeform, ShellToolForm::Script)
        );
        let plain_gpt5 = find_family("gpt-5-2025-08-07");
        assert_eq!(
            (plain_gpt5.patch_tool, plain_gpt5.shell_tool),
            (PatchToolForm::Function, ShellToolForm::Argv)
        );
        assert!(find_family("o4-mini").supports_reasoning);
        let unknown = find_family("llama3");
        assert_eq!((unknown.prefix, unknown.context_window), ("", None));
        assert!(!unknown.supports_reasoning);
        assert!(find_family("my-codex-finetune").supports_reasoning);
    }

    #[test]
    fn only_the_test_and_internal_models_get_the_file_tools() {
        for model in ["test-gpt-5-codex", "test-gpt-5.1", "codex-exp-2025"] {
            assert_eq!(find_family(model).experimental_tools, FILE_TOOLS, "{model}");
        }
        for model in [
            "gpt-5.1-codex-max",
            "gpt-5",
            "codex-mini-latest",
            "codex-1",
            "o3",
        ] {
            assert!(find_family(model).experimental_tools.is_empty(), "{model}");
        }
    }

    #[test]
    fn no_two_families_share_a_prefix() {
        for (i, a) in FAMILIES.iter().enumerate() {
            for b in &FAMILIES[i + 1..] {
                assert_ne!(a.prefix, b.prefix);
            }
        }
    }

    #[test]
    fn estimate_bills_cached_input_at_its_rate() {
        let usage = TokenUsage {
            input_tokens: 1_000_000,
            cached_input_tokens: 400_000,
            output_tokens: 100_000,
            reasoning_output_tokens: 50_000,
            total_tokens: 1_100_000,
            ..Default::default()
        };
        let p = Price {
            input: 1.25,
            cached_input: 0.125,
            output: 10.0,
        };
        assert!((p.estimate(&usage) - (0.75 + 0.05 + 1.0)).abs() < 1e-9);
    }
}
