//! # Redis failover: an acknowledged lock lost with its primary
//!
//! **The protocol.** Clients take a lock in Redis with `SET lock <random value> NX PX <ttl>`, as in the Redis
//! lock scenario — but this Redis is a primary with a replica, watched by Sentinel. The primary acknowledges a
//! write at once and streams it to the replica every `repl_lag_ms` (asynchronous replication). Sentinel pings the
//! primary; after `down_after_ms` of silence it promotes the replica, and clients that ask it where the master is
//! are sent there. The holder reads a counter, computes for `work_ms`, writes it back plus one, and releases.
//!
//! **The failure** — the Redis documentation's own race condition, on its distributed locks page: client 1 takes
//! the lock on the primary; the primary dies before the key reaches the replica; Sentinel promotes the replica;
//! client 2 takes the same lock from the new primary. Two holders, and the counter loses an update.
//!
//! **The mitigations**, compared with `mitigation`:
//! - `wait`: `WAIT 1` after the SET; proceed only if the replica acknowledged the key, else release and retry.
//!   That narrows the window, it does not close it: the replica judges the key's expiry by its own clock after
//!   it is promoted, a replica that acknowledged can restart empty, a paused holder outlives its lease — the
//!   sweep finds seeds where it still fails.
//! - `delayed-start`: a node that becomes the primary (promoted, or restarted as the primary) refuses the lock
//!   for one TTL, so that every lock the old primary granted has expired by then ("delayed restarts", from the
//!   Redlock page). Closes this race; not a holder's pause or a skewed clock.
//! - `fencing`: the storage hands out a token from a durable sequence of its own to each holder and refuses older
//!   ones. Two clients can still believe they hold the lock; only the newer can change the counter. The tokens
//!   cannot come from Redis here: its counter would be replicated asynchronously too, and lost in the same
//!   failover.
//!
//! **Invariants.** `single-holder`: at most one client believes it holds the lock (a violation, since a lock is
//! for mutual exclusion; with fencing an observation). `no-lost-update` at the storage.
//!
//! **Simplified here:** one Sentinel stands in for the quorum of Sentinels that must agree on a failover; Redis
//! keeps nothing on disk; a full resynchronisation copies the lock key alone; each client does one round.
//!
//! **Source.** The Redis documentation: "Distributed Locks with Redis" (the failover race, and delayed
//! restarts), `WAIT`, replication (asynchronous, expiries propagated as absolute times), and Sentinel
//! (`down-after-milliseconds`, `REPLICAOF NO ONE`); Martin Kleppmann, "How to do distributed locking" (2016), on
//! fencing.

pub mod chapters;
pub mod client;
pub mod msg;
pub mod redis;
pub mod sentinel;
pub mod storage;

use crate::guarded::{overlap_severity, Believers, Fence, Writes};
use client::{Client, ClientConfig};
use faultline_sim::{
    Breach, Broken, Fault, FaultMix, FaultPlan, Invariant, Model, NetConfig, NodeId, NodeInfo, ParamError,
    Sample, ScenarioInfo, Section, Setup, Snapshot, US_PER_MS,
};
use msg::{Msg, Timer};
use redis::{Redis, RedisConfig};
use sentinel::{Sentinel, SentinelConfig};
use storage::{Storage};
use crate::guarded::Counter;

/// The scenario's entry in the registry.
pub struct RedisFailover;

