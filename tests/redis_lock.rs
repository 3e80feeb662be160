//! Seed sweeps over the Redis-lock scenario: the broken variant fails, the fixed one holds.
//! Every failure message carries the exact command that reproduces it.

use faultline::scenarios::redis_lock::client::Phase;
use faultline::scenarios::redis_lock::{self, LockNode, LockParams, NO_LOST_UPDATE, OWN_LOCK_RELEASE, SINGLE_HOLDER};
use faultline::sim::{
    sweep, EventKind, Fault, FaultPlan, Model, Params, RunOptions, Scenario, Severity, SweepSummary, Trace,
};

const SEEDS: u64 = 1_000;
/// Sweeps with random faults (crashes and restarts of any node, pauses, clock drift and jumps, partitions,
/// message delays) run this many seeds: about a second each.
const FAULTY_SEEDS: u64 = 10_000;

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = redis_lock::RedisLock.default_params();
    for (k, v) in sets {
        p.set(k, v).expect("valid test parameter");
    }
    p
}

fn sweep_with(sets: &[(&str, &str)]) -> SweepSummary {
    sweep_n(sets, SEEDS)
}

fn sweep_n(sets: &[(&str, &str)], seeds: u64) -> SweepSummary {
    sweep(&redis_lock::RedisLock, &params(sets), seeds, |_| {}).expect("valid sweep")
}

fn run(sets: &[(&str, &str)], seed: u64, faults: &str) -> Trace {
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{errors:?}");
    redis_lock::RedisLock.run(&params(sets), seed, &plan, &RunOptions::default()).expect("valid run")
}

/// The nodes as the run left them.
fn final_nodes(sets: &[(&str, &str)], seed: u64, faults: &str) -> Vec<LockNode> {
    let (plan, _) = FaultPlan::parse_compact(faults);
    let mut sim = redis_lock::RedisLock.sim(&params(sets), seed, &plan, &RunOptions::default()).expect("valid run");
    while sim.step() {}
    sim.nodes().to_vec()
}

fn notes(t: &Trace) -> Vec<&str> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// The id and time of the first message from `from` whose label starts with `label`.
fn first_send(t: &Trace, from: u32, label: &str) -> (u64, u64) {
    t.events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Send { from: f, id, label: l, .. } if *f == from && l.starts_with(label) => {
                Some((u64::from(*id), e.at_us))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no message `{label}` from node {from}"))
}

fn observations<'a>(t: &'a Trace, name: &str) -> Vec<&'a str> {
    t.breaches(Severity::Observation).filter(|(_, inv, _, _)| *inv == name).map(|(_, _, m, _)| m).collect()
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
        vec![("fencing", "true"), ("persistence", "aof-everysec"), ("clients", "3"), ("rounds", "2")],
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
    assert!(!message.contains("fencing token"), "no fencing, no token to blame: {message}");
    assert!(message.contains("client 2 had written"), "{message}");
    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|&s| s <= event.step), "causes precede the breach");
    // The pause struck client 1 while it believed it held the lock, and its lease expired under it.
    let two = observations(&t, SINGLE_HOLDER);
    assert_eq!(two.len(), 1);
    assert!(two[0].contains("client 1's lease (c1-") && two[0].contains("expired by Redis's clock"), "{}", two[0]);
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

// ---- Random faults: the proof that the fix holds beyond the story's one pause ----

#[test]
fn fencing_with_a_token_source_that_never_goes_back_holds_under_random_faults() {
    for sets in [
        &[("fencing", "true"), ("persistence", "aof-always"), ("random_faults", "20")][..],
        &[
            ("fencing", "true"),
            ("persistence", "aof-always"),
            ("random_faults", "40"),
            ("clients", "3"),
            ("rounds", "3"),
        ],
    ] {
        let r = sweep_n(sets, FAULTY_SEEDS);
        assert!(
            r.violations.is_empty(),
            "{sets:?} broke {:?}: {}; reproduce with: {}",
            r.violations,
            r.first_failure.clone().unwrap_or_default(),
            r.reproduce().unwrap_or_default()
        );
        // The faults did bite: the lock alone failed often; fencing made it harmless.
        let two = r.observations.get(SINGLE_HOLDER).copied().unwrap_or(0);
        assert!(two > FAULTY_SEEDS / 10, "{sets:?}: only {two} runs with two holders: {r:?}");
        println!("{sets:?}: 0 violations in {FAULTY_SEEDS} runs; two holders in {two}");
    }
}

