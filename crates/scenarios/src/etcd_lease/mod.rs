//! # An etcd lock: a session lease that ends while its holder works
//!
//! **The protocol** — a lock from etcd's `concurrency` package. Each client opens a session: a lease with a TTL
//! (etcd's default is 60 s; `ttl_ms` shortens it for the animation), kept alive every TTL/3. To lock, it creates
//! the key `lock/<lease id>` in a transaction, `if CreateRevision(key) == 0 then Put(key, "", lease) else
//! Get(key)`, so the key lives as long as the lease. The key with the lowest create revision owns the lock;
//! every other client watches the key with the next-lower create revision and owns the lock when none older
//! remains. Unlock deletes the key. The owner reads a counter, computes for `work_ms`, and writes it back plus one.
//!
//! **The failure.** The lock is only as alive as the lease. Client 1 owns the lock and is paused (or cut off from
//! etcd) past the TTL: its keep-alives stop, etcd expires the lease and deletes the key, the watch fires, and
//! client 2 owns the lock. Client 1 resumes — or was still computing — and writes: a lost update.
//!
//! **The fix** etcd documents: the lock key's revision is a fencing token. Send it with every request to the
//! storage and let the storage refuse a revision lower than one it has seen (`fencing`).
//!
//! **Invariants.** `single-holder` (a violation; with fencing an observation) and `no-lost-update`.
//!
//! **Simplified here:** one etcd node stands in for its Raft cluster (its state is durable; on a restart it
//! extends every lease by its TTL, as a new etcd leader does); each client does one round.
//!
//! **Source.** etcd's documentation: `clientv3/concurrency` (Session, Mutex: the key `pfx/<lease>`, the
//! transaction on its create revision, `waitDeletes` on the next-lower key), leases and keep-alives, and its note
//! that the lock's revision must be used as a fencing token; Martin Kleppmann, "How to do distributed locking"
//! (2016).

pub mod chapters;
pub mod client;
pub mod etcd;
pub mod msg;
pub mod storage;

use crate::guarded::{overlap_severity, Believers, Counter, Fence, Writes};
use client::{Client, ClientConfig};
use etcd::{Etcd, Store};
use faultline_sim::{
    Breach, Broken, Fault, FaultMix, FaultPlan, Invariant, Model, NetConfig, NodeInfo, ParamError, Sample, ScenarioInfo,
    Section, Setup, Snapshot, US_PER_MS,
};
use msg::{Msg, Timer};
use storage::Storage;

/// The scenario's entry in the registry.
pub struct EtcdLease;

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct EtcdParams in PARAMS {
        clients: u32 = int(2, 2, 5, "", "How many clients compete for the lock."),
        ttl_ms: u64 = int(1_000, 30, 600_000, "ms", "The session lease's TTL (etcd's default is 60 s, shortened here); kept alive every TTL/3."),
        work_ms: u64 = int(600, 0, 600_000, "ms", "How long the owner computes between reading the counter and writing it."),
        stagger_ms: u64 = int(100, 0, 60_000, "ms", "Client i opens its session (i − 1) × stagger_ms after the start."),
        pause_ms: u64 = int(2_500, 0, 600_000, "ms", "A stop-the-world pause of client 1 (0: none)."),
        pause_at_ms: u64 = int(300, 0, 3_600_000, "ms", "When it strikes."),
        fencing: bool = bool(false, "The lock key's create revision goes with every read and write; the storage refuses lower ones."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(5, 0, 5_000, "ms", "Largest one-way network latency; each message draws from the seed."),
        reply_timeout_ms: u64 = int(3_000, 10, 600_000, "ms", "How long an owner waits for the storage."),
        run_ms: u64 = int(5_000, 100, 3_600_000, "ms", "Time horizon of the run."),
        random_faults: u32 = int(0, 0, 200, "", "Faults drawn from the seed: crashes and restarts, pauses, clock drift and jumps, partitions, delays."),
    }
}

/// Seed whose default run shows the paused owner writing after its lease expired.
pub const CANONICAL_SEED: u64 = 1;

/// What survives a crash: etcd's state, the storage's counter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EtcdDisk {
    #[default]
    Empty,
    Etcd(Store),
    Storage(Counter),
}

