//! Terminal input on a thread of its own, handed to the async loop through a channel.
//!
//! crossterm's `EventStream` keeps stdin's reader locked while it waits for input, so nothing
//! else can read the terminal's answer to a query (where the cursor is). This reader waits in
//! short polls instead and can be paused: paused, it holds nothing, and the cursor can be asked
//! (after Ctrl-Z, when the shell has moved it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;

/// How long one poll waits before checking whether to pause or stop.
const POLL: Duration = Duration::from_millis(50);

struct Shared {
    paused: AtomicBool,
    /// True while the thread is not inside a poll or read.
    idle: Mutex<bool>,
    idle_changed: Condvar,
}

pub struct Input {
    events: mpsc::UnboundedReceiver<std::io::Result<Event>>,
    shared: Arc<Shared>,
}

impl Input {
    pub fn start() -> std::io::Result<Input> {
        let (tx, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            paused: AtomicBool::new(false),
            idle: Mutex::new(true),
            idle_changed: Condvar::new(),
        });
        let thread_shared = shared.clone();
        std::thread::Builder::new()
            .name("terminal-input".into())
            .spawn(move || read_loop(&thread_shared, &tx))?;
        Ok(Input { events, shared })
    }

    /// The next event; `None` once the reader has stopped.
    pub async fn next(&mut self) -> Option<std::io::Result<Event>> {
        self.events.recv().await
    }

    /// Stops reading until `resume`; returns once the reader has let go of stdin.
    pub fn pause(&self) {
        self.shared.paused.store(true, Ordering::SeqCst);
        let Ok(mut idle) = self.shared.idle.lock() else {
            return;
        };
        while !*idle {
            match self.shared.idle_changed.wait_timeout(idle, POLL * 4) {
                Ok((guard, _)) => idle = guard,
                Err(_) => return,
            }
        }
    }

    pub fn resume(&self) {
        self.shared.paused.store(false, Ordering::SeqCst);
    }
}

fn set_idle(shared: &Shared, value: bool) {
    if let Ok(mut idle) = shared.idle.lock() {
        *idle = value;
        shared.idle_changed.notify_all();
    }
}

fn read_loop(shared: &Shared, tx: &mpsc::UnboundedSender<std::io::Result<Event>>) {
    loop {
        if tx.is_closed() {
            return;
        }
        if shared.paused.load(Ordering::SeqCst) {
            std::thread::sleep(POLL);
            continue;
        }
        set_idle(shared, false);
        // Checked again now that the pauser can see this thread is busy.
        if shared.paused.load(Ordering::SeqCst) {
            set_idle(shared, true);
            continue;
        }
        let event = match crossterm::event::poll(POLL) {
            Ok(true) => Some(crossterm::event::read()),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        };
        set_idle(shared, true);
        if let Some(event) = event {
            let failed = event.is_err();
            if tx.send(event).is_err() || failed {
                return;
            }
        }
    }
}
