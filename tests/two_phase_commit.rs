//! Two-phase commit, its cooperative termination protocol and three-phase commit: the message counts of the
//! paper, and seed sweeps with random faults — which protocol blocks, which breaks atomicity under which faults,
//! and that the broken variants are found. Every failure message carries the command that reproduces it.

use faultline::scenarios::two_phase_commit::msg::Msg;
use faultline::scenarios::two_phase_commit::{TwoPhaseCommit, ATOMICITY, BLOCKED, VALIDITY};
use faultline::sim::{sweep, Describe, EventKind, FaultPlan, Params, RunOptions, Scenario, SweepSummary, Trace};

/// Seeds per random-fault sweep (about a second each).
const SEEDS: u64 = 10_000;

fn params(sets: &str) -> Params {
    TwoPhaseCommit.params_with(sets).expect("valid test parameters")
}

fn sweep_with(sets: &str, seeds: u64) -> SweepSummary {
    sweep(&TwoPhaseCommit, &params(sets), seeds, |_| {}).expect("valid sweep")
}

fn run(sets: &str, faults: &str) -> Trace {
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{errors:?}");
    TwoPhaseCommit.run(&params(sets), 1, &plan, &RunOptions::default()).expect("valid run")
}

/// A failure-free run's message count without the acknowledgements, the acknowledgements, and the message
/// delays from the first send until the last `Commit` arrives (the latency is exactly `latency_ms`).
fn accounting(t: &Trace, latency_ms: u64) -> (u32, u32, u64) {
    let sends: Vec<(&str, u64)> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Send { label, arrives_at_us, .. } => Some((label.as_str(), *arrives_at_us)),
            _ => None,
        })
        .collect();
    let ack = Msg::Ack.describe();
    let acks = sends.iter().filter(|(l, _)| *l == ack).count() as u32;
    let first = t.events.iter().find(|e| matches!(e.kind, EventKind::Send { .. })).map_or(0, |e| e.at_us);
    let last_commit = sends.iter().filter(|(l, _)| *l == "Commit").map(|(_, at)| *at).max().unwrap_or(first);
    (sends.len() as u32 - acks, acks, (last_commit - first) / (latency_ms * 1_000))
}

fn violations(s: &SweepSummary, invariant: &str) -> u64 {
    s.violations.get(invariant).copied().unwrap_or(0)
}

/// Gray & Lamport's accounting for a failure-free commit, the initiating participant's `Prepared` starting the
/// protocol and acknowledgements not counted: 3N−1 messages and 4 message delays with the coordinator on its own
/// node (N = 5: 14). Here the latency is exactly 10 ms and forcing a record takes no time, so the last `Commit`
/// arrives 40 ms after participant 1 sent its `Prepared`; the N acknowledgements come on top.
#[test]
fn a_failure_free_commit_takes_3n_minus_1_messages_and_4_message_delays() {
    for n in [2u32, 3, 5, 7] {
        let t = run(&format!("participants={n},latency_min_ms=10,latency_max_ms=10,fsync_ms=0"), "");
        assert_eq!(accounting(&t, 10), (3 * n - 1, n, 4), "N = {n}: messages, acknowledgements, message delays");
        assert_eq!(t.violations().count(), 0);
    }
}

/// Gray & Lamport's accounting for Paxos Commit's failure-free commit: the initiating participant's `BeginCommit`,
/// `Prepare` to the others, each participant's ballot-0 vote to F+1 acceptors, one bundled `Phase2b` from each
/// of those acceptors, and the decision: (N+1)(F+3)−2 messages (N = 5, F = 1: 22) and 5 message delays;
/// acknowledgements not counted.
#[test]
fn paxos_commit_takes_n_plus_1_times_f_plus_3_minus_2_messages_and_5_message_delays() {
    for n in [2u32, 3, 5, 7] {
        for f in [1u32, 2] {
            let sets = format!(
                "protocol=paxos-commit,participants={n},acceptor_faults={f},latency_min_ms=10,latency_max_ms=10,fsync_ms=0"
            );
            let t = run(&sets, "");
            assert_eq!(accounting(&t, 10), ((n + 1) * (f + 3) - 2, n, 5), "N = {n}, F = {f}");
            assert_eq!(t.violations().count(), 0);
        }
    }
}

/// The coordinator crashes for good at a random moment — and with Paxos Commit up to F acceptors as well: plain
/// 2PC blocks in many runs, cooperative termination in fewer, three-phase commit and Paxos Commit in none, and no
/// protocol breaks atomicity.
#[test]
fn only_paxos_commit_and_3pc_never_block_when_the_coordinator_dies() {
    let blocked = |s: &SweepSummary| s.observations.get(BLOCKED).copied().unwrap_or(0);
    let mut counts = Vec::new();
    for protocol in ["2pc", "2pc-ctp", "3pc", "paxos-commit"] {
        let s = sweep_with(&format!("protocol={protocol},random_faults=2,fault_mix=coordinator"), SEEDS);
        assert_eq!(s.violations, Default::default(), "{protocol}: {:?}", s.first_failure);
        counts.push(blocked(&s));
    }
    assert!(counts[0] > SEEDS / 10 && counts[1] < counts[0], "2pc {} vs 2pc-ctp {}", counts[0], counts[1]);
    assert_eq!(counts[2..], [0, 0], "3pc and paxos-commit never block");
    // F = 2: the coordinator and two of five acceptors.
    let s = sweep_with("protocol=paxos-commit,acceptor_faults=2,random_faults=3,fault_mix=coordinator", SEEDS);
    assert_eq!((s.violations.len(), blocked(&s)), (0, 0), "{s:?}");
}

