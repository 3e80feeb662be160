//! # Thundering herd: a cache stampede, and the mitigations that work
//!
//! **The setup.** C clients (1,000 by default, up to 10,000), spread over app servers, read keys through a shared
//! cache in front of a database. Each client thinks for a random time (exponential, `requests_per_min` on
//! average), reads a key (one hot key by default; uniform or Zipf popularity over `keys`), and on a miss the app
//! recomputes the value with a database query and `SET`s it with a TTL. The database runs at most `db_limit`
//! queries at once; the rest queue, so a query's time grows with the work queued before it, and a query that
//! waited past `db_timeout_ms` is refused. A client gives up after `timeout_ms`.
//!
//! **The failure.** When the hot key expires, every client that reads it before the new value is back misses —
//! and recomputes. Hundreds of identical queries arrive together, the queue grows, every recompute gets slower,
//! so more clients miss in the meantime: a stampede. With the queue past the timeout, queries are refused or
//! their clients gave up, the value may not come back at all, and the load stays high — the herd keeps the cache
//! cold.
//!
//! **The mitigations** (the `mitigation` parameter; see [`app`] for each one's rule):
//! `single-flight` (one recompute per key per process — so one per app server, not one in all), `lock-lease` (one
//! in the cluster, by a lock in the cache whose holder can die), `jittered-ttl` (spreads expiries of keys set
//! together), `stale-while-revalidate` (serve the old value during a grace window while one client refreshes it)
//! and `xfetch` (recompute early with a probability that grows near the expiry, so at a steady request rate the
//! key rarely expires at all).
//!
//! **Invariants** (observations, since nothing here breaks safety): `stampede` — more than `stampede_k`
//! recomputes of one key at once; `database-overload` — the database refused a query that waited too long.
//!
//! **Sources.** Vattani, Chierichetti & Lowenstein, "Optimal Probabilistic Cache Stampede Prevention" (VLDB 2015)
//! for XFetch and the stampede model; Go's `golang.org/x/sync/singleflight` for single-flight; RFC 5861 for
//! stale-while-revalidate; the Redis documentation's `SET NX PX` for the lock.
//!
//! **Simplifications.** The database's query time is a constant ±10% once a connection is free (contention
//! inside the database is not modelled: the queue alone makes the herd slow); values carry no data, only their
//! generation; the clients of a server are simulated by that server's node (a crowd: the trace keeps the
//! followed clients' events in full and the others as a digest).

pub mod app;
pub mod by_key;
pub mod cache;
pub mod chapters;
pub mod database;
pub mod msg;

use app::{App, AppConfig};
use cache::{Cache, CacheConfig};
use database::{Database, DatabaseConfig};
use faultline_sim::{
    Aggregate, Breach, Broken, Crowd, Effect, FaultPlan, Invariant, Model, NetConfig, NodeInfo, ParamError, Sample,
    ScenarioInfo, Section, SeriesSpec, Setup, Severity, Snapshot, View, CROWD_MAX_STEPS, US_PER_MS,
};
use msg::{Layout, Msg, Timer};
use std::sync::Arc;

const MS: u64 = US_PER_MS;

faultline_sim::choice! {
    /// How a miss is handled (the `mitigation` parameter).
    pub enum Mitigation {
        /// Every miss recomputes.
        None = "none",
        /// One recompute per key per app server; the others wait for it.
        SingleFlight = "single-flight",
        /// One recompute per key in the cluster, under a lock with a lease in the cache.
        LockLease = "lock-lease",
        /// TTLs drawn from [ttl·(1−j), ttl·(1+j)].
        JitteredTtl = "jittered-ttl",
        /// Serve the stale value for a grace window while one client refreshes it.
        StaleWhileRevalidate = "stale-while-revalidate",
        /// Probabilistic early recomputation.
        Xfetch = "xfetch",
    }
}

