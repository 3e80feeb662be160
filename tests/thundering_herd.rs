//! The cache stampede's proof: the literature's shapes, asserted as orderings over seeds. With no mitigation
//! every miss recomputes and an expiry brings hundreds of identical queries; single-flight brings one per key per
//! app server; a lock in the cache one in the cluster; stale-while-revalidate one per expiry and no failures;
//! XFetch recomputes before the expiry, so the key rarely expires and only a handful of recomputes overlap;
//! jittered TTLs keep keys warmed together from expiring together.

use faultline::scenarios::thundering_herd::{HerdNode, ThunderingHerd, OVERLOAD, STAMPEDE};
use faultline::sim::{FaultPlan, Model, RunOptions, Scenario};

/// What one run did, from the nodes' own counters at its end.
#[derive(Debug, Default)]
struct Totals {
    recomputes: u64,
    misses: u64,
    expiries: u64,
    refused: u64,
    failed: u64,
    requests: u64,
    /// The most recomputes of one key at once, and the recomputes per (key, expiry): the stampede sizes.
    peak: u32,
    sizes: Vec<u32>,
}

fn totals(sets: &str, seed: u64) -> Totals {
    totals_with(sets, seed, "")
}

fn totals_with(sets: &str, seed: u64, faults: &str) -> Totals {
    let p = ThunderingHerd.params_with(sets).unwrap();
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{errors:?}");
    let mut sim = ThunderingHerd.sim(&p, seed, &plan, &RunOptions::default()).unwrap();
    while sim.step() {}
    assert!(sim.outcome().unwrap().limit_message().is_none(), "{sets}: {:?}", sim.outcome());
    let mut t = Totals::default();
    for n in sim.nodes() {
        match n {
            HerdNode::App(a) => {
                t.failed += a.failed;
                t.requests += a.requests;
            }
            HerdNode::Cache(c) => (t.misses, t.expiries) = (c.misses, c.expiries),
            HerdNode::Database(d) => {
                (t.recomputes, t.refused, t.peak) = (d.received, d.refused, d.peak_per_key);
                t.sizes = d.per_generation.values().copied().collect();
            }
        }
    }
    t
}

const SEEDS: u64 = 4;

fn each(sets: &str) -> Vec<Totals> {
    (0..SEEDS).map(|seed| totals(sets, seed)).collect()
}

#[test]
fn with_no_mitigation_every_miss_recomputes_and_an_expiry_brings_hundreds() {
    for t in each("mitigation=none") {
        assert_eq!(t.recomputes, t.misses, "every miss recomputes");
        assert!(t.expiries >= 5, "{t:?}");
        assert!(t.recomputes / t.expiries > 100 && t.peak > 100, "hundreds per expiry: {t:?}");
        assert!(t.refused > 0, "the queue outgrows the timeout: {t:?}");
    }
}

#[test]
fn single_flight_recomputes_once_per_key_per_app_server() {
    for servers in [1, 4] {
        for t in each(&format!("mitigation=single-flight,app_servers={servers}")) {
            assert!(t.peak <= servers, "{servers} servers: {t:?}");
            // About once per server per expiry: a miss that reaches a server just after its flight ended (the
            // `OK` of the SET overtook it) starts another, as it would with Go's singleflight.
            let per_expiry = t.recomputes as f64 / t.expiries as f64;
            assert!(per_expiry >= 1.0 && per_expiry <= 1.5 * f64::from(servers), "{servers}: {t:?}");
        }
    }
}

#[test]
fn a_lock_in_the_cache_recomputes_once_in_the_cluster() {
    for t in each("mitigation=lock-lease") {
        assert_eq!(t.peak, 1, "{t:?}");
        assert_eq!(t.recomputes, t.expiries, "double-checked: one recompute per expiry: {t:?}");
    }
}

/// The lock's holder dies with its recompute (chapter 5: on the canonical seed app 4's client holds it at the
/// first expiry): the others wait out the lease, and many time out; without the crash none does.
#[test]
fn a_lock_holder_that_dies_makes_everyone_wait_out_its_lease() {
    let sets = "mitigation=lock-lease,run_ms=12000";
    let crashed = totals_with(sets, 1, "crash:3@5100000,restart:3@8000000");
    let fine = totals_with(sets, 1, "");
    assert_eq!(fine.failed, 0, "{fine:?}");
    assert!(crashed.failed > 100 && crashed.recomputes > fine.recomputes, "{crashed:?} vs {fine:?}");
}

