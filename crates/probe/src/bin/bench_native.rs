//! Native half of `cargo xtask bench`: times the probe's workloads and prints one JSON object, the same shape
//! as `xtask/bench-wasm.cjs` prints for wasm. Built with the same (release) profile as the wasm it is compared
//! with.

use std::time::Instant;

fn best_of<F: FnMut() -> u32>(runs: usize, mut f: F) -> (f64, u32) {
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        n = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, n)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let steps: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let runs: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let (storm_s, storm_steps) = best_of(5, || faultline_probe::storm(1, steps));
    let scenarios: serde_json::Map<String, serde_json::Value> = faultline_probe::scenario_ids()
        .split(',')
        .map(|id| {
            let (s, n) = best_of(5, || faultline_probe::bench_runs(id, runs));
            (id.to_string(), serde_json::json!({ "s": s, "steps": n }))
        })
        .collect();
    println!("{}", serde_json::json!({ "storm_steps": storm_steps, "storm_s": storm_s, "scenarios": scenarios }));
}
