//! Native half of `cargo xtask bench`: times the probe's workloads and prints one JSON object.
//! Built with the same (release) profile as the wasm it is compared with.

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
    let steps: u32 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let (storm_s, storm_steps) = best_of(5, || faultline_probe::storm(1, steps));
    let (ui_s, ui_steps) = best_of(5, || faultline_probe::ui_runs(100));
    let (raft_s, raft_steps) = best_of(5, || faultline_probe::raft_runs(10));
    println!(
        "{}",
        serde_json::json!({
            "storm_steps": storm_steps, "storm_s": storm_s,
            "ui_runs": 100, "ui_steps": ui_steps, "ui_s": ui_s,
            "raft_steps": raft_steps, "raft_s": raft_s,
        })
    );
}
