//! Desktop notifications through the terminal (OSC 9, which iTerm2, kitty, WezTerm, Ghostty
//! and others show), when `[tui] notifications` allows them: `true` for every kind, or a list
//! of kinds (`agent-turn-complete`, `approval-requested`).

use std::io::Write;

use codex_config::{Config, TuiNotifications};

pub const TURN_COMPLETE: &str = "agent-turn-complete";
pub const APPROVAL_REQUESTED: &str = "approval-requested";

pub fn enabled(config: &Config, kind: &str) -> bool {
    match &config.tui.notifications {
        TuiNotifications::Enabled(on) => *on,
        TuiNotifications::Custom(kinds) => kinds.iter().any(|k| k == kind),
    }
}

/// The escape sequence for `message`, with control characters (which would end it early or
/// inject others) removed.
pub fn osc9(message: &str) -> String {
    let clean: String = message.chars().filter(|c| !c.is_control()).collect();
    format!("\x1b]9;{clean}\x07")
}

pub fn notify(config: &Config, kind: &str, message: &str) {
    if !enabled(config, kind) {
        return;
    }
    let mut out = std::io::stdout();
    let _ = out.write_all(osc9(message).as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_cannot_break_out_of_the_sequence() {
        assert_eq!(osc9("done\x07\x1b]0;evil"), "\x1b]9;done]0;evil\x07");
    }
}