faultline_sim::choice! {
    /// How often each key is read.
    pub enum Popularity {
        /// Every key equally.
        Uniform = "uniform",
        /// Key k (from 1) in proportion to 1/k.
        Zipf = "zipf",
    }
}

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct HerdParams in PARAMS {
        mitigation: Mitigation = choice("none", Mitigation::OPTIONS, "How a miss is handled: none, single-flight, lock-lease, jittered-ttl, stale-while-revalidate, xfetch."),
        clients: u32 = int(1_000, 1, 10_000, "", "Clients reading through the cache."),
        app_servers: u32 = int(4, 1, 16, "", "App servers the clients are spread over (single-flight works per server)."),
        requests_per_min: u32 = int(60, 1, 6_000, "/min", "How often each client reads, on average (think times are exponential)."),
        keys: u32 = int(1, 1, 10_000, "", "Keys read (key 0 is the hottest)."),
        popularity: Popularity = choice("zipf", Popularity::OPTIONS, "How reads spread over the keys (with more than one)."),
        ttl_ms: u64 = int(5_000, 10, 600_000, "ms", "How long a value stays fresh in the cache."),
        recompute_ms: u64 = int(200, 1, 60_000, "ms", "How long the database takes to recompute a value, once it has a connection for the query."),
        db_limit: u32 = int(20, 1, 1_000, "", "Queries the database runs at once (its connections); the rest queue."),
        db_timeout_ms: u64 = int(1_000, 1, 600_000, "ms", "A query that waited this long in the queue is refused."),
        timeout_ms: u64 = int(1_000, 1, 600_000, "ms", "A client gives up on a request after this long."),
        jitter_pct: u32 = int(20, 0, 100, "%", "jittered-ttl: j, the TTL's spread either way."),
        grace_ms: u64 = int(2_000, 0, 600_000, "ms", "stale-while-revalidate: how long an expired value may still be served."),
        beta_pct: u32 = int(100, 1, 1_000, "%", "xfetch: β in percent (100: β = 1; larger recomputes earlier)."),
        lease_ms: u64 = int(1_000, 1, 600_000, "ms", "lock-lease: how long the recompute lock is held unless released."),
        poll_ms: u64 = int(50, 1, 60_000, "ms", "lock-lease: how long a client that found the lock taken waits before reading again."),
        stampede_k: u32 = int(10, 1, 10_000, "", "More than this many recomputes of one key at once is a stampede (an observation)."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(2, 0, 5_000, "ms", "Largest one-way network latency."),
        run_ms: u64 = int(60_000, 100, 600_000, "ms", "Time horizon of the run."),
    }
}

pub const CANONICAL_SEED: u64 = 1;

pub const STAMPEDE: &str = "stampede";
pub const OVERLOAD: &str = "database-overload";

faultline_sim::node_enum! {
    /// The scenario's node kinds.
    #[derive(Clone, Debug)]
    pub enum HerdNode / HerdLook (Msg, Timer, ()) {
        App(App),
        Cache(Cache),
        Database(Database),
    }
}

/// The checker's history: the stampede threshold, and what was reported.
#[derive(Clone, Debug, Default)]
pub struct HerdHistory {
    pub stampede_k: u32,
}

fn database<'a>(s: &'a Snapshot<'_, HerdNode>) -> Option<&'a Database> {
    match s.nodes.last() {
        Some(HerdNode::Database(d)) => Some(d),
        _ => None,
    }
}

fn stampede(s: &Snapshot<'_, HerdNode>, h: &HerdHistory, out: &mut Vec<Breach>) {
    let Some(db) = database(s).filter(|_| s.actor == Some(s.nodes.len() as u32 - 1)) else { return };
    let Some(key) = db.last_key else { return };
    if db.active_of(key) == h.stampede_k + 1 {
        out.push(Breach {
            severity: Severity::Observation,
            message: format!(
                "a stampede on k{key}: {} clients are recomputing the same value at once — every one of them missed \
                 after it expired, and each queries the database for the same rows",
                h.stampede_k + 1
            ),
            steps: vec![s.step],
        });
    }
}

fn overload(s: &Snapshot<'_, HerdNode>, _h: &HerdHistory, out: &mut Vec<Breach>) {
    let Some(db) = database(s).filter(|_| s.actor == Some(s.nodes.len() as u32 - 1)) else { return };
    let refuses = |e: &Effect<Msg, Timer, ()>| matches!(e, Effect::Send { msg: Msg::Result { ok: false, .. }, .. });
    if s.effects.iter().any(refuses) {
        // The same words every time: reported once, at the first refusal.
        out.push(Breach {
            severity: Severity::Observation,
            message: format!(
                "the database is overloaded: queries wait for its {} connections so long that it refuses them — \
                 their clients had given up already, and the work they asked for was never used",
                db.cfg.limit
            ),
            steps: vec![s.step],
        });
    }
}

