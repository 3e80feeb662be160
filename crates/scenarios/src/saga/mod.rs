//! # Sagas: a long transaction as local steps and compensations
//!
//! **The pattern** (Hector Garcia-Molina and Kenneth Salem, "Sagas", SIGMOD 1987). A business transaction —
//! book a flight, a hotel, a car (`steps`, 2–5, default 3) — is a sequence of local transactions T1…Tn, each
//! committed at once by its own service, with a compensation Ci for each that semantically undoes it (cancel and
//! refund). The saga execution component (here an orchestrator) runs T1…Tn in order; if Tk fails it runs
//! Ck−1…C1. The guarantee is weaker than atomicity: either every Ti commits, or the committed ones are all
//! compensated. The orchestrator writes each outcome to its durable saga log before it moves on, and after a
//! crash resumes where the log says.
//!
//! **What it shows that two-phase commit does not** (compare the `two-phase-commit` scenario):
//! - no locks are held across services, so nothing blocks — but a reader sees the intermediate state, a flight
//!   booked while the hotel is not (the `intermediate-state` observation; a saga has no isolation);
//! - a compensation can fail and must be retried, and every request may be sent twice (a lost reply, a timeout,
//!   a resend after the orchestrator restarted): services apply each request once by its **idempotency key**.
//!   The broken variant `idempotency_keys = false` refunds twice — a violation.
//!
//! **Invariants**: `applied-once` (no service books or refunds more often than the saga asked, reported at the
//! step it happens) and `saga-outcome` (when the saga ends, every step is booked — completed — or none is —
//! compensated) are violations; `intermediate-state` is an observation.
//!
//! **Simplifications**: one saga; an orchestrator rather than choreography; the failing step is a parameter
//! (`fail_step`), and each cancellation can be made to fail transiently (`undo_failures`) before it succeeds.

pub mod chapters;
pub mod disk;
pub mod msg;
pub mod orchestrator;
pub mod service;

use faultline_sim::{
    Aggregate, Breach, Broken, Counterpart, Fault, FaultPlan, Invariant, Model, NetConfig, NodeId, NodeInfo, ParamError,
    Params, Sample, ScenarioInfo, Section, SeriesSpec, Setup, Severity, Snapshot, Translated, View, US_PER_MS,
};
use disk::SagaDisk;
use msg::{name, Msg, Timer, ORCHESTRATOR};
use orchestrator::{Orchestrator, OrchestratorConfig, SagaLog};
use rand::RngExt;
use service::{Ledger, Service, ServiceConfig};

const MS: u64 = US_PER_MS;

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct SagaParams in PARAMS {
        steps: u32 = int(3, 2, 5, "", "How many steps the trip has (flight, hotel, car, insurance, payment)."),
        fail_step: u32 = int(3, 0, 5, "", "The step that cannot be done, so the saga compensates (0: none fails)."),
        undo_failures: u32 = int(0, 0, 5, "", "How often each cancellation fails (a transient error) before it succeeds."),
        idempotency_keys: bool = bool(true, "Services apply each request once by its key (false: a retried cancellation refunds twice)."),
        latency_min_ms: u64 = int(2, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(10, 0, 5_000, "ms", "Largest one-way network latency."),
        loss_pct: u32 = int(0, 0, 50, "%", "Chance that any message is lost (a lost reply makes the orchestrator send again)."),
        timeout_ms: u64 = int(100, 10, 60_000, "ms", "How long the orchestrator waits for an answer before it sends the request again."),
        retry_ms: u64 = int(50, 1, 60_000, "ms", "How long it waits before retrying a failed cancellation."),
        random_faults: u32 = int(0, 0, 200, "", "Random faults drawn from the seed: crashes with restarts and pauses of any node."),
        run_ms: u64 = int(3_000, 100, 600_000, "ms", "Time horizon of the run."),
    }
}

pub const CANONICAL_SEED: u64 = 1;

pub const APPLIED_ONCE: &str = "applied-once";
pub const SAGA_OUTCOME: &str = "saga-outcome";
pub const INTERMEDIATE: &str = "intermediate-state";

faultline_sim::node_enum! {
    /// The scenario's node kinds.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum SagaNode / SagaLook (Msg, Timer, SagaDisk) {
        Orchestrator(Orchestrator),
        Service(Service),
    }
}

/// The checker's history: when the saga ended, and since when a reader could see half a trip.
#[derive(Clone, Debug, Default)]
pub struct SagaHistory {
    pub ended_step: Option<u32>,
    pub half_since: Option<u32>,
}

fn ledgers<'a>(s: &'a Snapshot<'_, SagaNode>) -> impl Iterator<Item = (NodeId, &'a Ledger)> {
    s.nodes.iter().enumerate().filter_map(|(i, n)| match n {
        SagaNode::Service(svc) => Some((i as NodeId, &svc.ledger)),
        _ => None,
    })
}

fn saga_log<'a>(s: &'a Snapshot<'_, SagaNode>) -> Option<&'a SagaLog> {
    match s.nodes.first() {
        Some(SagaNode::Orchestrator(o)) => Some(&o.log),
        _ => None,
    }
}

