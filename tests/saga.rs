//! Sagas: the saga either completes or is compensated under crashes, pauses and lost messages, every request
//! applied once by its idempotency key; without keys the sweep finds a double refund (the generic test of every
//! declared broken variant); and a reader sees half a trip in every run that books more than one step.

use faultline::scenarios::saga::{Saga, APPLIED_ONCE, INTERMEDIATE, SAGA_OUTCOME};
use faultline::sim::{sweep, FaultPlan, RunOptions, Scenario, Severity, SweepSummary};

const SEEDS: u64 = 10_000;

fn sweep_with(sets: &str) -> SweepSummary {
    sweep(&Saga, &Saga.params_with(sets).expect("valid parameters"), SEEDS, |_| {}).expect("valid sweep")
}

#[test]
fn with_idempotency_keys_every_saga_ends_whole_under_crashes_pauses_and_loss() {
    for sets in ["random_faults=6,loss_pct=10,undo_failures=1", "fail_step=0,random_faults=6,loss_pct=10"] {
        let s = sweep_with(sets);
        assert_eq!(s.violations, Default::default(), "{sets}: {:?}", s.first_failure);
        assert_eq!(s.observations.get(INTERMEDIATE), Some(&SEEDS), "{sets}: a reader sees half a trip in every run");
    }
}

/// Without keys the same faults apply retried requests twice — and a booking made twice and cancelled once
/// outlives the compensated saga.
#[test]
fn without_keys_the_same_faults_apply_requests_twice_and_leave_bookings_behind() {
    let s = sweep_with("idempotency_keys=false,random_faults=6,loss_pct=10");
    let count = |inv: &str| s.violations.get(inv).copied().unwrap_or(0);
    assert!(count(APPLIED_ONCE) > SEEDS / 10, "{s:?}");
    assert!(count(SAGA_OUTCOME) > 0 && count(SAGA_OUTCOME) <= count(APPLIED_ONCE), "{s:?}");
}

/// Every step count, every failing step: the saga ends completed (no failure) or compensated, in order.
#[test]
fn every_failing_step_is_compensated_and_none_completes() {
    for steps in 2..=5u32 {
        for fail in 0..=steps {
            let p = Saga.params_with(&format!("steps={steps},fail_step={fail}")).unwrap();
            let t = Saga.run(&p, 1, &FaultPlan::new(), &RunOptions::default()).unwrap();
            assert_eq!(t.violations().count(), 0, "steps {steps}, fail {fail}");
            let cancels: Vec<&str> = t
                .events
                .iter()
                .filter_map(|e| match &e.kind {
                    faultline::sim::EventKind::Send { label, .. } if label.starts_with("cancel ") => {
                        Some(label.as_str())
                    }
                    _ => None,
                })
                .collect();
            let want: Vec<String> = (1..fail.max(1)).rev().map(|k| format!("cancel trip-1/C{k}")).collect();
            assert_eq!(cancels, want, "steps {steps}, fail {fail}: compensations last first");
            let observed = t.breaches(Severity::Observation).count();
            assert_eq!(observed, usize::from(fail != 1), "half a trip is visible once something is booked");
        }
    }
}
