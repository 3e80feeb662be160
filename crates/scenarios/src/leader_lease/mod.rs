//! # A leader lease in a database row: clocks, split brain, and generations
//!
//! **The protocol.** Several nodes want one of them to lead (run the scheduled jobs, own the queue). They elect a
//! leader with one row in a database they already have: every `ttl/3` each node runs
//! `UPDATE leader SET holder = me, expires_at = $now + ttl WHERE expires_at < $now OR holder = me` — it takes the
//! lease if the lease has expired, and renews it if it is its own. One row updated: it leads until the lease
//! ends; none: somebody else does. The generation goes up by one whenever the holder changes. The leader acts on
//! a resource only it may change: it reads a counter, computes for `work_ms`, and writes it back plus one.
//!
//! **The failure.** Where does `$now` come from? The easy answer is each node's own clock — and clocks disagree.
//! Node 1's clock runs 2.5 s behind (`skew_ms`): the `expires_at` it writes is 2.5 s earlier than it means, so
//! node 2, with a correct clock, finds the lease expired and takes it while node 1, by its own clock, still holds
//! it. Two leaders (split brain): both read the counter, both write it back, and an update is lost. A slow clock
//! (`drift_ppm`) does the same more quietly: a node measures its lease on a clock that ticks too slowly, and goes
//! on leading after the database has let it go. A pause does it with any clock.
//!
//! **The fixes**, compared with `fix`:
//! - `db-clock`: `now()` in SQL, so one clock — the database's — decides when a lease ends. Skew between the
//!   nodes no longer matters. But each node still measures its own lease on its own clock: with a slow clock, cut
//!   off from the database so that it cannot renew, it leads longer than the database thinks.
//! - `margin`: the database's clock, and each leader stops `margin_ms` before its lease ends by its own clock —
//!   enough for the drift it can have over a ttl, and for the work it starts just before the end. A margin
//!   bounds drift; it cannot bound a pause.
//! - `fencing`: all of that, and the generation goes with every read and write; the storage remembers the
//!   highest it has seen and refuses older ones. Two nodes may still believe they lead for a while; the storage
//!   makes it harmless. The generation comes from the database row, which is durable, so it never goes back.
//!
//! **Invariants.** `single-leader`: at most one node acts as leader at a time (a violation where the design
//! relies on it; with fencing it is an observation, because the storage no longer does). `no-lost-update`: every
//! write the storage accepts is based on the latest value.
//!
//! **Simplified here:** the database is one node that commits every statement before it answers (no replication
//! or failover of its own); a leader's work is one read-modify-write at a time; a node checks that it leads before
//! each round, not again before the write (checking there narrows the window and never closes it).
//!
//! **Source.** Martin Kleppmann, "How to do distributed locking" (2016) and *Designing Data-Intensive
//! Applications*, ch. 8 ("The leader and the lock", "Fencing tokens", "Unreliable clocks"); Gray & Cheriton,
//! "Leases: an efficient fault-tolerant mechanism for distributed file cache consistency" (1989), on the clock
//! drift a lease must allow for.

pub mod candidate;
pub mod chapters;
pub mod checker;
pub mod database;
pub mod msg;
pub mod storage;

use candidate::{Candidate, CandidateConfig};
use checker::LeaseHistory;
use database::{Database, Row};
use faultline_sim::{
    Breach, Broken, Fault, FaultMix, FaultPlan, Invariant, Model, NetConfig, NodeInfo, ParamError, Sample, ScenarioInfo, Section,
    Setup, Severity, Snapshot, View, US_PER_MS,
};
use msg::{Msg, Timer};
use storage::{Storage};
use crate::guarded::{overlap_severity, Counter, Fence};

/// The scenario's entry in the registry.
pub struct LeaderLease;

