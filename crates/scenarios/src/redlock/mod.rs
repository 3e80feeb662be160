//! # Redlock: a majority of clocks
//!
//! **The protocol** — the Redlock algorithm from the Redis documentation's "Distributed Locks with Redis", on
//! `masters` independent Redis masters (no replication between them). A client reads its clock, sends `SET
//! resource <random value> NX PX <ttl>` to each master in turn with a per-node timeout much smaller than the TTL,
//! and holds the lock if a majority said OK and the time elapsed is below the lock's validity: TTL − elapsed −
//! clock drift allowance (1% of the TTL plus 2 ms). Otherwise it releases on every master and retries after a
//! random delay. The holder reads a counter, computes for `work_ms`, writes it back plus one, and releases.
//!
//! **The failures** — Martin Kleppmann's two counterexamples from "How to do distributed locking" (2016):
//! 1. *A clock jump.* Client 1 locks A, B and C; D and E are cut off from it. C's clock jumps forward and the key
//!    expires there early. Client 2 locks C, D and E — a majority too — while client 1 still holds A and B and
//!    believes it holds the lock.
//! 2. *A pause.* Client 1 pauses while the OK replies are in flight; its keys expire; client 2 locks all five;
//!    client 1 resumes and reads the OKs. Redlock's elapsed-time check catches this one (client 1's own clock
//!    ran on during the pause: `check_validity = false` shows the naive client that believes) — but the same
//!    pause a moment later, after the check, before the write, breaks it anyway.
//!
//! Either way the storage cannot tell the two writers apart: Redlock's values are random, not ordered.
//!
//! **The fix** (`token_source`): each holder takes a fencing token from a counter that never goes back, sends it
//! with every read and write, and the storage refuses older ones. That counter must be durable and linearizable —
//! a consensus system (etcd, ZooKeeper) — and a system that has one has little use for Redlock.
//!
//! **Invariants.** `single-holder` (a violation; with fencing an observation) and `no-lost-update`.
//!
//! **Simplified here:** masters keep nothing on disk; each client does one round; the token source is one
//! durable node standing in for a consensus group.
//!
//! **Source.** The Redis documentation, "Distributed Locks with Redis" (the Redlock algorithm, the validity time
//! and drift factor, delayed restarts); Martin Kleppmann, "How to do distributed locking" (2016); Salvatore
//! Sanfilippo, "Is Redlock safe?" (2016), on the elapsed-time check.

pub mod chapters;
pub mod client;
pub mod master;
pub mod msg;
pub mod storage;

use crate::guarded::{overlap_severity, Believers, Fence, Writes};
use client::{Client, ClientConfig};
use faultline_sim::{
    Breach, Broken, Fault, FaultMix, FaultPlan, Invariant, Model, NetConfig, NodeInfo, ParamError, Sample,
    ScenarioInfo, Section, Setup, Severity, Snapshot, US_PER_MS,
};
use master::Master;
use msg::{Msg, Timer};
use storage::{Storage, TokenSource};
use crate::guarded::Counter;

/// The scenario's entry in the registry.
pub struct Redlock;

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct RedlockParams in PARAMS {
        masters: u32 = int(5, 3, 7, "", "How many independent Redis masters (a majority must say OK)."),
        clients: u32 = int(2, 2, 5, "", "How many clients compete for the lock."),
        ttl_ms: u64 = int(1_000, 10, 60_000, "ms", "The lock's TTL (PX) on every master."),
        node_timeout_ms: u64 = int(50, 1, 10_000, "ms", "How long a client waits for each master before it asks the next: much less than the TTL."),
        work_ms: u64 = int(500, 0, 60_000, "ms", "How long a holder computes between reading the counter and writing it."),
        retry_ms: u64 = int(200, 1, 10_000, "ms", "A client that failed retries after a random delay up to this."),
        stagger_ms: u64 = int(200, 0, 60_000, "ms", "Client i first tries (i − 1) × stagger_ms after the start."),
        cut_masters: u32 = int(2, 0, 6, "", "Client 1 cannot reach the last this-many masters (a partition)."),
        jump_master: u32 = int(3, 0, 7, "", "The master (1 = A) whose clock jumps forward by jump_ms at jump_at_ms (0: none)."),
        jump_ms: u64 = int(1_000, 0, 600_000, "ms", "How far that clock jumps."),
        jump_at_ms: u64 = int(150, 0, 3_600_000, "ms", "When it jumps."),
        check_validity: bool = bool(true, "Redlock's check: the lock counts only if taken within its validity (TTL − elapsed − drift)."),
        token_source: bool = bool(false, "Holders take a fencing token from a counter that never goes back; the storage refuses older ones."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(5, 0, 5_000, "ms", "Largest one-way network latency; each message draws from the seed."),
        reply_timeout_ms: u64 = int(500, 10, 60_000, "ms", "How long a holder waits for the storage."),
        run_ms: u64 = int(3_000, 100, 3_600_000, "ms", "Time horizon of the run."),
        random_faults: u32 = int(0, 0, 200, "", "Faults drawn from the seed: crashes and restarts, pauses, clock drift and jumps, partitions, delays."),
    }
}