pub fn invariants() -> [Invariant<HerdNode, HerdHistory>; 2] {
    [Invariant { name: STAMPEDE, check: stampede }, Invariant { name: OVERLOAD, check: overload }]
}

/// Cumulative popularity of the keys.
fn popularity(p: &HerdParams) -> Arc<[f64]> {
    let weight = |k: u32| match p.popularity {
        Popularity::Uniform => 1.0,
        Popularity::Zipf => 1.0 / f64::from(k + 1),
    };
    let total: f64 = (0..p.keys).map(weight).sum();
    let mut acc = 0.0;
    (0..p.keys)
        .map(|k| {
            acc += weight(k);
            if k + 1 == p.keys {
                1.0
            } else {
                acc / total
            }
        })
        .collect()
}

/// The clients followed in full by default: the first of each of two app servers.
const FOLLOWED: [u32; 2] = [0, 1];

fn setup(p: &HerdParams, seed: u64) -> Setup<HerdNode> {
    use rand::{RngExt, SeedableRng};
    let layout = Layout { app_servers: p.app_servers };
    let info = |id, role: &str| NodeInfo { name: layout.name(id), role: role.into() };
    let cfg = AppConfig {
        layout,
        clients: p.clients,
        mitigation: p.mitigation,
        think_us: 60_000_000 / u64::from(p.requests_per_min),
        timeout_us: p.timeout_ms * MS,
        ttl_us: p.ttl_ms * MS,
        jitter_pct: p.jitter_pct,
        beta_x100: p.beta_pct,
        lease_us: p.lease_ms * MS,
        poll_us: p.poll_ms * MS,
        popularity: popularity(p),
    };
    let mut nodes: Vec<_> =
        (0..p.app_servers).map(|id| (info(id, "app server"), HerdNode::App(App::new(cfg.clone(), id)))).collect();
    // The cache was warmed at deploy time: every key set at 0, with the TTL the mitigation draws.
    let mut rng = faultline_sim::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0x4e7d);
    let ttl = p.ttl_ms * MS;
    let j = if p.mitigation == Mitigation::JitteredTtl { ttl * u64::from(p.jitter_pct) / 100 } else { 0 };
    let warm_ttls_us = (0..p.keys).map(|_| rng.random_range(ttl - j..=ttl + j)).collect();
    let grace_us = if p.mitigation == Mitigation::StaleWhileRevalidate { p.grace_ms * MS } else { 0 };
    let cache = CacheConfig {
        keys: p.keys,
        warm_ttls_us,
        warm_delta_us: (p.recompute_ms * MS) as i64,
        grace_us,
        revalidate_lease_us: p.timeout_ms * MS,
    };
    nodes.push((info(layout.cache(), "cache"), HerdNode::Cache(Cache::new(cache))));
    let db = DatabaseConfig {
        limit: p.db_limit,
        service_us: p.recompute_ms * MS,
        queue_timeout_us: p.db_timeout_ms * MS,
    };
    nodes.push((info(layout.database(), "database"), HerdNode::Database(Database::new(db))));
    let net = NetConfig::with_latency_us(p.latency_min_ms * MS, p.latency_max_ms * MS);
    // Every client reads about once per think time, each read a few steps; room for ten times that.
    let reads = u64::from(p.clients) * p.run_ms * u64::from(p.requests_per_min) / 60_000;
    let max_steps = (reads * 40 + 100_000).min(u64::from(CROWD_MAX_STEPS)) as u32;
    let follow = FOLLOWED.iter().copied().filter(|&c| c < p.clients).collect();
    Setup::new(nodes, net, FaultPlan::new(), p.run_ms * MS).with_crowd(Crowd {
        follow,
        max_steps,
        max_queue: 4 * p.clients as usize + 10_000,
    })
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The setup",
        body: "A thousand clients read a hot key through a shared cache. When the value expires, a client that misses \
               recomputes it with a query to the database and puts it back with a TTL. The database runs 20 queries \
               at once; the others queue.",
    },
    Section {
        title: "What to watch",
        body: "Each square is a client: green served from the cache, blue waiting for a recompute, red failed. At the \
               expiry, watch the database's queue and the recomputes per second jump: every client that reads the key \
               before the new value is back recomputes it — hundreds of identical queries, each slower than the last. \
               Switch the mitigation and compare the charts.",
    },
    Section {
        title: "Why the fixes work",
        body: "single-flight lets one request per key per server recompute while the others wait for its result — one \
               per app server, since the table is per process; a lock in the cache makes it one in the cluster, but a \
               holder that dies leaves the others waiting for its lease. Jittered TTLs keep keys set together from \
               expiring together. stale-while-revalidate serves the old value while one client refreshes it. XFetch \
               recomputes before the expiry with a probability that grows as it nears, so at a steady request rate \
               the key rarely expires at all and only a handful of recomputes ever overlap.",
    },
    Section {
        title: "Break it",
        body: "keys = 100 with popularity = uniform, ttl_ms = 10000 and recompute_ms = 150: a hundred keys warmed \
               together expire together, the queue outgrows the timeouts, and the cache never recovers — jittered \
               TTLs serve the same load. Crash the cache (click it) and restart it: a cold cache is a stampede on \
               every key. Crash an app server while it holds the lock of lock-lease: the others wait out the lease.",
    },
    Section {
        title: "Source",
        body: "Andrea Vattani, Flavio Chierichetti and Keegan Lowenstein, \"Optimal Probabilistic Cache Stampede \
               Prevention\" (PVLDB 8(8), 2015) — XFetch: recompute when now − Δ·β·ln(rand()) ≥ expiry. Go's \
               golang.org/x/sync/singleflight (Group.Do). RFC 5861, HTTP Cache-Control extensions for stale content \
               (stale-while-revalidate). Simplified: a database query takes a constant time once it has a \
               connection; values carry no data.",
    },
];

