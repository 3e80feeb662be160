//! Seed sweeps over the Redis-lock scenario: the broken variant fails, the fixed one holds.
//! Every failure message carries the exact command that reproduces it.

use faultline::scenarios::redis_lock::{self, NO_LOST_UPDATE, OWN_LOCK_RELEASE, SINGLE_HOLDER};
use faultline::sim::{sweep, FaultPlan, Params, RunOptions, Scenario, Severity, SweepSummary};

const SEEDS: u64 = 1_000;

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = redis_lock::RedisLock.default_params();
    for (k, v) in sets {
        p.set(k, v).expect("valid test parameter");
    }
    p
}

fn sweep_with(sets: &[(&str, &str)]) -> SweepSummary {
    sweep(&redis_lock::RedisLock, &params(sets), SEEDS, |_| {}).expect("valid sweep")
}

#[test]
fn without_fencing_a_sweep_finds_lost_updates() {
    let r = sweep_with(&[("fencing", "false")]);
    let lost = r.violations.get(NO_LOST_UPDATE).copied().unwrap_or(0);
    assert!(lost > 0, "no lost update in {SEEDS} seeds: {r:?}");
    let repro = r.reproduce().expect("a failing seed");
    assert!(repro.starts_with("faultline run redis-lock --seed "), "{repro}");
    println!("{lost} of {SEEDS} runs lose an update; reproduce with: {repro}");
}

#[test]
fn with_fencing_no_seed_breaks_an_invariant() {
    for sets in [
        vec![("fencing", "true")],
        vec![("fencing", "true"), ("safe_release", "false"), ("clients", "3"), ("work_ms", "600")],
        vec![("fencing", "true"), ("clients", "4"), ("rounds", "3"), ("redis_drift_ppm", "100000")],
    ] {
        let r = sweep_with(&sets);
        assert!(
            r.violations.is_empty(),
            "fencing must keep the counter safe, but {:?} broke; reproduce with: {}",
            r.violations,
            r.reproduce().unwrap_or_default()
        );
        // The lock itself still fails (two believers): fencing makes that harmless, it does not prevent it.
        assert!(r.observations.get(SINGLE_HOLDER).copied().unwrap_or(0) > 0, "{sets:?}: {r:?}");
    }
}

#[test]
fn the_canonical_seed_reproduces_the_stale_write() {
    let s = &redis_lock::RedisLock;
    let t = s.run(&s.default_params(), s.canonical_seed(), &FaultPlan::new(), &RunOptions::default()).unwrap();
    let v: Vec<_> = t.violations().collect();
    assert_eq!(v.len(), 1, "exactly one lost update in the canonical run");
    let (event, invariant, message, steps) = v[0];
    assert_eq!(invariant, NO_LOST_UPDATE);
    assert!(message.starts_with("Client 1 wrote counter = 1"), "client 1 is the stale writer: {message}");
    assert!(message.contains("client 2 had written"), "{message}");
    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|&s| s <= event.step), "causes precede the breach");
    // The pause struck client 1 while it believed it held the lock.
    assert!(t.breaches(Severity::Observation).any(|(_, inv, _, _)| inv == SINGLE_HOLDER));
}

#[test]
fn fencing_turns_the_canonical_stale_write_into_a_rejection() {
    let s = &redis_lock::RedisLock;
    let p = params(&[("fencing", "true")]);
    let t = s.run(&p, s.canonical_seed(), &FaultPlan::new(), &RunOptions::default()).unwrap();
    assert_eq!(t.violations().count(), 0);
    let rejected = t.events.iter().any(|e| {
        matches!(&e.kind, faultline::sim::EventKind::Note { text, .. } if text.starts_with("rejected write from client 1: token 1 < 2"))
    });
    assert!(rejected, "the storage rejects client 1's stale token");
}

#[test]
fn unsafe_release_deletes_another_clients_lock_and_safe_release_does_not() {
    let unsafe_sweep = sweep_with(&[("safe_release", "false"), ("work_ms", "600")]);
    assert!(unsafe_sweep.observations.get(OWN_LOCK_RELEASE).copied().unwrap_or(0) > 0, "{unsafe_sweep:?}");
    let safe_sweep = sweep_with(&[("safe_release", "true"), ("work_ms", "600")]);
    assert_eq!(safe_sweep.observations.get(OWN_LOCK_RELEASE), None, "{safe_sweep:?}");
}

#[test]
fn no_pause_no_problem() {
    let r = sweep_with(&[("gc_pause_ms", "0"), ("clients", "4"), ("rounds", "3")]);
    assert!(r.violations.is_empty() && r.observations.is_empty(), "{r:?}");
}

#[test]
fn a_fast_redis_clock_alone_breaks_the_lock() {
    // Redis's clock runs 50% fast: keys expire after 2/3 of the TTL the clients count on. With work close to
    // the TTL and no pause at all, leases end under their holders.
    let r = sweep_with(&[("gc_pause_ms", "0"), ("redis_drift_ppm", "200000"), ("work_ms", "450"), ("clients", "3")]);
    assert!(r.observations.get(SINGLE_HOLDER).copied().unwrap_or(0) > 0, "{r:?}");
    assert!(r.violations.get(NO_LOST_UPDATE).copied().unwrap_or(0) > 0, "{r:?}");
}

#[test]
fn conflicting_parameters_are_refused_with_a_clear_message() {
    let s = &redis_lock::RedisLock;
    let err = s.run(&params(&[("gc_client", "3")]), 0, &FaultPlan::new(), &RunOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "gc_client = 3 but there are only 2 clients");
    let err = s.run(&params(&[("latency_min_ms", "20")]), 0, &FaultPlan::new(), &RunOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "latency_min_ms = 20 is above latency_max_ms = 10");
}

#[test]
fn same_inputs_same_trace_across_runs() {
    let s = &redis_lock::RedisLock;
    let p = params(&[("clients", "5"), ("rounds", "3")]);
    let a = s.run(&p, 99, &FaultPlan::new(), &RunOptions::default()).unwrap();
    let b = s.run(&p, 99, &FaultPlan::new(), &RunOptions { record_views: true, ..RunOptions::default() }).unwrap();
    assert_eq!(a.hash, b.hash, "recording views does not change the run");
    assert_eq!(a.events, b.events);
    let c = s.run(&p, 100, &FaultPlan::new(), &RunOptions::default()).unwrap();
    assert_ne!(a.hash, c.hash);
}