faultline_sim::choice! {
    /// Which fix is on: none (each node's own clock), the database's clock, a safety margin, or fencing.
    pub enum Fix {
        None = "none",
        DbClock = "db-clock",
        Margin = "margin",
        Fencing = "fencing",
    }
}

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct LeaseParams in PARAMS {
        nodes: u32 = int(2, 2, 5, "", "How many nodes compete to lead."),
        ttl_ms: u64 = int(3_000, 30, 600_000, "ms", "The lease: expires_at = now + ttl; each node runs the UPDATE every ttl/3."),
        fix: Fix = choice(
            "none",
            Fix::OPTIONS,
            "none: $now from each node's clock; db-clock: now() in SQL; margin: and stop margin_ms early; fencing: and the storage checks the generation."
        ),
        margin_ms: u64 = int(1_000, 0, 600_000, "ms", "With margin or fencing: a leader stops acting this long before its lease ends by its own clock."),
        work_ms: u64 = int(200, 0, 60_000, "ms", "How long the leader computes between reading the counter and writing it back."),
        skew_ms: i64 = int(-2_500, -600_000, 600_000, "ms", "Node 1's clock offset at the start (negative: behind true time)."),
        drift_ppm: i64 = int(0, -500_000, 500_000, "ppm", "Node 1's clock rate error (negative: runs slow)."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(10, 0, 5_000, "ms", "Largest one-way network latency; each message draws from the seed."),
        reply_timeout_ms: u64 = int(1_000, 10, 60_000, "ms", "How long a leader waits for the storage before it gives up on a request."),
        run_ms: u64 = int(8_000, 100, 3_600_000, "ms", "Time horizon of the run."),
        random_faults: u32 = int(0, 0, 200, "", "Faults drawn from the seed: crashes and restarts, pauses, clock drift and jumps, partitions, delays."),
    }
}

/// Seed whose default run shows the failure (node 2 takes the lease that node 1 still believes it holds).
pub const CANONICAL_SEED: u64 = 1;

/// What survives a crash: a node's boot count, the database's row, the storage's counter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LeaseDisk {
    #[default]
    Empty,
    Boots(u32),
    Row(Row),
    Counter(Counter),
}

faultline_sim::node_enum! {
    /// The node kinds of this scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum LeaseNode / LeaseLook (Msg, Timer, LeaseDisk) {
        Candidate(Candidate),
        Database(Database),
        Storage(Storage),
    }
}

/// At most one node acts as leader at a time.
pub const SINGLE_LEADER: &str = "single-leader";
/// Every write the storage accepts is based on the latest value.
pub const NO_LOST_UPDATE: &str = "no-lost-update";

fn database<'a>(s: &'a Snapshot<'_, LeaseNode>) -> Option<&'a Database> {
    s.nodes.iter().find_map(|n| match n {
        LeaseNode::Database(d) => Some(d),
        _ => None,
    })
}

fn fenced(s: &Snapshot<'_, LeaseNode>) -> bool {
    s.nodes.iter().any(|n| matches!(n, LeaseNode::Storage(st) if st.store.fence != Fence::Off))
}

fn single_leader(s: &Snapshot<'_, LeaseNode>, h: &LeaseHistory, out: &mut Vec<Breach>) {
    let Some(leaders) = h.leaders.overlap_begins(s.step) else { return };
    let believed: Vec<String> = leaders
        .iter()
        .filter_map(|&(i, _)| match &s.nodes[i as usize] {
            LeaseNode::Candidate(c) => c.lease.map(|l| format!("node {} (generation {})", c.number, l.generation)),
            _ => None,
        })
        .collect();
    let row = database(s).map(|d| &d.row);
    let holder = row.and_then(|r| r.holder).map_or("nobody".to_string(), |(n, _)| format!("node {}", n + 1));
    let why = match s.nodes.iter().find_map(|n| match n {
        LeaseNode::Candidate(c) => Some(c.cfg.own_clock),
        _ => None,
    }) {
        Some(true) => "each node compared expires_at with its own clock, and the clocks disagree",
        _ => "a leader measures its lease on its own clock, which ran slow or stood still (a pause), past the end the database gave it",
    };
    let (severity, tail) = match overlap_severity(fenced(s)) {
        (Severity::Observation, _) => {
            (Severity::Observation, " The storage checks generations, so the older leader's writes are refused: harmless.")
        }
        other => other,
    };
    out.push(Breach {
        severity,
        message: format!(
            "{} {} act as leader; the database row says {holder}: {why}.{tail}",
            believed.join(" and "),
            if believed.len() == 2 { "both" } else { "all" }
        ),
        steps: leaders.iter().map(|(_, since)| *since).collect(),
    });
}