faultline_sim::node_enum! {
    /// The node kinds of this scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum EtcdNode / EtcdLook (Msg, Timer, EtcdDisk) {
        Client(Client),
        Etcd(Etcd),
        Storage(Storage),
    }
}

/// At most one client may believe it owns the lock at a time.
pub const SINGLE_HOLDER: &str = "single-holder";
/// Every write the storage accepts is based on the latest value.
pub const NO_LOST_UPDATE: &str = "no-lost-update";

/// The checker's history: who believes it owns the lock since when, and what the storage answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EtcdHistory {
    pub believers: Believers,
    pub writes: Writes,
}

fn observe(h: &mut EtcdHistory, s: &Snapshot<'_, EtcdNode>) {
    if let Some(a) = s.actor {
        match &s.nodes[a as usize] {
            EtcdNode::Client(c) => h.believers.update(a, c.holds, s.step),
            // A reader is a client process (its incarnation is the request's high half).
            EtcdNode::Storage(st) => h.writes.observe(s.sent(), st.store.data.value, s.step, Writes::process_of),
            EtcdNode::Etcd(_) => {}
        }
    }
    h.believers.forget_crashed(s.conditions);
}

fn single_holder(s: &Snapshot<'_, EtcdNode>, h: &EtcdHistory, out: &mut Vec<Breach>) {
    let Some(overlap) = h.believers.overlap_begins(s.step) else { return };
    let who: Vec<String> = overlap
        .iter()
        .filter_map(|&(n, _)| match &s.nodes[n as usize] {
            EtcdNode::Client(c) => Some(format!("client {} ({}, revision {})", c.number, c.key(), c.my_rev)),
            _ => None,
        })
        .collect();
    let fenced = s.nodes.iter().any(|n| matches!(n, EtcdNode::Storage(st) if st.store.fence != Fence::Off));
    let (severity, tail) = overlap_severity(fenced);
    out.push(Breach {
        severity,
        message: format!(
            "{} {} believe they own the lock: the older owner's lease expired at etcd (no keep-alive reached it for a \
             TTL) and its key went with it, while the owner itself had not yet noticed.{tail}",
            who.join(" and "),
            if who.len() == 2 { "both" } else { "all" }
        ),
        steps: overlap.iter().map(|(_, since)| *since).collect(),
    });
}

fn no_lost_update(s: &Snapshot<'_, EtcdNode>, h: &EtcdHistory, out: &mut Vec<Breach>) {
    h.writes.breaches(s.step, |n| format!("client {}", n + 1), out);
}

/// The invariants, checked after every step.
pub fn invariants() -> [Invariant<EtcdNode, EtcdHistory>; 2] {
    [
        Invariant { name: SINGLE_HOLDER, check: single_holder },
        Invariant { name: NO_LOST_UPDATE, check: no_lost_update },
    ]
}

/// Random faults of every kind, while the clients compete.
pub fn random_faults(p: &EtcdParams, seed: u64) -> FaultPlan {
    let ttl_us = (p.ttl_ms * US_PER_MS).max(US_PER_MS);
    let busy_us = u64::from(p.clients) * (ttl_us + (p.work_ms + p.stagger_ms) * US_PER_MS);
    FaultMix {
        nodes: p.clients + 2,
        window_us: (busy_us + 500 * US_PER_MS).min(p.run_ms * US_PER_MS),
        min_dur_us: 10 * US_PER_MS,
        max_dur_us: 2 * ttl_us.max(10 * US_PER_MS),
        max_jump_us: ttl_us,
        max_drift_ppm: 200_000,
        messages: u64::from(p.clients) * (10 + 3 * p.run_ms / p.ttl_ms.max(1)),
        stream: 0xe7cd,
    }
    .draw(p.random_faults, seed)
}

