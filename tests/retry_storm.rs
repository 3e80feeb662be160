//! The retry storm's proof, as orderings over seeds (the AWS Architecture Blog's "Exponential Backoff and
//! Jitter" and its simulator): with clients contending for one row, exponential backoff without jitter makes more
//! calls and takes longer than full jitter; equal jitter makes about as many calls as full jitter but takes
//! longer; decorrelated jitter lies between full jitter and no jitter in calls; the work of every strategy grows
//! faster than the number of clients. In an outage, a retry budget keeps the load from multiplying.

use faultline::scenarios::retry_storm::RetryStorm;
use faultline::sim::{EventKind, FaultPlan, RunOptions, Scenario, Trace};

fn run(sets: &str, seed: u64) -> Trace {
    let p = RetryStorm.params_with(sets).unwrap();
    let t = RetryStorm.run(&p, seed, &FaultPlan::new(), &RunOptions::default()).unwrap();
    assert!(t.outcome.limit_message().is_none() || matches!(t.outcome, faultline::sim::Outcome::TimeLimit { .. }));
    t
}

/// The most calls the service saw in one second (its charted rate).
fn peak_calls(t: &Trace) -> i64 {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Metric { name, value, .. } if name == "calls/s" => Some(*value),
            _ => None,
        })
        .max()
        .unwrap()
}

/// Mean final (calls, completion ms) over three seeds; every client must have succeeded.
fn contention(backoff: &str, clients: u32) -> (f64, f64) {
    let (mut calls, mut done) = (0.0, 0.0);
    for seed in 0..3 {
        let m = run(&format!("backoff={backoff},clients={clients},run_ms=120000"), seed).final_metrics();
        assert_eq!(m["succeeded"], i64::from(clients), "{backoff}, {clients} clients, seed {seed}: {m:?}");
        calls += m["calls"] as f64 / 3.0;
        done += m["completed at ms"] as f64 / 3.0;
    }
    (calls, done)
}

#[test]
fn jitter_beats_plain_exponential_backoff_and_full_jitter_does_the_least_work() {
    let [none, expo, equal, decorrelated, full] =
        ["none", "exponential", "equal-jitter", "decorrelated-jitter", "full-jitter"].map(|b| contention(b, 190));
    assert!(none.0 > expo.0, "no backoff makes the most calls: {none:?} vs {expo:?}");
    assert!(expo.0 > 1.5 * full.0 && expo.1 > 5.0 * full.1, "exponential {expo:?} vs full jitter {full:?}");
    assert!((equal.0 - full.0).abs() < 0.1 * full.0 && equal.1 > full.1, "equal {equal:?} vs full {full:?}");
    assert!(full.0 < decorrelated.0 && decorrelated.0 < expo.0, "decorrelated {decorrelated:?} between");
}

#[test]
fn the_work_grows_faster_than_the_number_of_clients() {
    for backoff in ["exponential", "decorrelated-jitter", "full-jitter"] {
        let (small, big) = (contention(backoff, 10).0, contention(backoff, 190).0);
        assert!(big / small > 19.0 * 1.5, "{backoff}: {small} calls for 10 clients, {big} for 190");
    }
}

/// A slow service is worse than a failing one: clients that time out and call again send it several times its
/// load while it still owes every earlier answer; a retry budget keeps the load near normal.
#[test]
fn a_slow_service_gets_a_multiple_of_its_load_unless_retries_are_budgeted() {
    let peak = |sets: &str| peak_calls(&run(&format!("workload=outage,run_ms=12000,timeout_ms=250,{sets}"), 1));
    let (normal, slow, budget) = (peak("outage_ms=0"), peak("slow_ms=3000"), peak("slow_ms=3000,retry_budget=true"));
    assert!(slow > 3 * normal, "slow {slow} vs normal {normal}");
    assert!(budget < 2 * normal, "budget {budget} vs normal {normal}");
}

/// During an outage clients that retry at once multiply the load; a retry budget caps the retries at its tokens
/// plus a tenth of the successes, and the calls stay near the clients' own rate.
#[test]
fn a_retry_budget_keeps_an_outage_from_multiplying_the_load() {
    let peak = peak_calls;
    for seed in 0..3 {
        let storm = run("workload=outage,backoff=none,run_ms=12000", seed);
        let capped = run("workload=outage,backoff=none,retry_budget=true,run_ms=12000", seed);
        let (s, c) = (storm.final_metrics(), capped.final_metrics());
        assert!(peak(&storm) > 20 * peak(&capped), "{} vs {}", peak(&storm), peak(&capped));
        assert!(c["retries"] <= 10 + c["succeeded"] / 10, "{c:?}");
        assert!(s["calls"] > 10 * c["calls"], "{s:?} vs {c:?}");
    }
}
