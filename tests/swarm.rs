//! Panic-free swarms (see `faultline_sim::swarm`): every scenario, 10,000 seeds with swarm-drawn faults and its
//! knobs at the edges of their ranges; every run ends, twice the same way, and a recorded run hashes the same
//! twice. `FAULTLINE_SWARM_SEEDS` sets another count, `FAULTLINE_SWARM_STEPS` another step limit per run (0: the
//! scenarios' own), `FAULTLINE_SWARM_ONLY=ID` one scenario (`cargo xtask fuzz` runs 100,000 seeds per scenario).

use faultline_sim::swarm::{run_swarm, SwarmReport, PARAMS_EVERY, TEST_STEPS};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

#[test]
fn every_scenario_survives_a_swarm_at_the_edges_of_its_knobs() {
    let n: u64 = env("FAULTLINE_SWARM_SEEDS").and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let max_steps = match env("FAULTLINE_SWARM_STEPS").and_then(|v| v.parse::<u32>().ok()) {
        Some(0) => None,
        Some(n) => Some(n),
        None => Some(TEST_STEPS),
    };
    let only = env("FAULTLINE_SWARM_ONLY");
    let all: Vec<_> =
        faultline_scenarios::all().iter().copied().filter(|s| only.as_deref().is_none_or(|o| o == s.id())).collect();
    assert!(!all.is_empty(), "no scenario {only:?}");
    // Chunks of seeds (a few draws of the knobs each) shared out to one thread per core, so that a panic names the
    // seeds it came from and a slow scenario does not keep one core busy while the other idles.
    let chunk = PARAMS_EVERY * 32;
    let work: Vec<(usize, u64)> =
        (0..all.len()).flat_map(|k| (0..n).step_by(chunk as usize).map(move |f| (k, f))).collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<BTreeMap<usize, (SwarmReport, Duration)>> = Mutex::default();
    let failures: Mutex<Vec<String>> = Mutex::default();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(&(k, from)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (s, to, started) = (all[k], (from + chunk).min(n), Instant::now());
                    let r = catch_unwind(AssertUnwindSafe(|| run_swarm(s, from..to, max_steps)))
                        .unwrap_or_else(|_| Err(format!("{}: a run of seeds {from}..{to} panicked (above)", s.id())));
                    match r {
                        Ok(r) => {
                            let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                            let (t, took) = done.entry(k).or_default();
                            *t += r;
                            *took += started.elapsed();
                        }
                        Err(e) => failures.lock().unwrap_or_else(|e| e.into_inner()).push(e),
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_default();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let done = done.into_inner().unwrap_or_default();
    for (k, s) in all.iter().enumerate() {
        let (r, took) = done.get(&k).cloned().unwrap_or_default();
        eprintln!(
            "{:<18} {:>6} runs ({} recorded too), {:>6} faults, {} refused draws, {} cut by a limit, {} broke an \
             invariant, {:.1} s",
            s.id(),
            r.runs,
            r.full,
            r.faults,
            r.refused,
            r.limits_hit,
            r.breaches,
            took.as_secs_f64()
        );
        assert_eq!(r.runs, n, "{}", s.id());
        assert!(r.faults >= r.runs, "{}: every plan has a fault", s.id());
        assert!(r.full >= n / 64, "{}: recorded runs too", s.id());
    }
}
