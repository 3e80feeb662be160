//! The counterexample search over every scenario: it finds each broken variant the scenario declares, finds
//! nothing where the scenario says the protocol holds, and its shrunk counterexample breaks the same invariant,
//! is no larger than the original on any measure, and is reproduced by its own repro inputs.

use faultline::scenarios;
use faultline::sim::search::{candidate, failure, first_failure, shrink, Failure, Shape};
use faultline::sim::{Params, RunOptions, Scenario};

/// Search candidates `0..budget` in order for a breach of `invariant` (any violation when `None`).
fn search(s: &dyn Scenario, p: &Params, invariant: Option<&str>, budget: u64) -> Option<(u64, Failure)> {
    let shape = Shape::probe(s, p).unwrap_or_else(|e| panic!("{}: {e}", s.id()));
    first_failure(s, p, &shape, 0, invariant, 0..budget)
}

fn params(s: &dyn Scenario, sets: &str) -> Params {
    s.params_with(sets).unwrap_or_else(|e| panic!("{}: `{sets}`: {e}", s.id()))
}

#[test]
fn the_search_finds_every_broken_variant_and_shrinks_it() {
    for s in scenarios::all() {
        for b in s.info().broken {
            let p = params(*s, b.sets);
            let found = b.invariants.iter().find_map(|inv| search(*s, &p, Some(inv), b.seeds.min(2_000)));
            let (i, f) =
                found.unwrap_or_else(|| panic!("{} `{}`: no breach of {:?} found", s.id(), b.sets, b.invariants));
            let sh = shrink(*s, &f, 300);
            let (before, after) = (sh.before.measures(*s), sh.after.measures(*s));
            assert_eq!(sh.after.invariant, f.invariant, "{} `{}` candidate {i}", s.id(), b.sets);
            assert!(after.within(&before), "{} `{}`: {before:?} → {after:?}", s.id(), b.sets);
            // The shrunk run, from its own inputs, breaks the same invariant at the same step.
            let again = failure(*s, &sh.after.params, sh.after.seed, &sh.after.faults, Some(&f.invariant));
            assert_eq!(again.as_ref(), Some(&sh.after), "{} `{}`", s.id(), b.sets);
        }
    }
}

#[test]
fn the_search_finds_nothing_where_the_protocol_holds() {
    for s in scenarios::all() {
        for sets in s.info().holds {
            let p = params(*s, sets);
            let budget = if s.id() == "raft" { 300 } else { 1_000 };
            if let Some((i, f)) = search(*s, &p, None, budget) {
                panic!("{} `{sets}`: candidate {i} broke {}: {}\n{}", s.id(), f.invariant, f.message, f.reproduce(*s));
            }
        }
    }
}

/// Shrinking the Redis lock's lost update (fencing on, but Redis restarts without persistence) ends at one fault:
/// Redis's own crash and restart, which hands out the same token twice.
#[test]
fn shrinking_finds_the_one_fault_that_matters() {
    let s = scenarios::find("redis-lock").unwrap();
    let p = params(s, "fencing=true");
    let (_, f) = search(s, &p, None, 2_000).expect("a lost update");
    let sh = shrink(s, &f, 5_000);
    let m = sh.after.measures(s);
    assert!(m.faults <= 1 && m.steps < f.steps, "{} → {}", f.faults.to_compact(), sh.after.faults.to_compact());
    assert!(
        sh.after.faults.to_compact().contains("crash:2@"),
        "Redis (node 2) crashes: {}",
        sh.after.faults.to_compact()
    );
    let t = s.run(&sh.after.params, sh.after.seed, &sh.after.faults, &RunOptions::default()).unwrap();
    assert_eq!(t.violations().next().map(|(_, inv, _, _)| inv), Some("no-lost-update"));
}

/// With every latency the same and no crash to choose, the exhaustive check has nothing to choose but the order
/// of items due at the same instant: its deepest path is the ordinary run, step for step, and it meets the same
/// breach as the ordinary run does.
#[test]
fn with_no_choice_the_exhaustive_check_walks_the_ordinary_run() {
    use faultline::sim::check::Bounds;
    let s = scenarios::find("redis-lock").unwrap();
    for (sets, breaks) in
        [("gc_pause_ms=0,latency_min_ms=5,latency_max_ms=5", false), ("latency_min_ms=5,latency_max_ms=5", true)]
    {
        let p = params(s, sets);
        let t = s.run(&p, s.canonical_seed(), &Default::default(), &RunOptions::default()).unwrap();
        let c = s.check(&p, s.canonical_seed(), 0, Bounds::default(), &mut |_, _| {}).unwrap();
        assert_eq!(c.report.stopped, None, "{sets}");
        let first = t.violations().next();
        match first {
            None => {
                assert!(!breaks && c.report.counterexample.is_none(), "{sets}");
                assert_eq!(c.report.max_depth, t.steps + 1, "{sets}: one level per step, the start included");
            }
            Some((_, inv, message, _)) => {
                let cx = c.report.counterexample.as_ref().expect(sets);
                assert!(breaks && (cx.invariant.as_str(), cx.message.as_str()) == (inv, message), "{sets}: {cx:?}");
                assert_eq!(c.replay, Some(Default::default()), "{sets}: the ordinary run is its own replay");
            }
        }
    }
}

/// A lean run (breaches only: what searches, sweeps and the checker use) is the same run as a fully recorded one:
/// the same steps, end, outcome and breaches, for every scenario under swarm-drawn faults.
#[test]
fn a_lean_run_is_the_same_run() {
    use faultline::sim::Severity;
    for s in scenarios::all() {
        let sets: Vec<&str> = s.info().broken.iter().map(|b| b.sets).chain(s.info().holds.iter().copied()).collect();
        for sets in sets {
            let p = params(*s, sets);
            let shape = Shape::probe(*s, &p).unwrap();
            for i in 0..8 {
                let (seed, faults) = candidate(7, i, &shape);
                let full = s.run(&p, seed, &faults, &RunOptions::default()).unwrap();
                let lean = s.run(&p, seed, &faults, &RunOptions::LEAN).unwrap();
                let breaches = |t: &faultline::sim::Trace| {
                    [Severity::Violation, Severity::Observation]
                        .into_iter()
                        .flat_map(|sev| {
                            t.breaches(sev)
                                .map(|(e, inv, m, _)| (e.step, inv.to_string(), m.to_string()))
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                };
                let what = format!("{} `{sets}` candidate {i}", s.id());
                assert_eq!(
                    (lean.steps, lean.end_us, &lean.outcome),
                    (full.steps, full.end_us, &full.outcome),
                    "{what}"
                );
                assert_eq!(breaches(&lean), breaches(&full), "{what}");
                assert!(lean.events.len() <= breaches(&full).len(), "{what}: a lean run records breaches only");
            }
        }
    }
}
