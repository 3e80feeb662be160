//! # Retry storms: backoff, jitter and a retry budget
//!
//! **The setup.** Clients (100 by default, up to 10,000) call a service. In the `contention` workload — the
//! AWS Architecture Blog's simulator — every client wants to update the same row once, with optimistic
//! concurrency: read its version, write it back if it is still at that version; a write that loses the race
//! conflicts and must be retried. In the `outage` workload each client calls the service now and then, and the
//! service fails every call for `outage_ms` — or, with `slow_ms`, answers each that much later, so that clients
//! time out (`timeout_ms`) and retry while their first calls are still being served.
//!
//! **The failure.** A client that retries at once, or after the same exponential delays as everyone else, retries
//! in lockstep with the others: the retries collide again (contention), or arrive together the moment the service
//! is back (an outage), and a long outage multiplies the calls by the number of attempts. The work grows faster
//! than the number of clients.
//!
//! **The fix** (the `backoff` parameter; see [`clients`] for each formula): exponential backoff spreads the
//! retries in time, and jitter spreads them apart — full jitter makes the fewest calls, equal jitter about as
//! many but finishes later, decorrelated jitter lies between them. A retry budget (a token bucket: a success
//! earns 0.1 token, a retry spends 1) caps the retries of an outage at a tenth of the successes.
//!
//! **Sources.** Marc Brooker, "Exponential Backoff and Jitter", AWS Architecture Blog (2015), and its simulator
//! (one row updated with optimistic concurrency; base 5 ms, cap 2 s); the retry budget after the AWS SDKs'
//! retry quota and Google's SRE book (chapter 22, "Addressing Cascading Failures").
//!
//! **Simplifications.** The service answers at once (no queue of its own): the cost of a storm shows as calls and
//! time, not as a slower service; the clients are simulated by one node (a crowd).

pub mod chapters;
pub mod clients;
pub mod msg;
pub mod service;

use clients::{Clients, ClientsConfig};
use faultline_sim::{
    Aggregate, Breach, Broken, Crowd, FaultPlan, Invariant, Model, NetConfig, NodeInfo, ParamError, Sample, ScenarioInfo,
    Section, SeriesSpec, Setup, Severity, Snapshot, View, CROWD_MAX_STEPS, US_PER_MS,
};
use msg::{name, Msg, Timer, CLIENTS, SERVICE};
use service::{Service, ServiceConfig};

const MS: u64 = US_PER_MS;

/// How often the nodes report their numbers for the charts.
pub const SAMPLE_US: u64 = 250_000;

faultline_sim::choice! {
    /// What the clients do (the `workload` parameter).
    pub enum Workload {
        /// Everyone updates one row once, with optimistic concurrency (the AWS simulator).
        Contention = "contention",
        /// Everyone calls now and then; the service fails every call for a while.
        Outage = "outage",
    }
}

faultline_sim::choice! {
    /// How long a client sleeps before a retry (the `backoff` parameter).
    pub enum Backoff {
        /// Retry at once.
        None = "none",
        /// min(cap, base·2^attempt).
        Exponential = "exponential",
        /// Half of min(cap, base·2^attempt), plus U(0, that half).
        EqualJitter = "equal-jitter",
        /// min(cap, U(base, 3·previous sleep)).
        DecorrelatedJitter = "decorrelated-jitter",
        /// U(0, min(cap, base·2^attempt)): the fewest calls, listed last as the strongest.
        FullJitter = "full-jitter",
    }
}

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct StormParams in PARAMS {
        workload: Workload = choice("contention", Workload::OPTIONS, "contention: everyone updates one row once (the AWS simulator); outage: the service fails every call for a while."),
        backoff: Backoff = choice("none", Backoff::OPTIONS, "none, exponential, equal-jitter, decorrelated-jitter, full-jitter."),
        clients: u32 = int(100, 1, 10_000, "", "Clients calling the service."),
        base_ms: u64 = int(5, 1, 60_000, "ms", "The backoff's base."),
        cap_ms: u64 = int(2_000, 1, 600_000, "ms", "The backoff's cap."),
        max_attempts: u32 = int(0, 0, 1_000, "", "Attempts per call before a client gives up (0: no limit)."),
        retry_budget: bool = bool(false, "A token bucket for retries: a success earns 0.1 token, a retry spends 1."),
        requests_per_min: u32 = int(60, 1, 6_000, "/min", "outage: how often each client calls, on average."),
        outage_start_ms: u64 = int(2_000, 0, 600_000, "ms", "outage: when the service starts failing."),
        outage_ms: u64 = int(5_000, 0, 600_000, "ms", "outage: how long it fails every call (or answers late)."),
        slow_ms: u64 = int(0, 0, 600_000, "ms", "outage: 0 — every call fails; otherwise every call is answered this much later."),
        timeout_ms: u64 = int(1_000, 1, 600_000, "ms", "A client gives up on a call after this long (a failure, retried by the backoff)."),
        amplification_k: u32 = int(10, 1, 1_000, "", "A call that takes more than this many attempts is a retry storm (an observation)."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(5, 0, 5_000, "ms", "Largest one-way network latency."),
        run_ms: u64 = int(60_000, 100, 600_000, "ms", "Time horizon of the run."),
    }
}