#[test]
fn fencing_with_a_token_counter_that_a_restart_loses_is_broken_by_a_sweep_that_says_why() {
    for persistence in ["none", "aof-everysec"] {
        let r = sweep_n(&[("fencing", "true"), ("persistence", persistence), ("random_faults", "20")], FAULTY_SEEDS);
        let lost = r.violations.get(NO_LOST_UPDATE).copied().unwrap_or(0);
        assert!(lost > 0, "{persistence}: no lost update in {FAULTY_SEEDS} seeds: {r:?}");
        let why = r.first_failure.clone().unwrap_or_default();
        assert!(why.contains("Redis handed it out twice"), "{why}");
        assert!(why.contains(&format!("persistence = {persistence}")), "{why}");
        println!("persistence={persistence}: {lost} of {FAULTY_SEEDS} runs lose an update: {why}");
        println!("reproduce with: {}", r.reproduce().unwrap_or_default());
    }
}

#[test]
fn without_fencing_random_faults_lose_updates() {
    let r = sweep_n(&[("random_faults", "20")], FAULTY_SEEDS);
    let lost = r.violations.get(NO_LOST_UPDATE).copied().unwrap_or(0);
    assert!(lost > 0, "{r:?}");
    println!(
        "no fencing: {lost} of {FAULTY_SEEDS} runs lose an update; reproduce with: {}",
        r.reproduce().unwrap_or_default()
    );
}