/// Seed whose default run shows the clock-jump counterexample.
pub const CANONICAL_SEED: u64 = 1;

/// What survives a crash: the storage's counter, the token source's last token. Masters keep nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RedlockDisk {
    #[default]
    Empty,
    Storage(Counter),
    Tokens(u64),
}

faultline_sim::node_enum! {
    /// The node kinds of this scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum RedlockNode / RedlockLook (Msg, Timer, RedlockDisk) {
        Client(Client),
        Master(Master),
        Tokens(TokenSource),
        Storage(Storage),
    }
}

/// At most one client may believe it holds the lock at a time.
pub const SINGLE_HOLDER: &str = "single-holder";
/// Every write the storage accepts is based on the latest value.
pub const NO_LOST_UPDATE: &str = "no-lost-update";

/// The checker's history: since when each client believes it holds the lock, and what the storage answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedlockHistory {
    pub believers: Believers,
    pub writes: Writes,
}

fn observe(h: &mut RedlockHistory, s: &Snapshot<'_, RedlockNode>) {
    if let Some(a) = s.actor {
        match &s.nodes[a as usize] {
            RedlockNode::Client(c) => h.believers.update(a, c.holds(), s.step),
            // A reader is a client process (its incarnation is the request's high half).
            RedlockNode::Storage(st) => h.writes.observe(s.sent(), st.store.data.value, s.step, Writes::process_of),
            _ => {}
        }
    }
    h.believers.forget_crashed(s.conditions);
}

fn single_holder(s: &Snapshot<'_, RedlockNode>, h: &RedlockHistory, out: &mut Vec<Breach>) {
    let Some(overlap) = h.believers.overlap_begins(s.step) else { return };
    let holders: Vec<(&Client, u32)> = overlap
        .iter()
        .filter_map(|&(n, since)| match &s.nodes[n as usize] {
            RedlockNode::Client(c) => Some((c, since)),
            _ => None,
        })
        .collect();
    // Which masters hold whose key now: the two majorities, and where they met.
    let keys: Vec<String> = s
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| match n {
            RedlockNode::Master(m) => m.key.as_ref().map(|k| format!("{} → client {}", s_name(s, i), k.owner + 1)),
            _ => None,
        })
        .collect();
    let who: Vec<String> = holders.iter().map(|(c, _)| format!("client {} ({})", c.number, c.value)).collect();
    let fenced = s.nodes.iter().any(|n| matches!(n, RedlockNode::Storage(st) if st.store.fence != Fence::Off));
    let (severity, tail) = match overlap_severity(fenced) {
        (Severity::Violation, _) => {
            (Severity::Violation, " Redlock's values are random, so the storage cannot tell their writes apart.")
        }
        other => other,
    };
    out.push(Breach {
        severity,
        message: format!(
            "{} {} believe they hold the lock; the masters' keys now: {}. A majority was counted twice — a key \
             expired early on one master (its clock), or a holder's lease ran out while it was not looking.{tail}",
            who.join(" and "),
            if who.len() == 2 { "both" } else { "all" },
            if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
        ),
        steps: holders.iter().map(|(_, since)| *since).collect(),
    });
}

