//! # Redis lock: a GC pause, a lost update, and fencing tokens
//!
//! **The protocol.** Clients share a counter in a storage service. To update it safely each client first takes a
//! lock in Redis with `SET lock <value> NX PX <ttl_ms>`: the key is set only if it does not exist, and Redis
//! deletes it by itself `ttl_ms` later, so that a crashed client cannot hold the lock forever. The value is random
//! and unique across clients, rounds and restarts, as the Redis documentation asks. The holder reads the counter,
//! spends `work_ms` computing, writes the counter back plus one, and releases the lock — safely with a script
//! that deletes the key only if it still holds the holder's own value, or unsafely with a plain `DEL`.
//!
//! **The failure.** The lock is a lease: it ends by timeout, whatever the holder is doing. Client 1 takes the
//! lock and is then stopped by a garbage-collection pause longer than the TTL. Redis expires the key; client 2
//! takes the lock, reads, and writes. Client 1 wakes up, still believing it holds the lock (it has no way to
//! notice the pause: it could check its lease before writing, but the pause can strike between the check and
//! the write), and writes a value computed from what it read before the pause. Client 2's update is lost.
//! With a plain `DEL`, client 1 then also deletes the lock that now belongs to client 2.
//!
//! **The fix.** Fencing tokens: every acquire also yields a number that grows by one each time. Clients send it
//! with every request to the storage, and the storage rejects any request whose token is lower than the highest
//! it has seen. Client 1's token is older than client 2's, so its late write is refused and the counter stays
//! right — even though for a while two clients believed they held the lock (shown as an observation, not a
//! violation: the lock alone cannot prevent that; fencing makes it harmless). Reads carry the token too: in a
//! read-modify-write, a newer holder's read must also shut out an older holder's write.
//!
//! **Fencing tokens are not a Redis feature.** `SET … NX PX` returns only `OK`. Here the SET runs in a script
//! that also `INCR`s a counter key and returns it: the token. That is the simplification a reader should notice,
//! because it makes the token only as durable as Redis's persistence (`persistence = none | aof-everysec |
//! aof-always`, see [`redis`]). A Redis that restarts without the counter on disk hands out the same token
//! again, the storage cannot tell the two holders apart, and fencing fails. Kleppmann's argument is exactly that
//! the token source must never go backwards — in practice a consensus-backed counter (ZooKeeper's zxid, etcd's
//! revision); here, a Redis that fsyncs before it answers (`aof-always`) stands in for one.
//!
//! **Under faults.** `random_faults = N` draws crashes and restarts of any node, pauses, clock drift and jumps,
//! partitions and message delays from the seed. Clients wait for one reply at a time, ignore late replies to
//! earlier requests, and give up on a request after `reply_timeout_ms`; a restarted client is a new incarnation
//! with new lock values. With a token source that never goes back, fencing holds under all of them.
//!
//! **Simplified here:** one Redis node (no replication or failover); a crash is the machine's, so an fsync is
//! what survives; the storage is a database that keeps everything it accepted.
//!
//! **Source.** Martin Kleppmann, "How to do distributed locking" (2016), whose diagram this scenario animates;
//! the Redis documentation of `SET … NX PX`, of the compare-and-delete release script, and of persistence
//! (`appendfsync always | everysec`).

pub mod chapters;
pub mod checker;
pub mod client;
pub mod disk;
pub mod msg;
pub mod redis;
pub mod storage;

use client::{Client, ClientConfig};
use disk::Disk;
use faultline_sim::{
    Breach, Broken, Fault, FaultMix, FaultPlan, Invariant, Model, NetConfig, NodeId, NodeInfo, ParamError,
    Sample, ScenarioInfo, Section, Setup, Severity, Snapshot, US_PER_MS,
};
use msg::{Msg, Timer};
use checker::{LeaseEnd, LockHistory};
use redis::{Persistence, Redis};
use storage::Storage;