#[test]
fn stale_while_revalidate_refreshes_once_per_expiry_and_no_client_waits_for_it() {
    for t in each("mitigation=stale-while-revalidate") {
        assert_eq!((t.peak, t.recomputes), (1, t.expiries), "{t:?}");
        assert_eq!((t.misses, t.failed), (0, 0), "{t:?}");
    }
}

/// The paper's claim at a steady request rate: the key is recomputed before it expires, and the recomputes that
/// overlap are a handful — against hundreds with no mitigation, on the same seeds.
#[test]
fn xfetch_recomputes_early_so_the_key_rarely_expires_and_few_recomputes_overlap() {
    let none = each("mitigation=none");
    for (x, n) in each("mitigation=xfetch").iter().zip(&none) {
        assert!(x.expiries <= 1, "{x:?}");
        assert!(x.peak <= 10 && n.peak > 10 * x.peak, "xfetch {} vs none {}", x.peak, n.peak);
        assert!(x.sizes.iter().all(|&s| s <= 10), "stampede sizes {:?}", x.sizes);
        assert_eq!((x.refused, x.failed), (0, 0));
    }
}

/// A hundred keys warmed together expire together: the burst of recomputes overloads the database and the cache
/// never recovers (the herd keeps it cold). Jittered TTLs spread the expiries, and the same load is served.
#[test]
fn jittered_ttls_keep_keys_warmed_together_from_expiring_together() {
    let keys = "keys=100,popularity=uniform,ttl_ms=10000,recompute_ms=150";
    let plain = each(&format!("mitigation=none,{keys}"));
    for (j, n) in each(&format!("mitigation=jittered-ttl,{keys}")).iter().zip(&plain) {
        assert_eq!(j.refused, 0, "{j:?}");
        assert!(n.refused > 1_000 && n.recomputes > 10 * j.recomputes, "none {n:?} vs jittered {j:?}");
    }
}

/// The observations name what happened, in the step it happened.
#[test]
fn the_observations_catch_the_stampede_and_the_overload() {
    let run = |sets: &str| {
        let p = ThunderingHerd.params_with(sets).unwrap();
        ThunderingHerd.run(&p, 1, &FaultPlan::new(), &RunOptions::default()).unwrap()
    };
    let seen = |t: &faultline::sim::Trace, inv: &str| {
        t.events.iter().any(|e| matches!(&e.kind, faultline::sim::EventKind::Breach(b) if b.invariant == inv))
    };
    let none = run("mitigation=none,run_ms=12000");
    assert!(seen(&none, STAMPEDE) && seen(&none, OVERLOAD));
    let fixed = run("mitigation=stale-while-revalidate,run_ms=12000");
    assert!(!seen(&fixed, STAMPEDE) && !seen(&fixed, OVERLOAD));
}

/// At 10,000 clients each app server's agenda holds 2,500 clients' next requests and as many moot deadlines and
/// polls, and drops the moot ones wholesale whenever it has doubled (118 times in the first run here): the runs are
/// the ones they were before that purge existed — their hashes, pinned then (in the encoding of that time, which
/// `compute_hash_v3` keeps) — with an app server crashing and restarting in the second.
#[test]
fn a_crowd_that_purges_its_agenda_runs_as_before() {
    let p = ThunderingHerd.params_with("clients=10000").unwrap();
    for (seed, faults, hash) in
        [(1, "", "82a2fec35b6e6edc"), (4, "crash:1@3000000,restart:1@3100000", "5035d72f49804088")]
    {
        let (plan, errors) = FaultPlan::parse_compact(faults);
        assert!(errors.is_empty(), "{errors:?}");
        let t = ThunderingHerd.run(&p, seed, &plan, &RunOptions::default()).unwrap();
        assert_eq!(t.compute_hash_v3(), hash, "seed {seed}, faults `{faults}`");
    }
}