/// `redis A`, `redis B`, … by position among the masters.
fn s_name(s: &Snapshot<'_, RedlockNode>, node: usize) -> String {
    let first = s.nodes.iter().position(|n| matches!(n, RedlockNode::Master(_))).unwrap_or(0);
    master_name(node.saturating_sub(first))
}

fn master_name(i: usize) -> String {
    format!("redis {}", (b'A' + i as u8) as char)
}

fn no_lost_update(s: &Snapshot<'_, RedlockNode>, h: &RedlockHistory, out: &mut Vec<Breach>) {
    h.writes.breaches(s.step, |n| format!("client {}", n + 1), out);
}

/// The invariants, checked after every step.
pub fn invariants() -> [Invariant<RedlockNode, RedlockHistory>; 2] {
    [
        Invariant { name: SINGLE_HOLDER, check: single_holder },
        Invariant { name: NO_LOST_UPDATE, check: no_lost_update },
    ]
}

/// Random faults of every kind, while the clients compete.
pub fn random_faults(p: &RedlockParams, seed: u64) -> FaultPlan {
    let ttl_us = (p.ttl_ms * US_PER_MS).max(US_PER_MS);
    let busy_us = u64::from(p.clients) * (ttl_us + (p.work_ms + p.retry_ms + p.stagger_ms) * US_PER_MS);
    FaultMix {
        nodes: p.clients + p.masters + 2,
        window_us: (busy_us + 500 * US_PER_MS).min(p.run_ms * US_PER_MS),
        min_dur_us: 10 * US_PER_MS,
        max_dur_us: 2 * ttl_us.max(10 * US_PER_MS),
        max_jump_us: ttl_us,
        max_drift_ppm: 200_000,
        messages: u64::from(p.clients) * u64::from(p.masters) * 6 + 20,
        stream: 0x4ed1,
    }
    .draw(p.random_faults, seed)
}