fn observe(h: &mut SagaHistory, s: &Snapshot<'_, SagaNode>) {
    let ended = saga_log(s).is_some_and(|l| l.ended);
    if ended && h.ended_step.is_none() {
        h.ended_step = Some(s.step);
    }
    let held = ledgers(s).filter(|(_, l)| l.holds()).count();
    if h.half_since.is_none() && !ended && held > 0 && held < ledgers(s).count() {
        h.half_since = Some(s.step);
    }
}

fn applied_once(s: &Snapshot<'_, SagaNode>, _h: &SagaHistory, out: &mut Vec<Breach>) {
    let Some((id, l)) = s.actor.and_then(|a| ledgers(s).find(|(i, _)| *i == a)) else { return };
    // Reported once, in the step that crosses the line.
    let what = if l.booked == 2 && s.sent().any(|(_, m)| matches!(m, Msg::Done { .. })) {
        "booked twice"
    } else if l.refunded == l.booked + 1 && s.sent().any(|(_, m)| matches!(m, Msg::Undone { .. })) {
        "refunded more often than it booked"
    } else {
        return;
    };
    out.push(Breach {
        severity: Severity::Violation,
        message: format!(
            "the {} {what} for one saga step: a retried request was applied again — without an idempotency key, \
             a service cannot tell a retry from a new request.",
            name(id)
        ),
        steps: vec![s.step],
    });
}

fn saga_outcome(s: &Snapshot<'_, SagaNode>, h: &SagaHistory, out: &mut Vec<Breach>) {
    let (Some(log), true) = (saga_log(s), h.ended_step == Some(s.step)) else { return };
    let want = !log.compensating;
    let wrong: Vec<String> = ledgers(s).filter(|(_, l)| l.holds() != want).map(|(i, _)| name(i)).collect();
    if !wrong.is_empty() {
        let state = if want { "not booked" } else { "still booked" };
        out.push(Breach {
            severity: Severity::Violation,
            message: format!(
                "the saga {} but the {} {}: a saga must end with every step done or every done step undone.",
                log.outcome(),
                wrong.join(" and "),
                if wrong.len() > 1 { format!("are {state}") } else { format!("is {state}") }
            ),
            steps: vec![s.step],
        });
    }
}

fn intermediate_state(s: &Snapshot<'_, SagaNode>, h: &SagaHistory, out: &mut Vec<Breach>) {
    if h.half_since != Some(s.step) {
        return;
    }
    let (booked, not): (Vec<_>, Vec<_>) = ledgers(s).partition(|(_, l)| l.holds());
    let names = |v: Vec<(NodeId, &Ledger)>| v.into_iter().map(|(i, _)| name(i)).collect::<Vec<_>>().join(" and ");
    out.push(Breach {
        severity: Severity::Observation,
        message: format!(
            "a reader now sees half a trip: the {} booked, the {} not — each step commits at once and holds no \
             lock, so a saga has no isolation.",
            names(booked),
            names(not)
        ),
        steps: vec![s.step],
    });
}

pub fn invariants() -> [Invariant<SagaNode, SagaHistory>; 3] {
    [
        Invariant { name: APPLIED_ONCE, check: applied_once },
        Invariant { name: SAGA_OUTCOME, check: saga_outcome },
        Invariant { name: INTERMEDIATE, check: intermediate_state },
    ]
}

/// Random faults drawn from the seed (a stream of their own): crashes that restart and pauses, of any node,
/// in the first half second (while the saga runs).
pub fn random_faults(p: &SagaParams, seed: u64) -> FaultPlan {
    let mut rng = faultline_sim::rng::stream(seed, 0x5a6a);
    let mut plan = FaultPlan::new();
    let window = (p.run_ms * MS / 2).min(500 * MS);
    for _ in 0..p.random_faults {
        let at = rng.random_range(0..=window);
        let node = rng.random_range(0..=p.steps);
        let dur = rng.random_range(10 * MS..=300 * MS);
        if rng.random_bool(0.5) {
            plan.push(at, Fault::Crash { node });
            plan.push(at + dur, Fault::Restart { node });
        } else {
            plan.push(at, Fault::Pause { node, for_us: dur });
        }
    }
    plan.sort_by_time();
    plan
}

/// The working time `as_two_phase_commit` gives each participant.
const TX_WORK_MS: u64 = 50;

/// The same business transaction under two-phase commit, for the compare view: a participant per step, the step
/// that cannot be done is the participant that votes no, the same latency, and every fault on the orchestrator
/// (now the coordinator) or a service (now a participant). Participants work for 50 ms before they can vote, so
/// the faults move 50 ms later to strike at the same point of the transaction. Message loss carries over.
fn as_two_phase_commit(params: &Params, seed: u64, faults: &FaultPlan) -> Translated {
    let p = SagaParams::from(params);
    let mut all = faults.clone();
    all.0.extend(random_faults(&p, seed).0);
    all.sort_by_time();
    let carried = all.carried(|n| n <= p.steps, (TX_WORK_MS * MS) as i64);
    Translated {
        sets: format!(
            "protocol=2pc,participants={},no_voter={},work_ms={TX_WORK_MS},latency_min_ms={},latency_max_ms={},\
             loss_pct={},run_ms={}",
            p.steps, p.fail_step, p.latency_min_ms, p.latency_max_ms, p.loss_pct, p.run_ms
        ),
        faults: carried,
        note: format!("faults {TX_WORK_MS} ms later: participants work {TX_WORK_MS} ms before they vote"),
    }
}