/// The scenario's entry in the registry.
pub struct RedisLock;

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct LockParams in PARAMS {
        clients: u32 = int(2, 1, 8, "", "How many clients compete for the lock."),
        ttl_ms: u64 = int(500, 10, 60_000, "ms", "Lock lease (PX): Redis deletes the key this long after SET, by its own clock."),
        work_ms: u64 = int(100, 0, 60_000, "ms", "How long a holder computes between reading and writing the counter."),
        gc_pause_ms: u64 = int(800, 0, 60_000, "ms", "Length of the stop-the-world pause that strikes one client (0: none)."),
        gc_client: u32 = int(1, 1, 8, "", "Which client the pause strikes."),
        gc_at_ms: u64 = int(30, 0, 600_000, "ms", "When the pause strikes, in true time since the start."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(10, 0, 5_000, "ms", "Largest one-way network latency; each message draws from the seed."),
        fencing: bool = bool(false, "Each SET also INCRs a counter and returns it as a fencing token; the storage rejects stale tokens."),
        persistence: Persistence = choice(
            "none",
            Persistence::OPTIONS,
            "What Redis keeps across a restart: nothing, the AOF fsynced every second, or fsynced before each reply."
        ),
        safe_release: bool = bool(true, "Release with compare-and-delete (true) or a plain DEL (false)."),
        retry_ms: u64 = int(50, 1, 10_000, "ms", "Backoff before retrying a refused SET; doubles per try up to 4x, plus jitter."),
        start_jitter_ms: u64 = int(20, 0, 10_000, "ms", "Each client starts at a random time up to this (drawn from the seed)."),
        reply_timeout_ms: u64 = int(1_000, 10, 60_000, "ms", "How long a client waits for a reply before it gives up on that request."),
        rounds: u32 = int(1, 1, 1_000, "", "How many read-modify-write rounds each client performs."),
        redis_drift_ppm: i64 = int(0, -200_000, 200_000, "ppm", "Redis's clock rate error: positive runs fast and expires keys early."),
        run_ms: u64 = int(10_000, 100, 3_600_000, "ms", "Time horizon of the run."),
        random_faults: u32 = int(0, 0, 200, "", "Faults drawn from the seed: crashes and restarts, pauses, clock drift and jumps, partitions, delays."),
    }
}

/// Seed whose default run shows the canonical failure (client 1 paused while holding the lock).
pub const CANONICAL_SEED: u64 = 2;

faultline_sim::node_enum! {
    /// The node kinds of this scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum LockNode / LockLook (Msg, Timer, Disk) {
        Client(Client),
        Redis(Redis),
        Storage(Storage),
    }
}

fn storage<'a>(s: &'a Snapshot<'_, LockNode>) -> Option<&'a Storage> {
    s.nodes.iter().find_map(|n| match n {
        LockNode::Storage(st) => Some(st),
        _ => None,
    })
}

fn redis<'a>(s: &'a Snapshot<'_, LockNode>) -> Option<&'a Redis> {
    s.nodes.iter().find_map(|n| match n {
        LockNode::Redis(r) => Some(r),
        _ => None,
    })
}

/// Every accepted write must be based on the latest value: otherwise someone's update was silently lost.
pub const NO_LOST_UPDATE: &str = "no-lost-update";
/// At most one client may believe it holds the lock at a time (what a lock promises, and a lease cannot keep).
pub const SINGLE_HOLDER: &str = "single-holder";
/// A client may release only the lock it holds.
pub const OWN_LOCK_RELEASE: &str = "release-own-lock-only";

fn no_lost_update(s: &Snapshot<'_, LockNode>, h: &LockHistory, out: &mut Vec<Breach>) {
    let Some(st) = storage(s) else { return };
    // Each lost update is reported in the step that made it.
    for l in h.lost_updates.iter().rev().take_while(|l| l.step == s.step) {
        let mut message = format!(
            "{} wrote counter = {} computed from version {} (read at step {}), but {} had written a newer version at \
             step {}: that update is lost.",
            cap(st.names.get(l.writer as usize)),
            l.value,
            l.based_on_version,
            l.read_step,
            st.names.get(l.overwritten as usize).map_or("another client", String::as_str),
            l.overwritten_step,
        );
        if let (Some(t), true) = (l.token, l.token == l.overwritten_token) {
            let persistence = redis(s).map_or("?", |r| r.persistence.name());
            message.push_str(&format!(
                " Both held fencing token {t}: Redis handed it out twice, because its token counter went back when it \
                 restarted without it on disk (persistence = {persistence}). A fencing token must come from a source \
                 that never goes back."
            ));
        }
        out.push(Breach {
            severity: Severity::Violation,
            message,
            steps: vec![l.read_step, l.overwritten_step, l.step],
        });
    }
}

