//! # faultline-sim: the deterministic kernel
//!
//! A run is a pure function of (scenario, parameters, seed, fault plan) → [`Trace`]. The kernel knows no
//! scenario: it moves messages and timers between sans-IO [`Node`] state machines on a virtual clock, injects
//! the faults of a [`FaultPlan`], checks named invariants after every step and writes everything into a
//! serializable, versioned, hashed trace that the CLI prints, the tests pin and the browser replays.
//!
//! Design notes, with the public codebases they follow:
//! - Nodes are sans-IO: handlers get a [`Ctx`] (node-local time, the node's RNG stream, effects out) and never
//!   touch a real clock, a global RNG or I/O (stateright's `Actor`/`Out`; an engine that takes events in and
//!   hands commands out).
//! - Virtual time is an integer count of microseconds that jumps to the next event; ties are broken by
//!   insertion order, never by hash order.
//! - One portable PRNG ([`ChaCha8Rng`], the same words on every target: see [`rng`]) seeded from the run's seed; every node and the network get
//!   their own stream, so adding a message on one node does not reshuffle the draws of another (madsim's
//!   `GlobalRng`, turmoil's per-host RNGs).
//! - Protocol apart from presentation: handlers emit protocol effects only (sends, timers, persistence), which
//!   unit tests assert exactly (an engine that returns a command list, tested command by command); what the
//!   views show — notes, bars, charted numbers — each node's `narrate` derives after the step from the input,
//!   its look before and its state after (yew's view-from-state), and the kernel records it after the step's
//!   protocol events.
//! - Crowds: a node may act for thousands of members (the clients of a load test), whose messages and timers
//!   name them ([`Describe::member`]). The trace keeps the events of the followed members and of the nodes' own
//!   traffic, and folds every member's events into a digest the hash covers, so following another client changes
//!   what is kept, never the hash; the crowd's numbers come from the nodes' own metrics.
//! - Faults are data: crash/restart, stop-the-world pause, clock drift and jumps, partitions (one-way too), loss,
//!   duplication, delay — all part of the run's inputs, so a seed or a URL reproduces them.

pub mod agenda;
pub mod bench;
pub mod check;
pub mod clock;
pub mod fault;
pub mod hash;
pub mod kernel;
pub mod label;
pub mod net;
pub mod node;
pub mod params;
pub mod rng;
pub mod scenario;
pub mod search;
pub mod swarm;
pub mod trace;

pub use agenda::Agenda;
pub use clock::Clock;
pub use fault::{Fault, FaultEntry, FaultMix, FaultPlan};
pub use kernel::{Limits, RunOutput, Sim, SimError, Stepper, TimerId};
pub use label::Label;
pub use net::NetConfig;
pub use node::{Breach, Ctx, Describe, Effect, Handled, Input, Invariant, Narration, Node, Shown, Snapshot, TestCtx};
pub use params::FromParam;
pub use params::{ParamError, ParamInput, ParamKind, ParamSpec, ParamValue, Params};
pub use rng::ChaCha8Rng;
pub use scenario::{
    record, repro_command, sweep, sweep_range, Aggregate, At, Beat, Broken, Chapter, Checkpoint, Counterpart, Crowd,
    Model, Recording, RunError, RunOptions, Sample, SampleRole, Scenario, ScenarioInfo, Section, SeriesSpec, Setup,
    SweepSummary, Translated, View, CHECKPOINT_EVERY, CROWD_MAX_STEPS,
};
pub use trace::{
    BreachEvent, Condition, DropReason, Event, EventKind, Events, Member, MemberDigest, MsgId, NodeInfo, NodeView,
    Outcome, Severity, Tone, Trace, ViewChange, Widget, TRACE_VERSION,
};

/// Identifies a node within one run: its index in the scenario's node list.
pub type NodeId = u32;

/// Microseconds per millisecond, for the many `*_ms` parameters.
pub const US_PER_MS: u64 = 1_000;
