//! The etcd lock: the sweeps that prove a session lease alone does not keep one owner under faults and that the
//! lock's revision as a fencing token does, and the chapters' stories.

use faultline::scenarios::etcd_lease::{EtcdLease, NO_LOST_UPDATE, SINGLE_HOLDER};
use faultline::sim::{sweep, FaultPlan, Params, RunOptions, Scenario, Severity, SweepSummary, Trace};

/// Seeds with twenty random faults each (no scripted pause).
const FAULTY_SEEDS: u64 = 10_000;

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = EtcdLease.default_params();
    for (k, v) in sets {
        p.set(k, v).expect("valid test parameter");
    }
    p
}

fn faulty(fencing: &str) -> SweepSummary {
    let sets = [("pause_ms", "0"), ("random_faults", "20"), ("fencing", fencing)];
    sweep(&EtcdLease, &params(&sets), FAULTY_SEEDS, |_| {}).expect("valid sweep")
}

fn run(sets: &[(&str, &str)], faults: &str) -> Trace {
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{errors:?}");
    EtcdLease.run(&params(sets), EtcdLease.canonical_seed(), &plan, &RunOptions::default()).expect("valid run")
}

fn broke(t: &Trace, invariant: &str) -> bool {
    t.breaches(Severity::Violation).any(|(_, name, _, _)| name == invariant)
}

/// Random faults lose updates in a measured fraction of seeds (printed); with the revision as a fencing token none.
#[test]
fn the_revision_as_a_fencing_token_holds_under_random_faults() {
    let plain = faulty("false");
    let lost = plain.violations.get(NO_LOST_UPDATE).copied().unwrap_or(0);
    println!("etcd lock with 20 random faults: an update lost in {lost} of {FAULTY_SEEDS} seeds");
    assert!(lost > 0, "{plain:?}");
    let fenced = faulty("true");
    assert!(fenced.violations.is_empty(), "{:?}: {}", fenced.first_failure, fenced.reproduce().unwrap_or_default());
    assert_eq!(fenced.limits_hit, 0);
}

/// The stories: the paused owner, the owner cut off from etcd whose session ends while it computes, and fencing.
#[test]
fn the_story_pause_partition_fencing() {
    let paused = run(&[], "");
    assert!(broke(&paused, SINGLE_HOLDER) && broke(&paused, NO_LOST_UPDATE));
    assert!(paused.events.iter().any(|e| paused.describe(e).contains("client 1's lease expired")));
    assert_eq!(run(&[("pause_ms", "0")], "").violations().count(), 0);
    let cut = run(&[("pause_ms", "0"), ("work_ms", "1500")], "cut:0=2@200000");
    assert!(broke(&cut, NO_LOST_UPDATE));
    assert!(cut.events.iter().any(|e| cut.describe(e).contains("writes although its session is over")));
    let fenced = run(&[("fencing", "true")], "");
    assert_eq!(fenced.violations().count(), 0);
    assert!(fenced.events.iter().any(|e| fenced.describe(e).contains("rejected client 1: revision 1 < 2")));
}