#[test]
fn random_faults_come_from_the_seed_and_cover_every_kind() {
    let p = LockParams::from(&params(&[("random_faults", "200"), ("clients", "3")]));
    let a = redis_lock::random_faults(&p, 5);
    assert_eq!(a, redis_lock::random_faults(&p, 5));
    assert_ne!(a, redis_lock::random_faults(&p, 6));
    let kinds: std::collections::BTreeSet<&str> = a
        .entries()
        .iter()
        .map(|e| match e.fault {
            Fault::Crash { .. } => "crash",
            Fault::Restart { .. } => "restart",
            Fault::Pause { .. } => "pause",
            Fault::ClockDrift { .. } => "drift",
            Fault::ClockJump { .. } => "jump",
            Fault::Cut { .. } => "cut",
            Fault::HealAll => "healall",
            Fault::DelayMessage { .. } => "delay",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["crash", "cut", "delay", "drift", "healall", "jump", "pause", "restart"]
    );
    // Every node is struck, Redis and the storage included.
    for node in 0..5 {
        assert!(a.entries().iter().any(|e| e.fault.nodes().contains(&node)), "node {node}");
    }
    assert!(redis_lock::random_faults(&LockParams::from(&params(&[])), 5).is_empty(), "off by default");
}

// ---- The commands, each pinned to its corrected outcome ----

/// `faultline run redis-lock --seed 2 --set fencing=true --faults crash:2@100000,restart:2@110000`: Redis loses
/// power while client 1 (token 1) is paused. The trace says what survived; without persistence the counter goes
/// back, token 1 is handed out twice, and the lost update names that cause. With aof-always fencing holds.
#[test]
fn a_redis_restart_says_what_survived_and_fencing_needs_a_counter_that_never_goes_back() {
    const CRASH: &str = "crash:2@100000,restart:2@110000";
    for persistence in ["none", "aof-everysec"] {
        let t = run(&[("fencing", "true"), ("persistence", persistence)], 2, CRASH);
        let restart = notes(&t).into_iter().find(|n| n.starts_with("restarted")).expect("a restart note");
        assert!(restart.contains("key lock (c1-") && restart.contains("is gone"), "{restart}");
        assert!(restart.contains("the token counter went back from 1 to 0"), "{restart}");
        let v: Vec<_> = t.violations().collect();
        assert_eq!(v.len(), 1, "{persistence}");
        assert!(v[0].2.contains("Both held fencing token 1: Redis handed it out twice"), "{}", v[0].2);
        let two = observations(&t, SINGLE_HOLDER);
        assert!(two[0].contains("Redis restarted and lost client 1's key"), "{}", two[0]);
    }
    let t = run(&[("fencing", "true"), ("persistence", "aof-always")], 2, CRASH);
    let restart = notes(&t).into_iter().find(|n| n.starts_with("restarted")).expect("a restart note");
    assert!(restart.starts_with("restarted from its AOF (appendfsync always): key lock = c1-"), "{restart}");
    assert!(restart.ends_with("is back; the token counter is 1"), "{restart}");
    assert_eq!(t.violations().count(), 0);
    assert!(notes(&t).contains(&"rejected write from client 1: token 1 < 2"), "{:?}", notes(&t));
    // The kernel no longer claims a durable state Redis may not have: the scenario says what came back.
    assert!(t.events.iter().any(|e| t.describe(e) == "FAULT: redis restarts"));
    // The original command, seed 6: there the restart loses client 2's key, and the counter goes back, as
    // the note says; no two holders happen to share a token, so no update is lost.
    let t = run(&[("fencing", "true")], 6, CRASH);
    let restart = notes(&t).into_iter().find(|n| n.starts_with("restarted")).expect("a restart note");
    assert!(restart.starts_with("restarted with nothing on disk (persistence none): key lock (c2-"), "{restart}");
    assert!(restart.contains("the token counter went back from 1 to 0"), "{restart}");
    assert_eq!(t.violations().count(), 0);
}

/// A compare-and-delete sent just before client 1 crashed is held back and arrives after the restarted client 1
/// took the lock again. Its value is that of the earlier incarnation, so it deletes nothing (once values were
/// `c1:1` in every incarnation, and it deleted the new lock). A plain DEL would, and the observation says so.
#[test]
fn a_delayed_release_from_before_a_restart_cannot_delete_the_new_incarnations_lock() {
    let sets = [("gc_pause_ms", "0")];
    let (id, at) = first_send(&run(&sets, 2, ""), 0, "DEL lock if it is");
    let faults = format!("delay:{id}:460000@0,crash:0@{},restart:0@{}", at + 1_000, at + 8_000);
    let t = run(&sets, 2, &faults);
    assert_eq!(t.violations().count(), 0, "{:?}", t.violations().collect::<Vec<_>>());
    assert!(observations(&t, OWN_LOCK_RELEASE).is_empty());
    let kept = notes(&t).into_iter().find(|n| n.contains("not deleted")).expect("the late release arrives");
    assert!(kept.starts_with("lock is c1-") && kept.contains(", not c1-"), "the new incarnation's lock stays: {kept}");

    let (id, at) = first_send(&run(&[("gc_pause_ms", "0"), ("safe_release", "false")], 2, ""), 0, "DEL lock");
    let faults = format!("delay:{id}:460000@0,crash:0@{},restart:0@{}", at + 1_000, at + 8_000);
    let t = run(&[("gc_pause_ms", "0"), ("safe_release", "false")], 2, &faults);
    let flagged = observations(&t, OWN_LOCK_RELEASE);
    // The delayed DEL of the earlier incarnation removes the new incarnation's lock; client 2 takes the free lock,
    // and the new incarnation's own plain DEL, when its write is done, removes client 2's. Both are flagged.
    assert_eq!(flagged.len(), 2, "{flagged:?}");
    assert!(flagged[0].contains("with a release from another incarnation"), "{flagged:?}");
    assert!(flagged[1].contains("released with a plain DEL and deleted client 2's lock"), "{flagged:?}");
}

/// The `(integer) 1` answering client 1's release is held back past a crash and restart of client 1. It reaches
/// the new incarnation while that one holds the lock: it is ignored, the round goes on, and nobody believes in a
/// lock at the end (once the new incarnation took it as its own release, skipped its write and believed forever).
#[test]
fn a_late_reply_meant_for_an_earlier_incarnation_is_ignored() {
    let sets = [("gc_pause_ms", "0")];
    let base = run(&sets, 2, "");
    let (release_id, at) = first_send(&base, 0, "DEL lock if it is");
    let (reply_id, _) = base
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Send { from: 2, to: 0, id, label, .. }
                if u64::from(*id) > release_id && label.starts_with("(integer)") =>
            {
                Some((u64::from(*id), e.at_us))
            }
            _ => None,
        })
        .expect("redis answers the release");
    let faults = format!("delay:{reply_id}:480000@0,crash:0@{},restart:0@{}", at + 1_000, at + 8_000);
    let t = run(&sets, 2, &faults);
    assert!(notes(&t).contains(&"a late reply to a request I no longer wait for: ignored"), "{:?}", notes(&t));
    assert_eq!(t.violations().count(), 0);
    for node in final_nodes(&sets, 2, &faults) {
        if let LockNode::Client(c) = node {
            assert_eq!(c.phase, Phase::Done, "client {} finished its round", c.number);
            assert!(!c.believes_it_holds(), "client {} believes in a lock at the end", c.number);
        }
    }
    // The original commands (seed 6): no lost update, and no client left believing.
    for delay in ["460000", "480000"] {
        let faults = format!("delay:10:{delay}@0,crash:0@133000,restart:0@140000");
        assert_eq!(run(&sets, 6, &faults).violations().count(), 0, "{faults}");
        for node in final_nodes(&sets, 6, &faults) {
            if let LockNode::Client(c) = node {
                assert!(!c.believes_it_holds(), "{faults}: client {} believes at the end", c.number);
            }
        }
    }
}