fn no_lost_update(s: &Snapshot<'_, LeaseNode>, h: &LeaseHistory, out: &mut Vec<Breach>) {
    h.writes.breaches(s.step, |n| format!("node {}", n + 1), out);
}

/// The invariants, checked after every step.
pub fn invariants() -> [Invariant<LeaseNode, LeaseHistory>; 2] {
    [
        Invariant { name: SINGLE_LEADER, check: single_leader },
        Invariant { name: NO_LOST_UPDATE, check: no_lost_update },
    ]
}

/// Random faults drawn from the seed (a stream of their own), over the run: crashes of any node with a restart,
/// pauses, clock drift and jumps, partitions that heal, and delays of single messages.
pub fn random_faults(p: &LeaseParams, seed: u64) -> FaultPlan {
    let ttl_us = (p.ttl_ms * US_PER_MS).max(US_PER_MS);
    let run_us = p.run_ms * US_PER_MS;
    FaultMix {
        nodes: p.nodes + 2,
        window_us: run_us,
        min_dur_us: 10 * US_PER_MS,
        max_dur_us: 2 * ttl_us.max(10 * US_PER_MS),
        max_jump_us: ttl_us,
        max_drift_ppm: 400_000,
        // Four messages per round of work, three per renewal.
        messages: (run_us / (p.work_ms.max(1) * US_PER_MS)).max(1) * 4 + u64::from(p.nodes) * 3 * run_us / ttl_us,
        stream: 0x1ea5e,
    }
    .draw(p.random_faults, seed)
}