/// The nodes (clients, masters A…, the token source, the storage), the network and the faults the parameters
/// imply: client 1's partition from the last masters, one master's clock jump, and the random faults.
fn setup(p: &RedlockParams, seed: u64) -> Setup<RedlockNode> {
    let (c, m) = (p.clients, p.masters);
    let masters: Vec<u32> = (c..c + m).collect();
    let (tokens, storage) = (c + m, c + m + 1);
    let mut nodes: Vec<(NodeInfo, RedlockNode)> = (1..=c)
        .map(|i| {
            let cfg = ClientConfig {
                masters: masters.clone(),
                tokens,
                storage,
                ttl_us: p.ttl_ms * US_PER_MS,
                node_timeout_us: p.node_timeout_ms * US_PER_MS,
                work_us: p.work_ms * US_PER_MS,
                retry_us: p.retry_ms * US_PER_MS,
                reply_timeout_us: p.reply_timeout_ms * US_PER_MS,
                start_us: u64::from(i - 1) * p.stagger_ms * US_PER_MS,
                check_validity: p.check_validity,
                token_source: p.token_source,
            };
            (NodeInfo { name: format!("client {i}"), role: "client".into() }, RedlockNode::Client(Client::new(i, cfg)))
        })
        .collect();
    for i in 0..m as usize {
        nodes.push((NodeInfo { name: master_name(i), role: "redis".into() }, RedlockNode::Master(Master::new())));
    }
    nodes.push((NodeInfo { name: "token source".into(), role: "tokens".into() }, RedlockNode::Tokens(TokenSource::default())));
    nodes.push((NodeInfo { name: "storage".into(), role: "storage".into() }, RedlockNode::Storage(storage::storage(p.token_source))));
    let mut faults = FaultPlan::new();
    for &cut in masters.iter().rev().take(p.cut_masters.min(m) as usize) {
        faults.push(0, Fault::Cut { from: 0, to: cut, both: true });
    }
    if (1..=m).contains(&p.jump_master) && p.jump_ms > 0 {
        let node = masters[p.jump_master as usize - 1];
        faults.push(p.jump_at_ms * US_PER_MS, Fault::ClockJump { node, by_us: (p.jump_ms * US_PER_MS) as i64 });
    }
    faults.0.extend(random_faults(p, seed).0);
    faults.sort_by_time();
    let net = NetConfig::with_latency_us(p.latency_min_ms * US_PER_MS, p.latency_max_ms * US_PER_MS);
    Setup::new(nodes, net, faults, p.run_ms * US_PER_MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "Five independent Redis masters. A client reads its clock, sends SET resource <random value> NX PX \
               <ttl> to each in turn (waiting at most node_timeout_ms for each), and holds the lock if a majority \
               said OK within the lock's validity: TTL − elapsed − drift. Otherwise it releases on all five and \
               retries after a random delay.",
    },
    Section {
        title: "What to watch",
        body: "Client 1 cannot reach D and E; it locks A, B and C — a majority. Then C's clock jumps forward a \
               second: the key expires there. Client 2 asks all five: A and B refuse, C, D and E say OK — another \
               majority. Both clients hold the lock, both write the counter, and an update is lost.",
    },
    Section {
        title: "Why it fails",
        body: "A majority only means something if every key stays put for its TTL, and each master measures the TTL \
               on its own clock. A clock that jumps, a process that pauses after it checked its validity: any of \
               them lets two majorities overlap in time. And Redlock's lock values are random, so the storage \
               cannot tell the older holder's writes from the newer's.",
    },
    Section {
        title: "The pause",
        body: "Kleppmann's second example: client 1 pauses while the OKs are in flight; its keys expire; client 2 \
               locks all five. Redlock's elapsed-time check catches that — client 1's clock ran on during the \
               pause, so it finds the lock too old (set check_validity = false to see the naive client believe). \
               But a pause just after the check, before the write, is caught by nothing.",
    },
    Section {
        title: "The fix",
        body: "token_source = true: each holder takes a token from a counter that never goes back and sends it with \
               every read and write; the storage refuses tokens older than the newest it has seen. That counter has \
               to be durable and linearizable — a consensus system such as etcd or ZooKeeper — which is Kleppmann's \
               point: with one of those, use its locks.",
    },
    Section {
        title: "Source",
        body: "The Redis documentation, Distributed Locks with Redis (the Redlock algorithm); Martin Kleppmann, \"How \
               to do distributed locking\" (2016); Salvatore Sanfilippo, \"Is Redlock safe?\" (2016).",
    },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "redlock",
    title: "Redlock: two majorities at once",
    summary: "a clock jump or a pause lets two clients each hold a majority of five masters; only a token from a counter that never goes back fences them",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    mitigation: Some("token_source"),
    pause_label: "GC pause",
    samples: &[
        Sample::golden("canonical", ""),
        Sample::golden("canonical-tokens", "token_source=true"),
        Sample::bench("browser", ""),
        Sample::check("no-jump", "jump_master=0,cut_masters=0"),
        Sample::check("faults-tokens", "token_source=true,random_faults=20"),
        Sample::long_run("long", "clients=5,masters=7,ttl_ms=200,work_ms=20,stagger_ms=0,run_ms=120000"),
    ],
    broken: &[
        Broken { sets: "token_source=false", invariants: &[SINGLE_HOLDER], seeds: 100 },
        Broken { sets: "jump_master=0,cut_masters=0,random_faults=20", invariants: &[SINGLE_HOLDER], seeds: 2_000 },
    ],
    holds: &["token_source=true"],
    sizes: &["masters", "clients", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

impl Model for Redlock {
    type Node = RedlockNode;
    type Params = RedlockParams;
    type History = RedlockHistory;

    fn observe(history: &mut RedlockHistory, step: &Snapshot<'_, RedlockNode>) {
        observe(history, step)
    }

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &RedlockParams) -> Result<(), ParamError> {
        if p.jump_master > p.masters {
            return Err(ParamError::Conflict(format!(
                "jump_master = {} but there are only {} masters",
                p.jump_master, p.masters
            )));
        }
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)
    }

    fn setup(&self, p: &RedlockParams, seed: u64) -> Setup<RedlockNode> {
        setup(p, seed)
    }

    fn invariants(&self) -> Vec<Invariant<RedlockNode, RedlockHistory>> {
        invariants().to_vec()
    }
}
