//! Messages and timers of the saga: the orchestrator asks each service to run its step (`Do`) or to compensate
//! it (`Undo`), every request carrying an idempotency key; the service answers with the outcome.

use faultline_sim::{Describe, Label, NodeId};
use serde::Serialize;

/// Node 0 is the orchestrator (Garcia-Molina & Salem's saga execution component); services are 1..=N, one
/// per step.
pub const ORCHESTRATOR: NodeId = 0;

/// What each step books, in order.
pub const STEPS: [&str; 5] = ["flight", "hotel", "car", "insurance", "payment"];

/// `orchestrator`, `hotel`: as the diagram's lanes are named.
pub fn name(id: NodeId) -> String {
    match id {
        ORCHESTRATOR => "orchestrator".into(),
        _ => STEPS.get(id as usize - 1).map_or_else(|| format!("service {id}"), |s| s.to_string()),
    }
}

/// The idempotency key of step `step`'s transaction (`T2`) or compensation (`C2`) in this saga.
pub fn key(step: NodeId, compensate: bool) -> String {
    format!("trip-1/{}{step}", if compensate { 'C' } else { 'T' })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// Run the step's local transaction (book).
    Do { key: String },
    /// Run its compensation (cancel and refund).
    Undo { key: String },
    /// The step committed locally.
    Done { key: String },
    /// The step could not be done (no car available): the saga must compensate.
    Failed { key: String },
    /// The compensation committed.
    Undone { key: String },
    /// The compensation failed this time (a transient error): it must be retried.
    UndoFailed { key: String },
}

impl Msg {
    pub fn key(&self) -> &str {
        match self {
            Msg::Do { key }
            | Msg::Undo { key }
            | Msg::Done { key }
            | Msg::Failed { key }
            | Msg::Undone { key }
            | Msg::UndoFailed { key } => key,
        }
    }
}

impl Describe for Msg {
    fn describe(&self) -> Label {
        let what = match self {
            Msg::Do { .. } => "book",
            Msg::Undo { .. } => "cancel",
            Msg::Done { .. } => "booked",
            Msg::Failed { .. } => "failed",
            Msg::Undone { .. } => "cancelled",
            Msg::UndoFailed { .. } => "cancel failed",
        };
        format!("{what} {}", self.key()).into()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// No reply to the pending request in time: send it again (same key).
    Timeout,
    /// Wait before retrying a compensation that failed.
    Retry,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Timeout => "reply timeout",
            Timer::Retry => "retry",
        }
        .into()
    }
}
