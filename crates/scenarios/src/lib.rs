//! # faultline-scenarios: the protocols
//!
//! One folder per scenario. Each defines its messages, its node state machines, the invariants that must hold,
//! its parameters (default, range and doc, defined once) and a narrative for learners. Scenarios know nothing of
//! the browser: the web crate draws any of them through [`faultline_sim::Scenario`] and the trace.

#[cfg(feature = "raft")]
pub mod raft;
#[cfg(feature = "redis-lock")]
pub mod redis_lock;

use faultline_sim::Scenario;

/// The registry: every scenario built in, in the order `faultline list` and the UI show them. This is the one
/// list: the CLI, the browser, the golden traces, the wasm determinism check, the probe and the bench iterate
/// over it. Each scenario is a cargo feature (all on by default), so a build can hold one scenario or all.
pub fn all() -> &'static [&'static dyn Scenario] {
    static ALL: &[&dyn Scenario] = &[
        #[cfg(feature = "redis-lock")]
        &redis_lock::RedisLock,
        #[cfg(feature = "raft")]
        &raft::Raft,
    ];
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