/// Why `earlier` still believes it holds the lock that `later` just took, from how Redis saw its lease end.
fn why_two_holders(s: &Snapshot<'_, LockNode>, h: &LockHistory, earlier: &Client, later: &Client) -> String {
    let who = format!("client {}", earlier.number);
    let value = earlier.lock_value();
    if value == later.lock_value() {
        return format!("{who} and client {} use the same lock value {value}", later.number);
    }
    let Some(r) = redis(s) else { return format!("{who}'s lease ran out while it was not looking") };
    let name = |id: NodeId| r.names.get(id as usize).map_or("?", String::as_str);
    match h.ended.iter().rev().find(|(v, _, _)| v == value).map(|(_, how, _)| how) {
        Some(LeaseEnd::Expired) => {
            format!("{who}'s lease ({value}) expired by Redis's clock while {who} was not looking")
        }
        Some(LeaseEnd::LostInRestart) => format!(
            "Redis restarted and lost {who}'s key {value} (persistence = {}), while {who} still believed",
            r.persistence.name()
        ),
        Some(LeaseEnd::Released { by }) => format!("a release from {} deleted {who}'s lock {value}", name(*by)),
        None => format!("{who}'s lease ({value}) ended without Redis ever seeing it"),
    }
}

fn single_holder(s: &Snapshot<'_, LockNode>, h: &LockHistory, out: &mut Vec<Breach>) {
    // Who believes, and since which step (a crashed client believes nothing), by node.
    let believers = || {
        s.nodes.iter().zip(&h.believing_since).filter_map(|(n, since)| match (n, since) {
            (LockNode::Client(c), Some(step)) => Some((c, *step)),
            _ => None,
        })
    };
    // Reported when it begins: a client starts believing while another already does. Checked at every step, so
    // without allocating until it does.
    let Some((later, _)) = believers().find(|(_, since)| *since == s.step) else {
        return;
    };
    if believers().nth(1).is_none() {
        return;
    }
    let holders: Vec<(&Client, u32)> = believers().collect();
    let who: Vec<String> = holders.iter().map(|(c, _)| format!("client {} ({})", c.number, c.lock_value())).collect();
    let causes: Vec<String> =
        holders.iter().filter(|(c, _)| c.number != later.number).map(|(c, _)| why_two_holders(s, h, c, later)).collect();
    out.push(Breach {
        severity: Severity::Observation,
        message: format!(
            "{} {} believe they hold the lock: {}.",
            who.join(" and "),
            if who.len() == 2 { "both" } else { "all" },
            causes.join("; ")
        ),
        steps: holders.iter().map(|(_, since)| *since).collect(),
    });
}

fn own_lock_release(s: &Snapshot<'_, LockNode>, h: &LockHistory, out: &mut Vec<Breach>) {
    let Some(r) = redis(s) else { return };
    let name = |id: NodeId| r.names.get(id as usize).map_or("?", String::as_str);
    for d in h.foreign_releases.iter().rev().take_while(|d| d.step == s.step) {
        let (by, owner) = (name(d.by), name(d.owner));
        let message = if d.other_incarnation {
            format!(
                "{} deleted its lock {} with a release from another incarnation (it restarted in between): the lock \
                 it deleted is not the one that release was meant for.",
                cap(Some(&by.to_string())),
                d.value
            )
        } else if d.plain {
            format!(
                "{} released with a plain DEL and deleted {owner}'s lock {}: anyone may now take it while {owner} still \
                 works.",
                cap(Some(&by.to_string())),
                d.value
            )
        } else {
            format!(
                "{}'s compare-and-delete deleted {owner}'s lock {}: the two used the same lock value.",
                cap(Some(&by.to_string())),
                d.value
            )
        };
        out.push(Breach { severity: Severity::Observation, message, steps: vec![d.set_step, d.step] });
    }
}

fn cap(name: Option<&String>) -> String {
    faultline_sim::trace::capitalized(name.map_or("?", String::as_str))
}