#[test]
fn paxos_commit_keeps_atomicity_under_every_fault() {
    let s = sweep_with("protocol=paxos-commit,random_faults=6,fault_mix=all", SEEDS);
    assert_eq!(s.violations, Default::default(), "{:?}", s.first_failure);
}

/// The canonical failure: a coordinator crash after the prepares blocks every prepared participant, holding its
/// locks, until the coordinator recovers.
#[test]
fn plain_2pc_blocks_until_the_coordinator_recovers() {
    let timed = "latency_min_ms=10,latency_max_ms=10,fsync_ms=20";
    let t = run(timed, "crash:0@100000");
    let blocked: Vec<&str> = t.breaches(faultline::sim::Severity::Observation).map(|(_, inv, _, _)| inv).collect();
    assert_eq!(blocked, [BLOCKED; 3], "all three participants are blocked");
    assert_eq!(t.violations().count(), 0);
    let t = run(timed, "crash:0@100000,restart:0@1500000");
    let aborts = t
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Note { text, .. } if text == "aborts: locks released"))
        .count();
    assert_eq!(aborts, 3, "the recovered coordinator presumes abort and every participant learns it");
}

#[test]
fn plain_2pc_never_breaks_atomicity_and_blocks_while_the_coordinator_is_down() {
    let restarts = sweep_with("random_faults=6,fault_mix=crash-restart", SEEDS);
    assert_eq!(restarts.violations, Default::default(), "{:?}", restarts.first_failure);
    let stops = sweep_with("random_faults=6,fault_mix=crash-stop", SEEDS);
    assert_eq!(stops.violations, Default::default(), "{:?}", stops.first_failure);
    let blocked = |s: &SweepSummary| s.observations.get(BLOCKED).copied().unwrap_or(0);
    // A coordinator that stays down blocks its prepared participants for good; one that restarts within the
    // fault's duration (here at most 750 ms, under blocked_ms) rarely for a whole second.
    assert!(blocked(&stops) > SEEDS / 20, "{} of {SEEDS}", blocked(&stops));
    assert!(blocked(&restarts) < blocked(&stops), "{} vs {}", blocked(&restarts), blocked(&stops));
}

#[test]
fn cooperative_termination_is_safe_under_every_fault_and_blocks_less() {
    let all = "random_faults=6,fault_mix=all";
    let ctp = sweep_with(&format!("protocol=2pc-ctp,{all}"), SEEDS);
    assert_eq!(ctp.violations, Default::default(), "{:?}", ctp.first_failure);
    let plain = sweep_with(&format!("protocol=2pc,{all}"), SEEDS);
    assert_eq!(plain.violations, Default::default(), "{:?}", plain.first_failure);
    let blocked = |s: &SweepSummary| s.observations.get(BLOCKED).copied().unwrap_or(0);
    assert!(blocked(&ctp) < blocked(&plain), "ctp {} vs 2pc {}", blocked(&ctp), blocked(&plain));
}

#[test]
fn three_phase_commit_holds_under_crash_stop_and_breaks_under_partitions() {
    let crash_stop = sweep_with("protocol=3pc,random_faults=4,fault_mix=crash-stop", SEEDS);
    assert_eq!(crash_stop.violations, Default::default(), "{:?}", crash_stop.first_failure);
    assert_eq!(crash_stop.observations.get(BLOCKED), None, "3PC does not block when processes only crash");
    let partitions = sweep_with("protocol=3pc,random_faults=4,fault_mix=partitions", SEEDS);
    assert!(violations(&partitions, ATOMICITY) > 0, "{partitions:?}");
    assert_eq!(violations(&partitions, VALIDITY), 0, "a partition breaks atomicity, never validity");
}

/// Lost messages: a lost Prepare or vote ends in abort, a lost decision is asked for again — 2PC, cooperative
/// termination and Paxos Commit stay atomic with 10% of all messages lost. A lost PreCommit is a partition in
/// miniature: 3PC's timeout rule commits on one side and aborts on the other.
#[test]
fn with_lost_messages_only_three_phase_commit_loses_atomicity() {
    for protocol in ["2pc", "2pc-ctp", "paxos-commit"] {
        let s = sweep_with(&format!("protocol={protocol},loss_pct=10"), SEEDS / 5);
        assert_eq!(s.violations, Default::default(), "{protocol}: {:?}", s.first_failure);
    }
    let s = sweep_with("protocol=3pc,loss_pct=10", SEEDS / 5);
    assert!(violations(&s, ATOMICITY) > 0, "{s:?}");
    assert_eq!(violations(&s, VALIDITY), 0, "{s:?}");
}

/// The broken variants are found by the generic test of every declared broken variant (`tests/scenarios.rs`);
/// here, the correct coordinator holds with the same faults and the same slow log as `force_decision=false`.
#[test]
fn a_coordinator_that_forces_its_decision_first_holds_where_the_broken_one_fails() {
    let s = sweep_with("fsync_ms=50,random_faults=6,fault_mix=all", SEEDS);
    assert_eq!(s.violations, Default::default(), "{:?}", s.first_failure);
}

#[test]
fn a_no_vote_aborts_everyone_and_never_commits() {
    for n in 2..=7u32 {
        for voter in 1..=n {
            let t = run(&format!("participants={n},no_voter={voter}"), "");
            assert_eq!(t.violations().count(), 0);
            let commits =
                t.events.iter().filter(|e| matches!(&e.kind, EventKind::Send { label, .. } if label == "Commit"));
            assert_eq!(commits.count(), 0, "N = {n}, no from {voter}");
        }
    }
}