pub const CANONICAL_SEED: u64 = 1;

pub const AMPLIFICATION: &str = "retry-amplification";

faultline_sim::node_enum! {
    /// The scenario's node kinds.
    #[derive(Clone, Debug)]
    pub enum StormNode / StormLook (Msg, Timer, ()) {
        Clients(Clients),
        Service(Service),
    }
}

/// The checker's history: the attempt count that makes a storm, and the step at which a client first went past it.
#[derive(Clone, Debug, Default)]
pub struct StormHistory {
    pub amplification_k: u32,
    pub storm_at: Option<u32>,
}

/// Notes the step at which a client first goes past `amplification_k` attempts for one call.
fn observe(h: &mut StormHistory, s: &Snapshot<'_, StormNode>) {
    if h.storm_at.is_some() || s.actor != Some(CLIENTS) {
        return;
    }
    if let Some(StormNode::Clients(c)) = s.nodes.first() {
        if c.highest_retry() > h.amplification_k {
            h.storm_at = Some(s.step);
        }
    }
}

/// Reported at the step the storm starts. The words never change, so it is reported once: checking (and writing
/// out) the same sentence at every later step of the storm was a tenth of a recorded run's time in wasm.
fn amplification(s: &Snapshot<'_, StormNode>, h: &StormHistory, out: &mut Vec<Breach>) {
    if h.storm_at == Some(s.step) {
        out.push(Breach {
            severity: Severity::Observation,
            message: format!(
                "a retry storm: a client is on its attempt {} for one call — the retries collide with everyone \
                 else's, and every failure brings more calls",
                h.amplification_k + 1
            ),
            steps: vec![s.step],
        });
    }
}

fn setup(p: &StormParams, _seed: u64) -> Setup<StormNode> {
    let cfg = ClientsConfig {
        clients: p.clients,
        workload: p.workload,
        backoff: p.backoff,
        base_us: p.base_ms * MS,
        cap_us: p.cap_ms * MS,
        max_attempts: p.max_attempts,
        retry_budget: p.retry_budget,
        think_us: 60_000_000 / u64::from(p.requests_per_min),
        timeout_us: p.timeout_ms * MS,
    };
    let outage = match p.workload {
        Workload::Outage => ((p.outage_start_ms * MS) as i64, ((p.outage_start_ms + p.outage_ms) * MS) as i64),
        Workload::Contention => (0, 0),
    };
    let info = |id, role: &str| NodeInfo { name: name(id), role: role.into() };
    let nodes = vec![
        (info(CLIENTS, "clients"), StormNode::Clients(Clients::new(cfg))),
        (info(SERVICE, "service"), StormNode::Service(Service::new(ServiceConfig { outage, slow_us: p.slow_ms * MS }))),
    ];
    let net = NetConfig::with_latency_us(p.latency_min_ms * MS, p.latency_max_ms * MS);
    let follow = [0, 1].into_iter().filter(|&c| c < p.clients).collect();
    Setup::new(nodes, net, FaultPlan::new(), p.run_ms * MS).with_crowd(Crowd {
        follow,
        max_steps: CROWD_MAX_STEPS,
        max_queue: 4 * p.clients as usize + 10_000,
    })
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The setup",
        body: "A hundred clients update the same row at once, each with a read and a conditional write: a write that \
               finds the row changed since its read conflicts and must be retried.",
    },
    Section {
        title: "What to watch",
        body: "Each square is a client: grey waiting, blue calling, amber backing off, green done (teal after \
               retries), red gave up. With plain \
               exponential backoff the clients that conflicted together sleep the same time and collide again; with \
               jitter they spread out and finish with fewer calls. The charts count the calls and the clients \
               backing off.",
    },
    Section {
        title: "Why the fixes work",
        body: "Backoff gives the contended resource time; jitter breaks the lockstep, so that retries stop arriving \
               together. Full jitter makes the fewest calls; equal jitter keeps a minimum sleep and finishes later; \
               decorrelated jitter lies between them. In an outage, a retry budget caps retries at a tenth of the \
               successes, so the load does not multiply by the number of attempts.",
    },
    Section {
        title: "Break it",
        body: "backoff = none: every conflict is retried at once and the calls pile up. workload = outage with \
               max_attempts = 0: every client retries through the whole outage; turn retry_budget on and the \
               retries stop once the budget is spent. slow_ms = 3000 with timeout_ms = 250: the service is slow, not \
               down — every client gives up after a quarter second and calls again, and the slow service is sent \
               four times its load, all of it for answers nobody waits for.",
    },
    Section {
        title: "Source",
        body: "Marc Brooker, \"Exponential Backoff and Jitter\", AWS Architecture Blog (2015), and its simulator: one \
               row updated with optimistic concurrency, base 5 ms, cap 2 s. The retry budget: the AWS SDKs' retry \
               quota; Google's Site Reliability Engineering, chapter 22. Simplified: the service answers at once.",
    },
];