/// The nodes (clients, etcd, the storage), the network and the faults the parameters imply.
fn setup(p: &EtcdParams, seed: u64) -> Setup<EtcdNode> {
    let c = p.clients;
    let (etcd, storage) = (c, c + 1);
    let mut nodes: Vec<(NodeInfo, EtcdNode)> = (1..=c)
        .map(|i| {
            let cfg = ClientConfig {
                etcd,
                storage,
                ttl_us: p.ttl_ms * US_PER_MS,
                work_us: p.work_ms * US_PER_MS,
                reply_timeout_us: p.reply_timeout_ms * US_PER_MS,
                start_us: u64::from(i - 1) * p.stagger_ms * US_PER_MS,
                fencing: p.fencing,
            };
            (NodeInfo { name: format!("client {i}"), role: "client".into() }, EtcdNode::Client(Client::new(i, cfg)))
        })
        .collect();
    nodes.push((NodeInfo { name: "etcd".into(), role: "etcd".into() }, EtcdNode::Etcd(Etcd::new())));
    nodes.push((NodeInfo { name: "storage".into(), role: "storage".into() }, EtcdNode::Storage(storage::storage(p.fencing))));
    let mut faults = FaultPlan::new();
    if p.pause_ms > 0 {
        faults.push(p.pause_at_ms * US_PER_MS, Fault::Pause { node: 0, for_us: p.pause_ms * US_PER_MS });
    }
    faults.0.extend(random_faults(p, seed).0);
    faults.sort_by_time();
    let net = NetConfig::with_latency_us(p.latency_min_ms * US_PER_MS, p.latency_max_ms * US_PER_MS);
    Setup::new(nodes, net, faults, p.run_ms * US_PER_MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "Each client opens a session — a lease with a TTL, kept alive every TTL/3 — and creates its lock key \
               lock/<lease id> in a transaction, attached to the lease. The key with the lowest create revision owns \
               the lock; the others each watch the key just before theirs and take over when it is deleted.",
    },
    Section {
        title: "What to watch",
        body: "Client 1 owns the lock and is paused for 2.5 s. Its keep-alives stop; a TTL later etcd expires the \
               lease and deletes the key, and client 2's watch fires: it owns the lock. Client 1 wakes up and writes \
               what it computed before the pause: an update is lost.",
    },
    Section {
        title: "Why it fails",
        body: "An etcd lock is a lease like any other: it ends when the keep-alives stop, whether or not the owner is \
               done. A paused or partitioned owner cannot know in time, and a check before writing can always come \
               just before the pause.",
    },
    Section {
        title: "The fix",
        body: "fencing = true: the lock key's create revision goes with every read and write, and the storage \
               refuses a revision lower than one it has seen. A newer owner's key always has a higher revision — \
               etcd's revisions never go back — so the old owner's late write is refused. etcd's documentation says \
               exactly this: use the lock's revision as a fencing token.",
    },
    Section {
        title: "Source",
        body: "etcd's documentation of clientv3/concurrency (Session, Mutex), leases and keep-alives; Martin \
               Kleppmann, \"How to do distributed locking\" (2016).",
    },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "etcd-lease",
    title: "etcd lock: a session lease that ends mid-work",
    summary: "the owner pauses past its session's TTL, etcd hands the lock on, and the old owner writes anyway; the revision fences it",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    mitigation: Some("fencing"),
    pause_label: "GC pause",
    samples: &[
        Sample::golden("canonical", ""),
        Sample::golden("canonical-fencing", "fencing=true"),
        Sample::bench("browser", ""),
        Sample::check("no-pause", "pause_ms=0"),
        Sample::check("faults-fenced", "fencing=true,random_faults=20"),
        Sample::long_run("long", "clients=5,ttl_ms=300,work_ms=20,pause_ms=0,stagger_ms=0,run_ms=60000"),
    ],
    broken: &[
        Broken { sets: "fencing=false", invariants: &[SINGLE_HOLDER, NO_LOST_UPDATE], seeds: 100 },
        Broken { sets: "pause_ms=0,random_faults=20", invariants: &[NO_LOST_UPDATE], seeds: 2_000 },
    ],
    holds: &["fencing=true"],
    sizes: &["clients", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

impl Model for EtcdLease {
    type Node = EtcdNode;
    type Params = EtcdParams;
    type History = EtcdHistory;

    fn observe(history: &mut EtcdHistory, step: &Snapshot<'_, EtcdNode>) {
        observe(history, step)
    }

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &EtcdParams) -> Result<(), ParamError> {
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)
    }

    fn setup(&self, p: &EtcdParams, seed: u64) -> Setup<EtcdNode> {
        setup(p, seed)
    }

    fn invariants(&self) -> Vec<Invariant<EtcdNode, EtcdHistory>> {
        invariants().to_vec()
    }
}
