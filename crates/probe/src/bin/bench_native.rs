//! Native half of `cargo xtask bench`: times the probe's workloads and prints one JSON object, the same shape
//! as `xtask/bench-workloads.mjs` returns for wasm (in Node and in Chromium), plus `against_bare`: the storm (its
//! events in the last run's memory, and in fresh memory: `cold`), the lean storm and the ChaCha8 loop each sampled in
//! pairs with the bare loop. Built with the native (release) profile.
//!
//! `bench-native --serve STEPS RUNS` answers one request per line of its input instead, so that the Chromium half can
//! alternate its samples with native ones of the same workload, a few milliseconds apart (this machine's speed drifts
//! by up to 2× over minutes, and from one second to the next): `warm W` runs workload W (`storm`, `cold`, `lean`,
//! `bare`, `chacha` or a scenario's id) for 300 ms and answers the seconds per call; `sample W REPS` times REPS calls
//! and answers the seconds per call and the events of one call.

use std::time::Instant;

/// Run `f` for 300 ms (the warm-up); the seconds per call.
fn warm(f: &mut impl FnMut() -> u32) -> f64 {
    let t = Instant::now();
    let mut calls = 0u32;
    while t.elapsed().as_secs_f64() < 0.3 {
        f();
        calls += 1;
    }
    t.elapsed().as_secs_f64() / f64::from(calls)
}

/// Time `reps` calls of `f`: the seconds per call and the events of one call.
fn sample(f: &mut impl FnMut() -> u32, reps: u32) -> (f64, u32) {
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..reps {
        n = f();
    }
    (t.elapsed().as_secs_f64() / f64::from(reps), n)
}

/// How many calls of `f` make a sample of about 50 ms (after `warm`'s 300 ms of it).
fn reps_for_50ms(f: &mut impl FnMut() -> u32) -> u32 {
    (0.05 / warm(f)).ceil().max(1.0) as u32
}

/// The same measure as the wasm half (`xtask/bench-workloads.mjs`): warm up, then the best of `samples` samples of
/// enough calls to last 50 ms, per call.
fn best_of(samples: usize, mut f: impl FnMut() -> u32) -> (f64, u32) {
    let reps = reps_for_50ms(&mut f);
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..samples {
        let (s, events) = sample(&mut f, reps);
        best = best.min(s);
        n = events;
    }
    (best, n)
}

/// The kernel's storm (`name`: recorded, lean, or the bare loop drawing from ChaCha8) against the bare loop, in
/// `pairs` alternating samples of each, after a warm-up: in each pair, the bare loop's seconds per call over the
/// workload's, i.e. the workload's speed as a share of the bare loop's. This machine's speed drifts by up to 2× over
/// minutes: the best of each side, taken one workload after the other, made the lean storm 0.66× the bare loop in one
/// run and 0.94× in another, and the ChaCha8 loop 1.10× (faster than the loop it adds work to); the pairs' medians
/// were 0.69–0.72× and 0.82–0.86× in the same runs. A pair meets the same machine on both sides.
fn against_bare(name: &str, steps: u32, runs: u32, pairs: usize) -> Vec<f64> {
    let (Some(mut f), Some(mut bare)) = (workload(name, steps, runs), workload("bare", steps, runs)) else {
        return Vec::new();
    };
    let (reps_f, reps_bare) = (reps_for_50ms(&mut f), reps_for_50ms(&mut bare));
    (0..pairs)
        .map(|_| {
            let (s, _) = sample(&mut f, reps_f);
            let (b, _) = sample(&mut bare, reps_bare);
            b / s
        })
        .collect()
}

/// A workload by its name: the storm (recorded, recorded into fresh memory, lean), the bare loops, or a scenario's
/// benchmark sample.
fn workload(name: &str, steps: u32, runs: u32) -> Option<Box<dyn FnMut() -> u32>> {
    let ids = faultline_probe::scenario_ids();
    Some(match name {
        "storm" => Box::new(move || faultline_probe::storm(1, steps)),
        "cold" => Box::new(move || faultline_probe::storm_cold(1, steps)),
        "lean" => Box::new(move || faultline_probe::storm_lean(1, steps)),
        "bare" => Box::new(move || faultline_probe::bare_loop(1, steps)),
        "chacha" => Box::new(move || faultline_probe::bare_loop_chacha(1, steps)),
        id if ids.split(',').any(|s| s == id) => {
            let id = id.to_string();
            Box::new(move || faultline_probe::bench_runs(&id, runs))
        }
        _ => return None,
    })
}

/// `--serve`: one answer per request line, until the input ends.
fn serve(steps: u32, runs: u32) {
    use std::io::{BufRead, Write};
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match (words.as_slice(), words.get(1).and_then(|w| workload(w, steps, runs))) {
            (["warm", _], Some(mut f)) => format!("{}", warm(&mut f)),
            (["sample", _, reps], Some(mut f)) => {
                let (s, n) = sample(&mut f, reps.parse().unwrap_or(1).max(1));
                format!("{s} {n}")
            }
            _ => format!("error: unknown request `{line}`"),
        };
        let mut out = stdout.lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}

fn main() {
    let serving = std::env::args().nth(1).as_deref() == Some("--serve");
    let mut args = std::env::args().skip(if serving { 2 } else { 1 });
    let steps: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let runs: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    if serving {
        return serve(steps, runs);
    }
    let time = |name: &str| match workload(name, steps, runs) {
        Some(f) => best_of(5, f),
        None => (f64::NAN, 0),
    };
    let (storm_s, storm_steps) = time("storm");
    let (lean_s, lean_steps) = time("lean");
    let (bare_s, bare_steps) = time("bare");
    let (chacha_s, chacha_steps) = time("chacha");
    let against: serde_json::Map<String, serde_json::Value> = ["storm", "cold", "lean", "chacha"]
        .iter()
        .map(|w| (w.to_string(), against_bare(w, steps, runs, 9).into()))
        .collect();
    let scenarios: serde_json::Map<String, serde_json::Value> = faultline_probe::scenario_ids()
        .split(',')
        .map(|id| {
            let (s, n) = time(id);
            (id.to_string(), serde_json::json!({ "s": s, "steps": n }))
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "storm_steps": storm_steps, "storm_s": storm_s, "lean_steps": lean_steps, "lean_s": lean_s,
            "bare_steps": bare_steps, "bare_s": bare_s, "chacha_steps": chacha_steps, "chacha_s": chacha_s,
            "scenarios": scenarios, "against_bare": against,
        })
    );
}