/// The invariants and observations, checked after every step.
pub fn invariants() -> [Invariant<LockNode, LockHistory>; 3] {
    [
        Invariant { name: NO_LOST_UPDATE, check: no_lost_update },
        Invariant { name: SINGLE_HOLDER, check: single_holder },
        Invariant { name: OWN_LOCK_RELEASE, check: own_lock_release },
    ]
}

/// Random faults drawn from the seed (a stream of their own), within the stretch of time the clients are busy
/// (about `clients × rounds × (ttl + work + retry)`, at most the run): crashes of any node with a restart,
/// pauses, clock drift and jumps, partitions that heal, and delays of single messages.
pub fn random_faults(p: &LockParams, seed: u64) -> FaultPlan {
    let clients = u64::from(p.clients);
    let ttl_us = (p.ttl_ms * US_PER_MS).max(US_PER_MS);
    let busy_us = clients * u64::from(p.rounds) * (ttl_us + (p.work_ms + p.retry_ms) * US_PER_MS);
    FaultMix {
        nodes: p.clients + 2,
        window_us: (busy_us + 500 * US_PER_MS).min(p.run_ms * US_PER_MS),
        min_dur_us: 20 * US_PER_MS,
        max_dur_us: 2 * ttl_us.max(20 * US_PER_MS),
        max_jump_us: ttl_us,
        max_drift_ppm: 200_000,
        // Roughly how many messages the clients exchange: delays pick among them.
        messages: clients * u64::from(p.rounds) * 8,
        stream: 0xfa17,
    }
    .draw(p.random_faults, seed)
}

