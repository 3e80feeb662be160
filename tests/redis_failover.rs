//! Redis failover: the sweeps that measure how far each mitigation narrows the window, and the chapters'
//! stories. Every failure message carries the exact command that reproduces it.

use faultline::scenarios::redis_failover::{RedisFailover, NO_LOST_UPDATE, SINGLE_HOLDER};
use faultline::sim::{sweep, FaultPlan, Params, RunOptions, Scenario, Severity, SweepSummary, Trace};

/// Seeds with the canonical primary crash plus twenty random faults each.
const FAULTY_SEEDS: u64 = 10_000;

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = RedisFailover.default_params();
    for (k, v) in sets {
        p.set(k, v).expect("valid test parameter");
    }
    p
}

fn faulty(mitigation: &str) -> SweepSummary {
    sweep(&RedisFailover, &params(&[("mitigation", mitigation), ("random_faults", "20")]), FAULTY_SEEDS, |_| {})
        .expect("valid sweep")
}

fn run(sets: &[(&str, &str)], faults: &str) -> Trace {
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{errors:?}");
    RedisFailover.run(&params(sets), RedisFailover.canonical_seed(), &plan, &RunOptions::default()).expect("valid run")
}

fn broke(t: &Trace, invariant: &str) -> bool {
    t.breaches(Severity::Violation).any(|(_, name, _, _)| name == invariant)
}

/// Fencing at the storage closes the window: no update lost in 10,000 faulty seeds. WAIT 1 and delayed starts
/// narrow it — measured fractions, printed — without closing it.
#[test]
fn wait_and_delayed_start_narrow_the_window_and_fencing_closes_it() {
    let holders = |r: &SweepSummary| r.violations.get(SINGLE_HOLDER).copied().unwrap_or(0);
    let none = faulty("none");
    for m in ["wait", "delayed-start"] {
        let r = faulty(m);
        println!(
            "mitigation = {m}: single-holder broken in {} of {FAULTY_SEEDS} seeds (none: {})",
            holders(&r),
            holders(&none)
        );
        assert!(holders(&r) > 0, "{m} does not close the window: {r:?}");
        assert!(holders(&r) * 10 < holders(&none), "{m} narrows it at least tenfold: {r:?} vs {none:?}");
    }
    let fenced = faulty("fencing");
    assert!(fenced.violations.is_empty(), "{:?}: {}", fenced.first_failure, fenced.reproduce().unwrap_or_default());
    assert_eq!(fenced.limits_hit, 0);
}

/// The chapters' stories: the documented race; WAIT saves it; the replica's clock beats WAIT; a delayed start
/// and fencing hold.
#[test]
fn the_story_race_wait_clock_delayed_start_fencing() {
    let race = run(&[], "");
    assert!(broke(&race, SINGLE_HOLDER) && broke(&race, NO_LOST_UPDATE));
    assert!(race.events.iter().any(|e| race.describe(e).contains("promoted: now the primary")));
    assert_eq!(run(&[("mitigation", "wait")], "").violations().count(), 0);
    let clock = [
        ("mitigation", "wait"),
        ("crash_primary_at_ms", "150"),
        ("restart_primary_after_ms", "500"),
        ("ttl_ms", "2000"),
        ("work_ms", "1500"),
    ];
    assert!(broke(&run(&clock, "jump:3:800000@0"), SINGLE_HOLDER));
    assert_eq!(run(&clock, "").violations().count(), 0, "with a correct clock WAIT holds here");
    assert_eq!(run(&[("mitigation", "delayed-start")], "").violations().count(), 0);
    let fenced = run(&[("mitigation", "fencing")], "");
    assert_eq!(fenced.violations().count(), 0);
    assert!(fenced.events.iter().any(|e| fenced.describe(e).contains("rejected client 1: token 1 < 2")));
}