faultline_sim::choice! {
    /// What narrows or closes the window.
    pub enum Mitigation {
        None = "none",
        Wait = "wait",
        DelayedStart = "delayed-start",
        Fencing = "fencing",
    }
}

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct FailoverParams in PARAMS {
        clients: u32 = int(2, 2, 6, "", "How many clients compete for the lock."),
        ttl_ms: u64 = int(1_000, 10, 60_000, "ms", "Lock lease (PX)."),
        work_ms: u64 = int(800, 0, 60_000, "ms", "How long a holder computes between reading the counter and writing it."),
        repl_lag_ms: u64 = int(100, 1, 10_000, "ms", "How often the primary streams its writes to the replica: the window in which an acknowledged SET exists on the primary only."),
        down_after_ms: u64 = int(300, 10, 60_000, "ms", "Sentinel's down-after-milliseconds: silence before it promotes the replica."),
        ping_ms: u64 = int(50, 1, 10_000, "ms", "How often Sentinel pings the primary."),
        mitigation: Mitigation = choice(
            "none",
            Mitigation::OPTIONS,
            "none; wait: WAIT 1 after SET; delayed-start: a new primary refuses the lock for a TTL; fencing: the storage issues and checks tokens."
        ),
        wait_timeout_ms: u64 = int(100, 1, 10_000, "ms", "WAIT's timeout: how long the primary waits for the replica's acknowledgement."),
        crash_primary_at_ms: u64 = int(40, 0, 3_600_000, "ms", "The primary's machine dies at this time (0: never)."),
        restart_primary_after_ms: u64 = int(2_000, 0, 3_600_000, "ms", "It comes back this much later, empty (0: never)."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(5, 0, 5_000, "ms", "Largest one-way network latency; each message draws from the seed."),
        reply_timeout_ms: u64 = int(200, 10, 60_000, "ms", "How long a client waits for a reply before it asks Sentinel again."),
        retry_ms: u64 = int(50, 1, 10_000, "ms", "Backoff before retrying; doubles per try up to 4x, plus jitter."),
        start_jitter_ms: u64 = int(20, 0, 10_000, "ms", "Each client starts at a random time up to this."),
        run_ms: u64 = int(4_000, 100, 3_600_000, "ms", "Time horizon of the run."),
        random_faults: u32 = int(0, 0, 200, "", "Faults drawn from the seed: crashes and restarts, pauses, clock drift and jumps, partitions, delays."),
    }
}

/// Seed whose default run shows the race (client 1 takes the lock just before the primary dies).
pub const CANONICAL_SEED: u64 = 1;

/// What survives a crash: Sentinel's configuration (the master, the failovers), the storage's counter. Redis
/// keeps nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FailoverDisk {
    #[default]
    Empty,
    Master(NodeId, u32),
    Storage(Counter),
}

faultline_sim::node_enum! {
    /// The node kinds of this scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum FailoverNode / FailoverLook (Msg, Timer, FailoverDisk) {
        Client(Client),
        Redis(Redis),
        Sentinel(Sentinel),
        Storage(Storage),
    }
}

/// At most one client may believe it holds the lock at a time.
pub const SINGLE_HOLDER: &str = "single-holder";
/// Every write the storage accepts is based on the latest value.
pub const NO_LOST_UPDATE: &str = "no-lost-update";

/// The checker's history: since when each client believes it holds the lock, and what the storage answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailoverHistory {
    pub believers: Believers,
    pub writes: Writes,
}

fn observe(h: &mut FailoverHistory, s: &Snapshot<'_, FailoverNode>) {
    if let Some(a) = s.actor {
        match &s.nodes[a as usize] {
            FailoverNode::Client(c) => h.believers.update(a, c.holds, s.step),
            // A reader is a client process (its incarnation is the request's high half).
            FailoverNode::Storage(st) => h.writes.observe(s.sent(), st.store.data.value, s.step, Writes::process_of),
            _ => {}
        }
    }
    h.believers.forget_crashed(s.conditions);
}

fn single_holder(s: &Snapshot<'_, FailoverNode>, h: &FailoverHistory, out: &mut Vec<Breach>) {
    let Some(overlap) = h.believers.overlap_begins(s.step) else { return };
    let holders: Vec<(&Client, u32)> = overlap
        .iter()
        .filter_map(|&(n, since)| match &s.nodes[n as usize] {
            FailoverNode::Client(c) => Some((c, since)),
            _ => None,
        })
        .collect();
    let who: Vec<String> = holders.iter().map(|(c, _)| format!("client {} ({})", c.number, c.value)).collect();
    let failovers = s.nodes.iter().find_map(|n| match n {
        FailoverNode::Sentinel(st) => Some(st.failovers),
        _ => None,
    });
    let why = if failovers > Some(0) {
        "Sentinel promoted the replica after the primary went silent, and the replica did not have the older \
         holder's key — asynchronous replication had not sent it, or the key expired there by the replica's own clock"
    } else {
        "the lock was handed out again while an older holder still believed in its lease (a restart without the \
         key, or a lease that ran out while its holder was not looking)"
    };
    let fenced = s.nodes.iter().any(|n| matches!(n, FailoverNode::Storage(st) if st.store.fence != Fence::Off));
    let (severity, tail) = overlap_severity(fenced);
    out.push(Breach {
        severity,
        message: format!(
            "{} {} believe they hold the lock: {why}.{tail}",
            who.join(" and "),
            if who.len() == 2 { "both" } else { "all" }
        ),
        steps: holders.iter().map(|(_, since)| *since).collect(),
    });
}