/// The nodes (clients, then Redis, then the storage), the network and the faults the parameters imply.
fn setup(p: &LockParams, seed: u64) -> Setup<LockNode> {
    let n = p.clients;
    let (redis_id, storage_id) = (n, n + 1);
    let mut names: Vec<String> = (1..=n).map(|i| format!("client {i}")).collect();
    names.push("redis".into());
    names.push("storage".into());
    let cfg = ClientConfig {
        redis: redis_id,
        storage: storage_id,
        ttl_ms: p.ttl_ms,
        work_ms: p.work_ms,
        retry_ms: p.retry_ms,
        start_jitter_ms: p.start_jitter_ms,
        reply_timeout_ms: p.reply_timeout_ms,
        rounds: p.rounds,
        safe_release: p.safe_release,
    };
    let mut nodes: Vec<(NodeInfo, LockNode)> = (1..=n)
        .map(|i| {
            let info = NodeInfo { name: format!("client {i}"), role: "client".into() };
            (info, LockNode::Client(Client::new(i, cfg.clone())))
        })
        .collect();
    nodes.push((
        NodeInfo { name: "redis".into(), role: "redis".into() },
        LockNode::Redis(Redis::new(p.fencing, p.persistence, names.clone())),
    ));
    nodes.push((
        NodeInfo { name: "storage".into(), role: "storage".into() },
        LockNode::Storage(Storage::new(p.fencing, names)),
    ));

    let mut faults = FaultPlan::new();
    if p.redis_drift_ppm != 0 {
        faults.push(0, Fault::ClockDrift { node: redis_id, ppm: p.redis_drift_ppm });
    }
    if p.gc_pause_ms > 0 {
        let pause = Fault::Pause { node: p.gc_client - 1, for_us: p.gc_pause_ms * US_PER_MS };
        faults.push(p.gc_at_ms * US_PER_MS, pause);
    }
    faults.0.extend(random_faults(p, seed).0);
    let net = NetConfig::with_latency_us(p.latency_min_ms * US_PER_MS, p.latency_max_ms * US_PER_MS);
    Setup::new(nodes, net, faults, p.run_ms * US_PER_MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "Each client takes the lock with SET lock <its unique value> NX PX <ttl>: the key is set only if nobody \
               has it, and Redis deletes it by itself after the TTL, so a crashed client cannot block everyone \
               forever. Holding the lock, the client reads the counter from the storage, works for a while, writes \
               the counter plus one, and releases the lock.",
    },
    Section {
        title: "What to watch",
        body: "Client 1 takes the lock and is frozen by a stop-the-world GC pause (the hatched bar). Its lease on the \
               Redis lane ends while it sleeps; client 2 takes the lock, reads and writes. Then client 1 wakes up, \
               still believing it holds the lock, and writes a value computed before the pause.",
    },
    Section {
        title: "Why it fails",
        body: "A lock with a timeout is a lease: it ends whether or not its holder is done. A paused process cannot \
               notice that time passed — and checking the lease before writing does not help, because the pause can \
               strike between the check and the write. So client 1's late write overwrites client 2's update: a \
               lost update. With a plain DEL, client 1 also deletes the lock that now belongs to client 2.",
    },
    Section {
        title: "Why fencing fixes it",
        body: "Turn on fencing: every successful SET also hands out a token that grows by one each time. Clients send \
               it with every read and write, and the storage rejects any request whose token is lower than the \
               highest it has seen. Client 1's token is older than client 2's, so its late write is refused and the \
               counter stays right. Two clients still believed they held the lock for a while — the lock alone \
               cannot prevent that — but the storage no longer depends on it. Redis has no fencing tokens of its \
               own (SET NX PX answers just OK): here the SET runs in a script that also INCRs a counter and returns \
               it.",
    },
    Section {
        title: "When Redis restarts",
        body: "A token is only as good as the counter behind it. The persistence knob says what Redis keeps when its \
               machine loses power: nothing (none), its append-only file as of the last once-a-second fsync \
               (aof-everysec), or everything it acknowledged (aof-always). Lose the counter and Redis hands out a \
               token it gave before: two holders share it, and the storage accepts both writes. Fencing needs a \
               token source that never goes back — Kleppmann suggests a consensus system's counter.",
    },
    Section {
        title: "Under faults",
        body: "Crash, restart, pause, cut or delay anything by clicking its name, or set random_faults. Each round's \
               lock value is random, so a release from before a restart cannot delete a newer lock; clients ignore \
               late replies to requests they no longer wait for, give up on a request after reply_timeout_ms, and \
               count their lease from when they sent the SET. Simplified: one Redis node, and a crash is the \
               machine's.",
    },
    Section {
        title: "Unsafe release",
        body: "Set safe_release to false and make client 2 work longer than client 1's pause: when client 1 wakes it \
               releases with a plain DEL and deletes client 2's lock, so a third client could take it while client 2 \
               still works. The safe release deletes the key only if it still holds the client's own value.",
    },
    Section {
        title: "Source",
        body: "Martin Kleppmann, \"How to do distributed locking\" (2016), whose diagram this scenario animates; the \
               Redis documentation of SET with NX and PX, of the compare-and-delete release script, and of \
               persistence (appendfsync always and everysec).",
    },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "redis-lock",
    title: "Redis lock: GC pause, lost update, fencing tokens",
    summary: "a client paused past its lock's TTL writes after another took the lock; fencing tokens reject it",
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
        Sample::check("unsafe-release", "clients=4,rounds=3,safe_release=false"),
        Sample::check("fast-redis-clock", "redis_drift_ppm=150000,work_ms=450"),
        Sample::check("restarts", "fencing=true,persistence=aof-everysec,random_faults=20"),
        Sample::long_run("long", "clients=8,rounds=300,run_ms=3600000"),
    ],
    broken: &[
        Broken { sets: "fencing=false", invariants: &[NO_LOST_UPDATE], seeds: 100 },
        Broken { sets: "fencing=true,persistence=none,random_faults=20", invariants: &[NO_LOST_UPDATE], seeds: 2_000 },
        Broken { sets: "safe_release=false,work_ms=600,clients=3", invariants: &[OWN_LOCK_RELEASE], seeds: 100 },
    ],
    holds: &["fencing=true,persistence=aof-always"],
    sizes: &["clients", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

impl Model for RedisLock {
    type Node = LockNode;
    type Params = LockParams;
    type History = LockHistory;

    fn observe(history: &mut LockHistory, step: &Snapshot<'_, LockNode>) {
        checker::observe(history, step)
    }

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &LockParams) -> Result<(), ParamError> {
        if p.gc_client > p.clients {
            return Err(ParamError::Conflict(format!(
                "gc_client = {} but there are only {} clients",
                p.gc_client, p.clients
            )));
        }
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)
    }

    fn setup(&self, p: &LockParams, seed: u64) -> Setup<LockNode> {
        setup(p, seed)
    }

    fn invariants(&self) -> Vec<Invariant<LockNode, LockHistory>> {
        invariants().to_vec()
    }
}
