//! Seed sweeps over the Raft scenario with random faults: the correct protocol keeps every safety invariant,
//! and each broken variant is found, with the exact command that reproduces it.

use faultline::scenarios::raft::{self, ELECTION_SAFETY, LEADER_COMPLETENESS, SPLIT_VOTES, STATE_MACHINE_SAFETY};
use faultline::sim::{repro_command, sweep, FaultPlan, Params, RunOptions, Scenario, Severity};

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = raft::Raft.default_params();
    for (k, v) in sets {
        p.set(k, v).expect("valid test parameter");
    }
    p
}

/// A harsh setting: three servers, many short crashes, partitions and pauses, one entry per AppendEntries.
const HARSH: &[(&str, &str)] = &[
    ("servers", "3"),
    ("random_faults", "80"),
    ("run_ms", "10000"),
    ("request_ms", "20"),
    ("max_batch", "1"),
    ("leader_noop", "false"),
];

/// Run seeds in order until one breaks `invariant`; the repro command if one did.
fn find(sets: &[(&str, &str)], invariants: &[&str], seeds: u64) -> Option<String> {
    let p = params(sets);
    (0..seeds).find_map(|seed| {
        let t = raft::Raft.run(&p, seed, &FaultPlan::new(), &RunOptions::default()).unwrap();
        let broke = t.violations().any(|(_, inv, _, _)| invariants.contains(&inv));
        broke.then(|| repro_command("raft", seed, &p, &FaultPlan::new()))
    })
}

#[test]
fn the_correct_protocol_survives_10000_seeds_of_random_faults() {
    let r = sweep(&raft::Raft, &params(&[("random_faults", "20")]), 10_000, |_| {}).unwrap();
    assert!(r.violations.is_empty(), "{:?}; reproduce with: {}", r.violations, r.reproduce().unwrap_or_default());
    assert_eq!(r.limits_hit, 0);
}

#[test]
fn the_correct_protocol_survives_the_harsh_setting() {
    let r = sweep(&raft::Raft, &params(HARSH), 2_000, |_| {}).unwrap();
    assert!(r.violations.is_empty(), "{:?}; reproduce with: {}", r.violations, r.reproduce().unwrap_or_default());
}

#[test]
fn a_forgetful_voter_elects_two_leaders_in_one_term() {
    let sets = [("persist_votes", "false"), ("servers", "3"), ("random_faults", "40")];
    let repro = find(&sets, &[ELECTION_SAFETY], 10_000).expect("a sweep of 10,000 seeds finds two leaders in a term");
    println!("two leaders in one term; reproduce with: {repro}");
}

#[test]
fn committing_an_old_term_by_counting_replicas_loses_a_committed_entry() {
    let mut sets = HARSH.to_vec();
    sets.push(("count_old_terms", "true"));
    let repro = find(&sets, &[STATE_MACHINE_SAFETY, LEADER_COMPLETENESS], 10_000)
        .expect("a sweep of 10,000 seeds finds the Figure 8 loss");
    println!("a committed entry is lost; reproduce with: {repro}");
}

#[test]
fn equal_timeouts_split_the_vote_term_after_term() {
    let broken = sweep(&raft::Raft, &params(&[("randomize_timeouts", "false")]), 200, |_| {}).unwrap();
    let fixed = sweep(&raft::Raft, &params(&[]), 200, |_| {}).unwrap();
    assert!(broken.observations.get(SPLIT_VOTES).copied().unwrap_or(0) >= 190, "{broken:?}");
    assert_eq!(fixed.observations.get(SPLIT_VOTES), None, "{fixed:?}");
    assert!(broken.violations.is_empty() && fixed.violations.is_empty());
}

#[test]
fn the_canonical_run_elects_one_leader_and_commits() {
    let s = &raft::Raft;
    let t = s.run(&s.default_params(), s.canonical_seed(), &FaultPlan::new(), &RunOptions::default()).unwrap();
    let leaders: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            faultline::sim::EventKind::Note { node, text, .. } if text.starts_with("becomes leader") => Some(*node),
            _ => None,
        })
        .collect();
    assert_eq!(leaders.len(), 1, "one stable leader without faults");
    assert_eq!(t.breaches(Severity::Violation).count() + t.breaches(Severity::Observation).count(), 0);
}

#[test]
fn crashing_the_leader_elects_a_new_one_in_a_higher_term() {
    let s = &raft::Raft;
    let p = params(&[("run_ms", "3000")]);
    let (plan, _) = FaultPlan::parse_compact("crash:4@1000000");
    let mut sim = s.start(&p, s.canonical_seed(), &plan, &RunOptions::default()).unwrap();
    while sim.step() {}
    let out = sim.finish_boxed();
    let elected: Vec<(u32, String)> = out
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            faultline::sim::EventKind::Note { node, text, .. } if text.starts_with("becomes leader of term ") => {
                Some((*node, text.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(elected[0].0, 4, "server 5 leads first (the chapters count on it)");
    let term = |t: &str| t["becomes leader of term ".len()..].split(' ').next().unwrap().parse::<u64>().unwrap();
    let last = elected.last().unwrap();
    assert_ne!(last.0, 4);
    assert!(term(&last.1) > term(&elected[0].1), "{elected:?}");
}

/// A span that closes keeps its own label, even when the next span of the same key opens in the same step:
/// with equal timeouts every server stops being the candidate of term 1 as it becomes candidate of term 2.
#[test]
fn a_closed_span_names_what_ended_not_what_began() {
    let p = params(&[("randomize_timeouts", "false"), ("run_ms", "1000")]);
    let t = raft::Raft.run(&p, 1, &FaultPlan::new(), &RunOptions::default()).unwrap();
    let lines: Vec<String> = t.events.iter().map(|e| t.describe(e)).collect();
    let first_close = lines.iter().find(|l| l.contains("no longer candidate")).expect("a candidacy ends");
    assert_eq!(first_close, "server 1: no longer candidate, term 1");
    // Every "no longer X" names a span that was opened before it, never one opened later in its step.
    for (i, e) in t.events.iter().enumerate() {
        if let faultline::sim::EventKind::SpanClose { .. } = e.kind {
            let what = lines[i].split(": no longer ").nth(1).unwrap_or_default();
            assert!(lines[..i].iter().any(|l| l.ends_with(what)), "{}", lines[i]);
        }
    }
}