static SERIES: &[SeriesSpec] = &[
    SeriesSpec { metric: "recomputes/s", label: "recomputes started /s (database)", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "recomputes, last expiry", label: "recomputes of k0's latest expiry", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "db queue", label: "database queue", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "db running", label: "database queries running", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "hit %", label: "cache hit ratio %", aggregate: Aggregate::Latest },
    SeriesSpec { metric: "p50 ms", label: "latency p50 ms (slowest app server)", aggregate: Aggregate::Max },
    SeriesSpec { metric: "p99 ms", label: "latency p99 ms (slowest app server)", aggregate: Aggregate::Max },
    SeriesSpec { metric: "failed/s", label: "failed requests /s", aggregate: Aggregate::Sum },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "thundering-herd",
    title: "Thundering herd: a cache stampede",
    summary: "a hot key expires and every client that misses recomputes it at once; single-flight, jittered TTLs, stale-while-revalidate and XFetch",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    mitigation: Some("mitigation"),
    views: &[View::Population { states: &app::ClientState::LABELS }, View::Charts(SERIES)],
    samples: &[
        Sample::golden("stampede", "clients=100,run_ms=12000"),
        Sample::check("xfetch", "clients=200,mitigation=xfetch,run_ms=12000"),
        Sample::check("lock-lease", "clients=200,mitigation=lock-lease,run_ms=12000"),
        Sample::bench("thousand", ""),
        Sample::long_run("thousand-browser", "clients=1000"),
        Sample::long_run("ten-thousand", "clients=10000"),
    ],
    broken: &[Broken { sets: "run_ms=12000", invariants: &[STAMPEDE], seeds: 3 }],
    holds: &["clients=100"],
    sizes: &["clients", "app_servers", "keys"],
    ..ScenarioInfo::DEFAULT
};

pub struct ThunderingHerd;

impl Model for ThunderingHerd {
    type Node = HerdNode;
    type Params = HerdParams;
    type History = HerdHistory;

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &HerdParams) -> Result<(), ParamError> {
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)?;
        ParamError::check_order("app_servers", p.app_servers, "clients", p.clients)
    }

    fn setup(&self, p: &HerdParams, seed: u64) -> Setup<HerdNode> {
        setup(p, seed)
    }

    fn history(&self, p: &HerdParams) -> HerdHistory {
        HerdHistory { stampede_k: p.stampede_k }
    }

    fn invariants(&self) -> Vec<Invariant<HerdNode, HerdHistory>> {
        invariants().to_vec()
    }
}