fn no_lost_update(s: &Snapshot<'_, FailoverNode>, h: &FailoverHistory, out: &mut Vec<Breach>) {
    h.writes.breaches(s.step, |n| format!("client {}", n + 1), out);
}

/// The invariants, checked after every step.
pub fn invariants() -> [Invariant<FailoverNode, FailoverHistory>; 2] {
    [
        Invariant { name: SINGLE_HOLDER, check: single_holder },
        Invariant { name: NO_LOST_UPDATE, check: no_lost_update },
    ]
}

/// Random faults of every kind, over the first part of the run, when the clients compete.
pub fn random_faults(p: &FailoverParams, seed: u64) -> FaultPlan {
    let ttl_us = (p.ttl_ms * US_PER_MS).max(US_PER_MS);
    let busy_us = u64::from(p.clients) * (ttl_us + (p.work_ms + p.retry_ms) * US_PER_MS);
    FaultMix {
        nodes: p.clients + 4,
        window_us: (busy_us + 500 * US_PER_MS).min(p.run_ms * US_PER_MS),
        min_dur_us: 10 * US_PER_MS,
        max_dur_us: 2 * ttl_us.max(10 * US_PER_MS),
        max_jump_us: ttl_us,
        max_drift_ppm: 200_000,
        messages: u64::from(p.clients) * 12 + p.run_ms / p.ping_ms.max(1) * 2,
        stream: 0xfa11,
    }
    .draw(p.random_faults, seed)
}