static SERIES: &[SeriesSpec] = &[
    SeriesSpec { metric: "calls/s", label: "calls /s (service)", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "backing off", label: "clients backing off", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "succeeded", label: "calls succeeded", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "calls", label: "calls made (service)", aggregate: Aggregate::Sum },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "retry-storm",
    title: "Retry storms: backoff and jitter",
    summary: "retries in lockstep collide again; exponential backoff with jitter spreads them out, a retry budget caps them",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    mitigation: Some("backoff"),
    views: &[View::Population { states: &clients::ClientState::LABELS }, View::Charts(SERIES)],
    samples: &[
        Sample::golden("contention", "clients=20"),
        Sample::check("outage", "workload=outage,clients=50,run_ms=10000"),
        Sample::bench("hundred", ""),
    ],
    broken: &[Broken { sets: "", invariants: &[AMPLIFICATION], seeds: 3 }],
    sizes: &["clients"],
    ..ScenarioInfo::DEFAULT
};

pub struct RetryStorm;

impl Model for RetryStorm {
    type Node = StormNode;
    type Params = StormParams;
    type History = StormHistory;

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &StormParams) -> Result<(), ParamError> {
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)?;
        ParamError::check_order("base_ms", p.base_ms, "cap_ms", p.cap_ms)
    }

    fn setup(&self, p: &StormParams, seed: u64) -> Setup<StormNode> {
        setup(p, seed)
    }

    fn history(&self, p: &StormParams) -> StormHistory {
        StormHistory { amplification_k: p.amplification_k, storm_at: None }
    }

    fn observe(history: &mut StormHistory, step: &Snapshot<'_, StormNode>) {
        observe(history, step)
    }

    fn invariants(&self) -> Vec<Invariant<StormNode, StormHistory>> {
        vec![Invariant { name: AMPLIFICATION, check: amplification }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::Scenario;

    fn at(step: u32, h: &StormHistory) -> Vec<Breach> {
        let snapshot = Snapshot { nodes: &[], conditions: &[], step, now_us: 0, actor: Some(CLIENTS), effects: &[] };
        let mut out = Vec::new();
        amplification(&snapshot, h, &mut out);
        out
    }

    /// The storm is reported at the step it starts, with k + 1 in its words, and at no other step.
    #[test]
    fn amplification_is_reported_at_the_step_the_storm_starts() {
        let calm = StormHistory { amplification_k: 10, storm_at: None };
        assert!(at(7, &calm).is_empty());
        let storm = StormHistory { amplification_k: 10, storm_at: Some(7) };
        let b = at(7, &storm);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].steps, vec![7]);
        assert!(b[0].message.contains("attempt 11 "), "{}", b[0].message);
        assert!(at(8, &storm).is_empty());
    }

    /// The default run is a storm: it starts at the first step a client is past attempt k, which the trace's
    /// breach names.
    #[test]
    fn the_default_run_reports_its_storm_once_at_its_start() {
        let s = RetryStorm;
        let p = s.default_params();
        let run = faultline_sim::record(&s, &p, 1, &FaultPlan::new(), &Default::default(), 1_000).unwrap();
        let breaches: Vec<_> = run.trace.breaches(Severity::Observation).map(|(e, ..)| e.step).collect();
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        let k = StormParams::from(&p).amplification_k;
        let mut sim = s.sim(&p, 1, &FaultPlan::new(), &Default::default()).unwrap();
        let mut first = None;
        while first.is_none() && sim.step() {
            if let Some(StormNode::Clients(c)) = sim.nodes().first() {
                if c.highest_retry() > k {
                    first = Some(sim.steps() - 1); // the step just taken
                }
            }
        }
        assert_eq!(first, Some(breaches[0]));
    }
}
