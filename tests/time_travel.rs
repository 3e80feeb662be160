//! Time travel and fork-by-click, on the kernel's terms: checkpoints replay to exactly the state a straight run
//! reaches, and a fault injected at the current step changes only the future.

use faultline::scenarios::redis_lock::RedisLock;
use faultline::sim::{record, DropReason, EventKind, Fault, FaultPlan, Params, RunOptions, Scenario, Trace};

fn params(sets: &[(&str, &str)]) -> Params {
    let mut p = RedisLock.default_params();
    for (k, v) in sets {
        p.set(k, v).unwrap();
    }
    p
}

#[test]
fn replaying_from_a_checkpoint_reaches_the_same_state_as_a_straight_run() {
    let p = params(&[("clients", "4"), ("rounds", "5")]);
    let opts = RunOptions::default();
    let rec = record(&RedisLock, &p, 3, &FaultPlan::new(), &opts, 7).unwrap();
    let straight = RedisLock.run(&p, 3, &FaultPlan::new(), &opts).unwrap();
    assert_eq!(rec.trace.hash, straight.hash, "recording with checkpoints does not change the run");
    assert!(rec.checkpoints.len() > 10);
    for cursor in [0, 1, 6, 7, 8, 50, rec.trace.steps / 2, rec.trace.steps] {
        let cp = rec.checkpoints.iter().rev().find(|c| c.step <= cursor).unwrap();
        let mut sim = cp.sim.boxed_clone();
        while sim.steps() < cursor && sim.step() {}
        let mut direct = RedisLock.start(&p, 3, &FaultPlan::new(), &opts).unwrap();
        while direct.steps() < cursor && direct.step() {}
        assert_eq!(sim.steps(), cursor);
        assert_eq!(sim.views(), direct.views(), "at step {cursor}");
        assert_eq!(sim.now_us(), direct.now_us());
    }
}

/// What a checkpoint keeps replays the panels and nothing else: no events, no breaches (the trace holds them), yet
/// the same panels at every step as the run it was copied from, here one that breaks an invariant.
#[test]
fn a_checkpoint_replays_the_panels_and_records_nothing() {
    let p = params(&[("clients", "4"), ("rounds", "5"), ("safe_release", "false")]);
    let opts = RunOptions::default();
    let mut full = RedisLock.start(&p, 3, &FaultPlan::new(), &opts).unwrap();
    let mut copy = full.replay_copy();
    let (mut recorded, mut replayed) = (Vec::new(), Vec::new());
    while full.step() {
        assert!(copy.step());
        full.drain_events(&mut recorded);
        copy.drain_events(&mut replayed);
        assert_eq!(copy.views(), full.views(), "at step {}", full.steps());
    }
    assert!(!copy.step());
    assert_eq!((copy.steps(), copy.now_us()), (full.steps(), full.now_us()));
    assert!(recorded.iter().any(|e| matches!(e.kind, EventKind::Breach(_))), "the run breaks an invariant");
    assert!(replayed.is_empty(), "{} events replayed", replayed.len());
}

/// The events of steps before `cursor`.
fn past(t: &Trace, cursor: u32) -> Vec<faultline::sim::Event> {
    t.events.iter().filter(|e| e.step < cursor).cloned().collect()
}

#[test]
fn a_fault_injected_at_the_cursor_changes_only_the_future() {
    let p = RedisLock.default_params();
    let opts = RunOptions::default();
    let mut changed_futures = 0;
    for seed in 0..40 {
        let base = RedisLock.run(&p, seed, &FaultPlan::new(), &opts).unwrap();
        let cursor = base.steps / 2;
        let at = base.events.iter().filter(|e| e.step < cursor).map(|e| e.at_us).max().unwrap_or(0) + 1;
        let in_flight = base.events.iter().find_map(|e| match e.kind {
            EventKind::Send { id, arrives_at_us, .. } if e.step < cursor && arrives_at_us > at => Some(u64::from(id)),
            _ => None,
        });
        let mut faults = vec![
            Fault::Crash { node: 0 },
            Fault::Pause { node: 1, for_us: 300_000 },
            Fault::ClockJump { node: 2, by_us: 400_000 },
            Fault::Cut { from: 0, to: 2, both: true },
        ];
        if let Some(id) = in_flight {
            faults.push(Fault::DropMessage { id });
            faults.push(Fault::DelayMessage { id, by_us: 50_000 });
        }
        for f in faults {
            let mut plan = FaultPlan::new();
            plan.push(at, f.clone());
            let forked = RedisLock.run(&p, seed, &plan, &opts).unwrap();
            assert_eq!(past(&forked, cursor), past(&base, cursor), "seed {seed}, {f:?}: the past changed");
            if forked.events != base.events {
                changed_futures += 1;
            }
        }
    }
    assert!(changed_futures > 100, "the faults changed the future in only {changed_futures} runs");
}

#[test]
fn a_message_in_flight_can_be_dropped_or_delayed() {
    let p = RedisLock.default_params();
    let opts = RunOptions::default();
    let base = RedisLock.run(&p, 6, &FaultPlan::new(), &opts).unwrap();
    let (send_at, id, arrives) = base
        .events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Send { id, arrives_at_us, .. } if arrives_at_us > e.at_us + 1 => {
                Some((e.at_us, id, arrives_at_us))
            }
            _ => None,
        })
        .expect("a message with some latency");

    let mut plan = FaultPlan::new();
    plan.push(send_at + 1, Fault::DropMessage { id: id.into() });
    let dropped = RedisLock.run(&p, 6, &plan, &opts).unwrap();
    let drop = dropped.events.iter().find(|e| matches!(e.kind, EventKind::Drop { id: i, .. } if i == id)).unwrap();
    assert_eq!(
        drop.kind,
        match drop.kind {
            EventKind::Drop { from, to, .. } => EventKind::Drop { from, to, id, reason: DropReason::Injected },
            _ => unreachable!(),
        }
    );
    assert_eq!(drop.at_us, arrives);

    let mut plan = FaultPlan::new();
    plan.push(send_at + 1, Fault::DelayMessage { id: id.into(), by_us: 70_000 });
    let delayed = RedisLock.run(&p, 6, &plan, &opts).unwrap();
    let delivered =
        delayed.events.iter().find(|e| matches!(e.kind, EventKind::Deliver { id: i, .. } if i == id)).unwrap();
    assert_eq!(delivered.at_us, arrives + 70_000);

    // A fault for a message that has already arrived does nothing.
    let mut plan = FaultPlan::new();
    plan.push(arrives + 1, Fault::DropMessage { id: id.into() });
    let late = RedisLock.run(&p, 6, &plan, &opts).unwrap();
    assert_eq!(past(&late, u32::MAX).len(), base.events.len() + 1, "only the fault's own event is new");
}