/// The nodes (clients, redis 1 and 2, Sentinel, the storage), the network and the faults the parameters imply.
fn setup(p: &FailoverParams, seed: u64) -> Setup<FailoverNode> {
    let n = p.clients;
    let (redis1, redis2, sentinel, storage) = (n, n + 1, n + 2, n + 3);
    let fencing = p.mitigation == Mitigation::Fencing;
    let ccfg = ClientConfig {
        sentinel,
        storage,
        ttl_us: p.ttl_ms * US_PER_MS,
        work_us: p.work_ms * US_PER_MS,
        retry_us: p.retry_ms * US_PER_MS,
        reply_timeout_us: p.reply_timeout_ms * US_PER_MS,
        start_jitter_us: p.start_jitter_ms * US_PER_MS,
        wait: p.mitigation == Mitigation::Wait,
        fencing,
    };
    let mut nodes: Vec<(NodeInfo, FailoverNode)> = (1..=n)
        .map(|i| {
            let info = NodeInfo { name: format!("client {i}"), role: "client".into() };
            (info, FailoverNode::Client(Client::new(i, ccfg.clone())))
        })
        .collect();
    for (i, _) in [redis1, redis2].iter().enumerate() {
        let cfg = RedisConfig {
            number: i as u32 + 1,
            sentinel,
            repl_lag_us: p.repl_lag_ms * US_PER_MS,
            wait_timeout_us: p.wait_timeout_ms * US_PER_MS,
            ttl_us: p.ttl_ms * US_PER_MS,
            delayed_start: p.mitigation == Mitigation::DelayedStart,
        };
        let info = NodeInfo { name: format!("redis {}", i + 1), role: "redis".into() };
        nodes.push((info, FailoverNode::Redis(Redis::new(cfg))));
    }
    let scfg = SentinelConfig {
        redis: vec![redis1, redis2],
        ping_us: p.ping_ms * US_PER_MS,
        down_after_us: p.down_after_ms * US_PER_MS,
    };
    nodes.push((NodeInfo { name: "sentinel".into(), role: "sentinel".into() }, FailoverNode::Sentinel(Sentinel::new(scfg))));
    nodes.push((NodeInfo { name: "storage".into(), role: "storage".into() }, FailoverNode::Storage(storage::storage(fencing))));
    let mut faults = FaultPlan::new();
    if p.crash_primary_at_ms > 0 {
        let at = p.crash_primary_at_ms * US_PER_MS;
        faults.push(at, Fault::Crash { node: redis1 });
        if p.restart_primary_after_ms > 0 {
            faults.push(at + p.restart_primary_after_ms * US_PER_MS, Fault::Restart { node: redis1 });
        }
    }
    faults.0.extend(random_faults(p, seed).0);
    faults.sort_by_time();
    let net = NetConfig::with_latency_us(p.latency_min_ms * US_PER_MS, p.latency_max_ms * US_PER_MS);
    Setup::new(nodes, net, faults, p.run_ms * US_PER_MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "The lock is SET lock <value> NX PX <ttl>, as before, but Redis is now a primary with a replica, watched \
               by Sentinel. The primary answers at once and streams its writes to the replica a moment later \
               (asynchronous replication). When the primary stops answering Sentinel's pings for down_after_ms, \
               Sentinel promotes the replica, and clients that ask it where the master is go there.",
    },
    Section {
        title: "What to watch",
        body: "Client 1 takes the lock on redis 1 (the bar on its lane is the key). Redis 1 dies 40 ms in, before its \
               next replication: redis 2 never sees the key. Sentinel promotes redis 2; client 2, asking it for the \
               lock, gets it. Two clients hold the lock, and one update to the counter is lost.",
    },
    Section {
        title: "Why it fails",
        body: "An OK from the primary means the key is in the primary's memory, nowhere else. Replication is \
               asynchronous, so a failover can promote a replica that never received it. This is the race the \
               Redis documentation describes on its distributed locks page.",
    },
    Section {
        title: "The mitigations",
        body: "mitigation = wait: WAIT 1 after the SET, and proceed only if the replica acknowledged the key. The \
               window narrows but stays open: the replica judges expiry by its own clock once promoted, a replica \
               can restart empty, a holder can pause past its lease — the sweep finds such seeds. mitigation = \
               delayed-start: a new primary refuses the lock for one TTL, so every lock the old primary granted has \
               expired. mitigation = fencing: the storage issues tokens from a durable sequence and refuses older \
               ones — two clients may believe they hold the lock, but only the newer can write.",
    },
    Section {
        title: "Under faults",
        body: "Crash, restart, pause, cut or skew anything by clicking its name, or set random_faults. Clients ask \
               Sentinel again when a request goes unanswered, and start over with a new lock value. Simplified: one \
               Sentinel instead of a quorum, no persistence, one round per client.",
    },
    Section {
        title: "Source",
        body: "The Redis documentation: Distributed Locks with Redis (the failover race; delayed restarts), WAIT, \
               replication and Sentinel. Martin Kleppmann, \"How to do distributed locking\" (2016), on fencing.",
    },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "redis-failover",
    title: "Redis failover: a lock lost with its primary",
    summary: "the primary acknowledges the lock and dies before the replica has it; the promoted replica grants it again",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    mitigation: Some("mitigation"),
    pause_label: "pause",
    samples: &[
        Sample::golden("canonical", ""),
        Sample::golden("canonical-fencing", "mitigation=fencing"),
        Sample::bench("browser", ""),
        Sample::check("wait", "mitigation=wait"),
        Sample::check("faults-fenced", "mitigation=fencing,random_faults=20"),
        Sample::long_run("long", "clients=6,ttl_ms=200,work_ms=20,crash_primary_at_ms=0,ping_ms=5,run_ms=120000"),
    ],
    broken: &[
        Broken { sets: "mitigation=none", invariants: &[SINGLE_HOLDER], seeds: 100 },
        Broken { sets: "mitigation=wait,crash_primary_at_ms=0,random_faults=20", invariants: &[SINGLE_HOLDER], seeds: 2_000 },
    ],
    holds: &["mitigation=fencing"],
    sizes: &["clients", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

impl Model for RedisFailover {
    type Node = FailoverNode;
    type Params = FailoverParams;
    type History = FailoverHistory;

    fn observe(history: &mut FailoverHistory, step: &Snapshot<'_, FailoverNode>) {
        observe(history, step)
    }

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &FailoverParams) -> Result<(), ParamError> {
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)
    }

    fn setup(&self, p: &FailoverParams, seed: u64) -> Setup<FailoverNode> {
        setup(p, seed)
    }

    fn invariants(&self) -> Vec<Invariant<FailoverNode, FailoverHistory>> {
        invariants().to_vec()
    }
}
