//! Redlock: the sweeps that prove the algorithm alone does not keep one holder under faults and that a token source
//! fences it, and Kleppmann's counterexamples as the chapters tell them.

use faultline::scenarios::redlock::{Redlock, NO_LOST_UPDATE, SINGLE_HOLDER};
use faultline::sim::{sweep, FaultPlan, Params, RunOptions, Scenario, Severity, SweepSummary, Trace};

/// Seeds with twenty random faults each (no scripted partition or clock jump).
const FAULTY_SEEDS: u64 = 10_000;

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = Redlock.default_params();
    for (k, v) in sets {
        p.set(k, v).expect("valid test parameter");
    }
    p
}

fn faulty(tokens: &str) -> SweepSummary {
    let sets = [("cut_masters", "0"), ("jump_master", "0"), ("random_faults", "20"), ("token_source", tokens)];
    sweep(&Redlock, &params(&sets), FAULTY_SEEDS, |_| {}).expect("valid sweep")
}

fn run(sets: &[(&str, &str)], faults: &str) -> Trace {
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{errors:?}");
    Redlock.run(&params(sets), Redlock.canonical_seed(), &plan, &RunOptions::default()).expect("valid run")
}

fn broke(t: &Trace, invariant: &str) -> bool {
    t.breaches(Severity::Violation).any(|(_, name, _, _)| name == invariant)
}

/// Random faults break Redlock's single holder in a measured fraction of seeds (printed); with a token source no
/// update is lost in any of them.
#[test]
fn redlock_breaks_under_faults_and_a_token_source_fences_it() {
    let plain = faulty("false");
    let split = plain.violations.get(SINGLE_HOLDER).copied().unwrap_or(0);
    println!("Redlock with 20 random faults: single-holder broken in {split} of {FAULTY_SEEDS} seeds");
    assert!(split > 0, "{plain:?}");
    let fenced = faulty("true");
    assert!(fenced.violations.is_empty(), "{:?}: {}", fenced.first_failure, fenced.reproduce().unwrap_or_default());
    assert_eq!(fenced.limits_hit, 0);
}

/// Kleppmann's counterexamples: the clock jump; the pause in flight, caught by the elapsed-time check and not
/// without it; the pause after the check; and the token source.
#[test]
fn kleppmanns_counterexamples_and_the_elapsed_time_check() {
    let jump = run(&[], "");
    assert!(broke(&jump, SINGLE_HOLDER) && broke(&jump, NO_LOST_UPDATE));
    assert_eq!(
        run(&[("jump_master", "0")], "").violations().count(),
        0,
        "without the jump, the partition alone is fine"
    );
    let calm = [("cut_masters", "0"), ("jump_master", "0")];
    let in_flight = "pause:0:1500000@20000";
    let checked = run(&calm, in_flight);
    assert_eq!(checked.violations().count(), 0);
    assert!(checked.events.iter().any(|e| checked.describe(e).contains("too late — releases on every master")));
    assert!(broke(&run(&[&calm[..], &[("check_validity", "false")]].concat(), in_flight), SINGLE_HOLDER));
    assert!(broke(&run(&calm, "pause:0:1500000@70000"), NO_LOST_UPDATE));
    let fenced = run(&[("token_source", "true")], "");
    assert_eq!(fenced.violations().count(), 0);
    assert!(fenced.events.iter().any(|e| fenced.describe(e).contains("rejected client 1: token 1 < 2")));
}