/// The nodes (the candidates, then the database, then the storage), the network and the faults the parameters
/// imply: node 1's clock skew and drift, and the random faults.
fn setup(p: &LeaseParams, seed: u64) -> Setup<LeaseNode> {
    let n = p.nodes;
    let (database_id, storage_id) = (n, n + 1);
    let ttl_us = p.ttl_ms * US_PER_MS;
    let margin = matches!(p.fix, Fix::Margin | Fix::Fencing);
    let mut nodes: Vec<(NodeInfo, LeaseNode)> = (1..=n)
        .map(|i| {
            let cfg = CandidateConfig {
                database: database_id,
                storage: storage_id,
                ttl_us,
                own_clock: p.fix == Fix::None,
                margin_us: if margin { p.margin_ms * US_PER_MS } else { 0 },
                fencing: p.fix == Fix::Fencing,
                work_us: p.work_ms * US_PER_MS,
                reply_timeout_us: p.reply_timeout_ms * US_PER_MS,
                // Staggered by a fifth of the ttl (three fifths of a renewal period), node 1 first.
                first_renew_us: 10 * US_PER_MS + u64::from(i - 1) * ttl_us / 5,
            };
            (NodeInfo { name: format!("node {i}"), role: "node".into() }, LeaseNode::Candidate(Candidate::new(i, cfg)))
        })
        .collect();
    nodes.push((NodeInfo { name: "database".into(), role: "database".into() }, LeaseNode::Database(Database::new(ttl_us as i64))));
    nodes.push((
        NodeInfo { name: "storage".into(), role: "storage".into() },
        LeaseNode::Storage(storage::storage(p.fix == Fix::Fencing)),
    ));
    let mut faults = FaultPlan::new();
    if p.skew_ms != 0 {
        faults.push(0, Fault::ClockJump { node: 0, by_us: p.skew_ms * US_PER_MS as i64 });
    }
    if p.drift_ppm != 0 {
        faults.push(0, Fault::ClockDrift { node: 0, ppm: p.drift_ppm });
    }
    faults.0.extend(random_faults(p, seed).0);
    faults.sort_by_time();
    let net = NetConfig::with_latency_us(p.latency_min_ms * US_PER_MS, p.latency_max_ms * US_PER_MS);
    Setup::new(nodes, net, faults, p.run_ms * US_PER_MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "The nodes elect a leader with one row in a database: every ttl/3 each runs UPDATE leader SET holder = \
               me, expires_at = $now + ttl WHERE expires_at < $now OR holder = me. One row updated: it leads (the \
               green bar on its lane) and works on the counter — read, compute, write back plus one. No row: someone \
               else leads. The database lane's bar is the row: who holds it, in which generation.",
    },
    Section {
        title: "What to watch",
        body: "Node 1's clock is 2.5 s behind. It takes the lease with $now from its own clock, so the expires_at it \
               writes is 2.5 s too early. Node 2, whose clock is right, finds the lease expired and takes it — while \
               node 1, by its own clock, still holds it. Both act as leader, both write the counter, and one update \
               is lost.",
    },
    Section {
        title: "Why it fails",
        body: "A lease is a promise about time, and each node reads time from its own clock. Clocks are set wrong \
               (skew), tick at the wrong rate (drift), jump when NTP corrects them, and stand still when the process \
               is paused. Any disagreement between the clock that wrote expires_at and the clock that reads it moves \
               the end of the lease.",
    },
    Section {
        title: "The fixes",
        body: "fix = db-clock: now() in SQL, so the database's clock alone decides when a lease ends; skew between \
               the nodes stops mattering. Each node still measures its own lease on its own clock, though: a slow \
               clock cut off from the database leads too long. fix = margin: also stop margin_ms before the lease \
               ends — enough for the drift over a ttl and the work started just before. No margin covers a pause. \
               fix = fencing: also send the generation with every read and write, and let the storage refuse an \
               older one. Two nodes may still believe they lead; only one of them can change anything.",
    },
    Section {
        title: "Under faults",
        body: "Crash, restart, pause, cut or skew anything by clicking its name, or set random_faults. A restarted \
               node is a new session, so its first UPDATE opens a new generation; replies to a dead session's \
               requests are ignored. Simplified: one database node that commits before it answers.",
    },
    Section {
        title: "Source",
        body: "Martin Kleppmann, \"How to do distributed locking\" (2016) and Designing Data-Intensive Applications, \
               chapter 8 (unreliable clocks; the leader and the lock; fencing tokens); Gray and Cheriton, \"Leases\" \
               (1989), on the clock drift a lease must allow for.",
    },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "leader-lease-db",
    title: "Leader lease in a database row: clocks and split brain",
    summary: "a node whose clock is behind leads after its lease expired at the database; one clock, a margin, and generations fix it",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    mitigation: Some("fix"),
    pause_label: "pause",
    views: &[View::Charts(&[
        faultline_sim::SeriesSpec { metric: "generation", label: "lease generation", aggregate: faultline_sim::Aggregate::Max },
        faultline_sim::SeriesSpec { metric: "counter", label: "counter", aggregate: faultline_sim::Aggregate::Max },
    ])],
    samples: &[
        Sample::golden("canonical", ""),
        Sample::golden("canonical-fencing", "fix=fencing"),
        Sample::bench("browser", ""),
        Sample::check("db-clock", "fix=db-clock"),
        Sample::check("faults-fenced", "fix=fencing,random_faults=20"),
        Sample::long_run("long", "nodes=3,ttl_ms=300,work_ms=10,run_ms=150000"),
    ],
    broken: &[
        Broken { sets: "fix=none", invariants: &[SINGLE_LEADER, NO_LOST_UPDATE], seeds: 100 },
        Broken { sets: "fix=db-clock,skew_ms=0,random_faults=20", invariants: &[SINGLE_LEADER], seeds: 2_000 },
    ],
    holds: &["fix=fencing"],
    sizes: &["nodes", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

impl Model for LeaderLease {
    type Node = LeaseNode;
    type Params = LeaseParams;
    type History = LeaseHistory;

    fn observe(history: &mut LeaseHistory, step: &Snapshot<'_, LeaseNode>) {
        checker::observe(history, step)
    }

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &LeaseParams) -> Result<(), ParamError> {
        if matches!(p.fix, Fix::Margin | Fix::Fencing) && p.margin_ms >= p.ttl_ms {
            return Err(ParamError::Conflict(format!(
                "margin_ms = {} leaves nothing of ttl_ms = {}: a leader would never lead",
                p.margin_ms, p.ttl_ms
            )));
        }
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)
    }

    fn setup(&self, p: &LeaseParams, seed: u64) -> Setup<LeaseNode> {
        setup(p, seed)
    }

    fn invariants(&self) -> Vec<Invariant<LeaseNode, LeaseHistory>> {
        invariants().to_vec()
    }
}
