//! # faultline-scenarios: the protocols
//!
//! One folder per scenario. Each defines its messages, its node state machines, the invariants that must hold,
//! its parameters (default, range and doc, defined once) and a narrative for learners. Scenarios know nothing of
//! the browser: the web crate draws any of them through [`faultline_sim::Scenario`] and the trace.

use faultline_sim::Scenario;

pub mod guarded;
pub mod workshop;

/// One line per scenario: `"feature" => module::Scenario`. Each line declares the module (built only with its
/// cargo feature) and its place in [`all`].
macro_rules! registry {
    ($($feature:literal => $module:ident :: $scenario:ident),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            pub mod $module;
        )*

        /// The registry: every scenario built in, in the order `faultline list` and the UI show them. This is the
        /// one list: the CLI, the browser, the golden traces, the wasm determinism check, the probe and the bench
        /// iterate over it. Each scenario is a cargo feature (all on by default), so a build can hold one or all.
        pub fn all() -> &'static [&'static dyn Scenario] {
            static ALL: &[&dyn Scenario] = &[$(
                #[cfg(feature = $feature)]
                &$module::$scenario,
            )*];
            ALL
        }

        /// Every scenario's id, in the registry's order, whether or not this build holds it: a web page holds one
        /// scenario (or two that compare with each other), and its scenario picker offers the others as links to
        /// their own pages. A scenario's id is its cargo feature's name.
        pub const CATALOG: &[&str] = &[$($feature),*];
    };
}

registry! {
    "redis-lock" => redis_lock::RedisLock,
    "redis-failover" => redis_failover::RedisFailover,
    "redlock" => redlock::Redlock,
    "etcd-lease" => etcd_lease::EtcdLease,
    "leader-lease-db" => leader_lease::LeaderLease,
    "raft" => raft::Raft,
    "two-phase-commit" => two_phase_commit::TwoPhaseCommit,
    "saga" => saga::Saga,
    "thundering-herd" => thundering_herd::ThunderingHerd,
    "retry-storm" => retry_storm::RetryStorm,
}

/// The specifications `faultline check` explores besides the scenarios (the engine's proof against TLC's counts).
pub fn specs() -> &'static [&'static dyn faultline_sim::check::Spec] {
    static SPECS: &[&dyn faultline_sim::check::Spec] = &[
        #[cfg(feature = "two-phase-commit")]
        &two_phase_commit::spec::TwoPhaseSpec,
    ];
    SPECS
}

/// The scenario with this id.
pub fn find(id: &str) -> Option<&'static dyn Scenario> {
    all().iter().copied().find(|s| s.id() == id)
}

/// `redis-lock, …`: for "unknown scenario" messages.
pub fn ids() -> String {
    all().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ")
}
