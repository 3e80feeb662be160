//! # faultline-scenarios: the protocols
//!
//! One folder per scenario. Each defines its messages, its node state machines, the invariants that must hold,
//! its parameters (default, range and doc, defined once) and a narrative for learners. Scenarios know nothing of
//! the browser: the web crate draws any of them through [`faultline_sim::Scenario`] and the trace.

pub mod raft;
pub mod redis_lock;

use faultline_sim::Scenario;

/// Every scenario, in the order `faultline list` and the UI show them.
pub fn all() -> &'static [&'static dyn Scenario] {
    static ALL: &[&dyn Scenario] = &[&redis_lock::RedisLock, &raft::Raft];
    ALL
}

/// The scenario with this id.
pub fn find(id: &str) -> Option<&'static dyn Scenario> {
    all().iter().copied().find(|s| s.id() == id)
}

/// `redis-lock, …`: for "unknown scenario" messages.
pub fn ids() -> String {
    all().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ")
}
