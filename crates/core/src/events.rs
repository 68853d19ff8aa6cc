//! The outgoing side of the protocol: events tagged with the submission that caused them.

use codex_protocol::{Event, EventMsg};
use tokio::sync::mpsc;

#[derive(Clone)]
pub(crate) struct EventSender {
    tx: mpsc::UnboundedSender<Event>,
}

impl EventSender {
    pub fn new(tx: mpsc::UnboundedSender<Event>) -> Self {
        EventSender { tx }
    }

    /// Sends an event; a front-end that went away is not an error for the engine.
    pub fn send(&self, id: &str, msg: EventMsg) {
        let _ = self.tx.send(Event {
            id: id.to_string(),
            msg,
        });
    }
}