fn setup(p: &SagaParams, seed: u64) -> Setup<SagaNode> {
    let orchestrator = Orchestrator::new(OrchestratorConfig {
        steps: p.steps,
        timeout_us: p.timeout_ms * MS,
        retry_us: p.retry_ms * MS,
    });
    let info = |id: NodeId, role: &str| NodeInfo { name: name(id), role: role.into() };
    let mut nodes = vec![(info(ORCHESTRATOR, "orchestrator"), SagaNode::Orchestrator(orchestrator))];
    for step in 1..=p.steps {
        let cfg = ServiceConfig {
            fails: p.fail_step == step,
            undo_failures: p.undo_failures,
            idempotency_keys: p.idempotency_keys,
        };
        nodes.push((info(step, "service"), SagaNode::Service(Service::new(cfg))));
    }
    let net = NetConfig {
        loss_ppm: p.loss_pct * 10_000,
        ..NetConfig::with_latency_us(p.latency_min_ms * MS, p.latency_max_ms * MS)
    };
    Setup::new(nodes, net, random_faults(p, seed), p.run_ms * MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The pattern",
        body: "The trip is booked step by step: flight, hotel, car. Each step is a local transaction its service \
               commits at once. If a step fails, the orchestrator undoes the steps already done, last first: it \
               cancels the hotel, then the flight (compensations). It writes each outcome to its saga log before it \
               goes on, and every request carries an idempotency key.",
    },
    Section {
        title: "What to watch",
        body: "The blue bars are bookings: each is visible to every reader from the moment it commits. There are no \
               locks and no one is ever blocked — but a reader sees half a trip while the saga runs, or while it \
               is being undone. Pause the hotel while it cancels (click its name): the orchestrator times out and \
               sends the cancellation again; the idempotency key makes the second one change nothing. A small disk \
               under a lane marks a durable write (the saga log, a service's ledger). Compare (c) shows the same \
               failure under two-phase commit.",
    },
    Section {
        title: "Against two-phase commit",
        body: "Two-phase commit holds every participant's locks until the outcome is known, so nobody sees a half \
               transaction — and a coordinator crash blocks them all. A saga never blocks, but gives up isolation, \
               and needs compensations that can always be run and requests that can be repeated safely.",
    },
    Section {
        title: "Break it",
        body: "idempotency_keys = false: a retried cancellation is applied twice, and the customer is refunded \
               twice. Add random_faults (crashes, pauses) or loss_pct so that retries happen, and sweep.",
    },
    Section {
        title: "Source",
        body: "Hector Garcia-Molina and Kenneth Salem, \"Sagas\" (SIGMOD 1987): sagas, compensating transactions, \
               the saga log and backward recovery. Simplified: one saga, an orchestrator, the failing step chosen \
               by a parameter.",
    },
];

static SERIES: &[SeriesSpec] = &[
    SeriesSpec { metric: "bookings standing", label: "bookings standing", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "refunds", label: "refunds", aggregate: Aggregate::Sum },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "saga",
    title: "Sagas: local steps and compensations",
    summary: "no locks and no blocking, but no isolation; compensations are retried, so every request needs an idempotency key",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    counterpart: Some(Counterpart {
        scenario: "two-phase-commit",
        label: "two-phase commit",
        translate: as_two_phase_commit,
    }),
    pause_label: "paused",
    views: &[View::Charts(SERIES)],
    samples: &[
        Sample::golden("compensate", ""),
        Sample::check("complete", "fail_step=0"),
        Sample::check("random-faults", "random_faults=6,loss_pct=10,undo_failures=1"),
        Sample::bench("five", "steps=5,fail_step=5,random_faults=4"),
    ],
    broken: &[Broken {
        sets: "idempotency_keys=false,random_faults=6,loss_pct=10",
        invariants: &[APPLIED_ONCE],
        seeds: 2_000,
    }],
    sizes: &["steps", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

pub struct Saga;

impl Model for Saga {
    type Node = SagaNode;
    type Params = SagaParams;
    type History = SagaHistory;

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &SagaParams) -> Result<(), ParamError> {
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)?;
        ParamError::check_order("fail_step", p.fail_step, "steps", p.steps)
    }

    fn setup(&self, p: &SagaParams, seed: u64) -> Setup<SagaNode> {
        setup(p, seed)
    }

    fn observe(history: &mut SagaHistory, step: &Snapshot<'_, SagaNode>) {
        observe(history, step)
    }

    fn invariants(&self) -> Vec<Invariant<SagaNode, SagaHistory>> {
        invariants().to_vec()
    }
}
