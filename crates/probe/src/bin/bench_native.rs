//! Native half of `cargo xtask bench`: times the probe's workloads and prints one JSON object, the same shape
//! as `xtask/bench-workloads.mjs` returns for wasm (in Node and in Chromium). Built with the native
//! (release) profile.

use std::time::Instant;

/// The same measure as the wasm half (`xtask/bench-workloads.mjs`): warm up for 300 ms, then the best of `samples`
/// samples of enough calls to last 50 ms, per call.
fn best_of<F: FnMut() -> u32>(samples: usize, mut f: F) -> (f64, u32) {
    let warm = Instant::now();
    let mut calls = 0u32;
    while warm.elapsed().as_secs_f64() < 0.3 {
        f();
        calls += 1;
    }
    let per_call = warm.elapsed().as_secs_f64() / f64::from(calls);
    let reps = (0.05 / per_call).ceil().max(1.0) as u32;
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..reps {
            n = f();
        }
        best = best.min(t.elapsed().as_secs_f64() / f64::from(reps));
    }
    (best, n)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let steps: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let runs: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let (storm_s, storm_steps) = best_of(5, || faultline_probe::storm(1, steps));
    let (lean_s, lean_steps) = best_of(5, || faultline_probe::storm_lean(1, steps));
    let (bare_s, bare_steps) = best_of(5, || faultline_probe::bare_loop(1, steps));
    let (chacha_s, chacha_steps) = best_of(5, || faultline_probe::bare_loop_chacha(1, steps));
    let scenarios: serde_json::Map<String, serde_json::Value> = faultline_probe::scenario_ids()
        .split(',')
        .map(|id| {
            let (s, n) = best_of(5, || faultline_probe::bench_runs(id, runs));
            (id.to_string(), serde_json::json!({ "s": s, "steps": n }))
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "storm_steps": storm_steps, "storm_s": storm_s, "lean_steps": lean_steps, "lean_s": lean_s,
            "bare_steps": bare_steps, "bare_s": bare_s, "chacha_steps": chacha_steps, "chacha_s": chacha_s,
            "scenarios": scenarios,
        })
    );
}
