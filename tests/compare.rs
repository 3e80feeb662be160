//! The compare view's claim: the same failure under two-phase commit and under the saga. Each scenario carries
//! its run into the other (`Counterpart::translate`); these tests pin the translation of the chapters the view is
//! for, and what the two runs then show side by side.

use faultline::scenarios::saga::INTERMEDIATE;
use faultline::scenarios::two_phase_commit::BLOCKED;
use faultline::scenarios::{find, saga::Saga, two_phase_commit::TwoPhaseCommit};
use faultline::sim::{EventKind, FaultPlan, RunOptions, Scenario, Trace, Translated};
use std::collections::BTreeMap;

fn translate(s: &dyn Scenario, sets: &str, faults: &str) -> (Translated, Trace, Trace) {
    let c = s.counterpart().expect("a counterpart");
    let p = s.params_with(sets).unwrap();
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty());
    let t = (c.translate)(&p, 1, &plan);
    let other = find(c.scenario).unwrap();
    let q = other.params_with(&t.sets).unwrap();
    let this = s.run(&p, 1, &plan, &RunOptions::default()).unwrap();
    let that = other.run(&q, 1, &t.faults, &RunOptions::default()).unwrap();
    (t, this, that)
}

/// Each node's last value of a metric at the end of the run, summed.
fn last_sum(t: &Trace, metric: &str) -> i64 {
    let mut last = BTreeMap::new();
    for e in &t.events {
        if let EventKind::Metric { node, name, value } = &e.kind {
            if name == metric {
                last.insert(*node, *value);
            }
        }
    }
    last.values().sum()
}

fn observed(t: &Trace, invariant: &str) -> bool {
    t.events.iter().any(|e| matches!(&e.kind, EventKind::Breach(b) if b.invariant == invariant))
}

/// Two-phase commit's coordinator dies after its Prepares and stays down: the participants block holding their
/// locks. The saga's orchestrator dies at the same point of the transaction: nothing is locked, nothing blocks —
/// and the half-booked trip stands for every reader to see, because no one is left to compensate it.
#[test]
fn a_dead_coordinator_blocks_two_phase_commit_and_strands_a_half_done_saga() {
    let timed = "latency_min_ms=10,latency_max_ms=10,fsync_ms=20";
    let (t, tx, saga) = translate(&TwoPhaseCommit, timed, "crash:0@100000");
    assert_eq!(t.sets, "steps=3,fail_step=0,latency_min_ms=10,latency_max_ms=10,loss_pct=0,run_ms=3000");
    assert_eq!(t.faults.to_compact(), "crash:0@50000", "50 ms of work earlier");
    assert!(observed(&tx, BLOCKED));
    assert_eq!(last_sum(&tx, "locks held"), 3, "every participant still holds its lock at the end");
    assert_eq!(saga.violations().count(), 0);
    assert!(observed(&saga, INTERMEDIATE));
    assert_eq!(last_sum(&saga, "bookings standing"), 3, "flight, hotel and car stay booked: no locks, no isolation");
}

/// The saga's orchestrator crashes mid-saga and restarts: it resumes from its log and compensates. Under
/// two-phase commit the same outage keeps the prepared participants in doubt, locks held, until the coordinator
/// is back; then it presumes abort.
#[test]
fn an_orchestrator_outage_costs_two_phase_commit_its_locks_for_the_whole_outage() {
    let timed = "latency_min_ms=10,latency_max_ms=10";
    let (t, saga, tx) = translate(&Saga, timed, "crash:0@25000,restart:0@300000");
    assert_eq!(
        t.sets,
        "protocol=2pc,participants=3,no_voter=3,work_ms=50,latency_min_ms=10,latency_max_ms=10,loss_pct=0,run_ms=3000"
    );
    assert_eq!(t.faults.to_compact(), "crash:0@75000,restart:0@350000", "50 ms of work later");
    assert_eq!((saga.violations().count(), last_sum(&saga, "bookings standing")), (0, 0), "compensated");
    assert_eq!(tx.violations().count(), 0);
    assert_eq!(last_sum(&tx, "locks held"), 0, "released in the end");
    // Participant 1 prepared before the crash and held its lock in doubt until the coordinator's Abort.
    let held = tx.events.iter().filter_map(|e| match &e.kind {
        EventKind::Metric { node: 1, name, value } if name == "lock-held ms" => Some(*value),
        _ => None,
    });
    assert!(held.max().unwrap() >= 350 - 75 + 50, "participant 1 held its lock through the outage");
}

/// Faults on nodes the counterpart lacks are left out and said so; faults on message ids never carry; loss does.
#[test]
fn what_does_not_carry_over_is_named() {
    let (t, _, _) = translate(&TwoPhaseCommit, "participants=7,no_voter=7", "crash:6@1000,drop:3@0,pause:2:5000@80000");
    assert_eq!(t.sets, "steps=5,fail_step=0,latency_min_ms=2,latency_max_ms=10,loss_pct=0,run_ms=3000");
    assert_eq!(t.faults.to_compact(), "pause:2:5000@30000");
    assert!(t.note.contains("participants 6 to 7") && t.note.contains("2 faults"), "{}", t.note);
    let (t, _, _) = translate(&Saga, "loss_pct=10", "");
    assert!(t.sets.contains("loss_pct=10"), "{}", t.sets);
}
