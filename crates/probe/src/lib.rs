//! # faultline-probe: one set of workloads, two targets
//!
//! Exported to wasm with `wasm-bindgen --target nodejs` and called from Node by the determinism test
//! (`tests/wasm/determinism.test.mjs`) and the benchmark (`cargo xtask bench`, `xtask/bench-wasm.mjs`); the same
//! functions run natively in `bench-native` and in the xtask. Same inputs must give the same trace hash on both
//! targets. Every workload comes from the scenario registry and each scenario's declared samples.

use faultline_sim::{FaultPlan, RunOptions, SampleRole, Scenario};
use wasm_bindgen::prelude::*;

/// The trace hash of one run, or `error: …`. `sets` is `key=value` pairs separated by commas (may be empty).
#[wasm_bindgen]
pub fn run_hash(scenario: &str, seed: &str, sets: &str) -> String {
    match run(scenario, seed, sets) {
        Ok(h) => h,
        Err(e) => format!("error: {e}"),
    }
}

fn find(scenario: &str) -> Result<&'static dyn Scenario, String> {
    faultline_scenarios::find(scenario).ok_or_else(|| format!("unknown scenario {scenario}"))
}

fn run(scenario: &str, seed: &str, sets: &str) -> Result<String, String> {
    let s = find(scenario)?;
    let seed: u64 = seed.parse().map_err(|_| format!("bad seed {seed}"))?;
    let p = s.params_with(sets).map_err(|e| e.to_string())?;
    let t = s.run(&p, seed, &FaultPlan::new(), &RunOptions::default()).map_err(|e| e.to_string())?;
    Ok(t.hash)
}

/// Every golden sample in the registry, one per line: `scenario sample canonical-seed sets`.
#[wasm_bindgen]
pub fn golden_samples() -> String {
    let mut out = String::new();
    for s in faultline_scenarios::all() {
        for x in s.info().samples_for(SampleRole::Golden) {
            out.push_str(&format!("{} {} {} {}\n", s.id(), x.name, s.canonical_seed(), x.sets));
        }
    }
    out
}

/// The scenarios' ids, separated by commas.
#[wasm_bindgen]
pub fn scenario_ids() -> String {
    faultline_scenarios::ids().replace(' ', "")
}

/// The kernel benchmark's workload: a 5-node message storm. Returns the number of kernel steps run.
#[wasm_bindgen]
pub fn storm(seed: u32, steps: u32) -> u32 {
    faultline_sim::bench::message_storm(seed as u64, STORM_NODES, STORM_TOKENS, steps).0
}

/// The recorded storm as a run in a fresh process makes it: its events in fresh memory, not the last run's (see
/// [`faultline_sim::Events`]). Native only (in wasm the module's memory is never handed back).
pub fn storm_cold(seed: u32, steps: u32) -> u32 {
    faultline_sim::Events::drop_spare();
    storm(seed, steps)
}

/// The same storm, lean (breaches only), as searches and sweeps run it.
#[wasm_bindgen]
pub fn storm_lean(seed: u32, steps: u32) -> u32 {
    faultline_sim::bench::message_storm_lean(seed as u64, STORM_NODES, STORM_TOKENS, steps).0
}

/// The bare discrete-event loop the storm is compared with (see [`faultline_sim::bench::bare_loop`]).
#[wasm_bindgen]
pub fn bare_loop(seed: u32, steps: u32) -> u32 {
    faultline_sim::bench::bare_loop(seed as u64, STORM_NODES, STORM_TOKENS, steps)
}

/// The bare loop drawing its numbers from ChaCha8 as the kernel does (see [`faultline_sim::bench::bare_loop_chacha`]).
#[wasm_bindgen]
pub fn bare_loop_chacha(seed: u32, steps: u32) -> u32 {
    faultline_sim::bench::bare_loop_chacha(seed as u64, STORM_NODES, STORM_TOKENS, steps)
}

/// Nodes and tokens in flight per node in the benchmark storm.
pub const STORM_NODES: u32 = 5;
pub const STORM_TOKENS: u32 = 8;

/// Runs of the scenario's benchmark sample for seeds `0..runs`, recorded exactly as the browser records a run
/// (checkpoints every [`faultline_sim::CHECKPOINT_EVERY`] steps; panels are replayed on demand). Returns the total
/// number of steps (0 for an unknown scenario).
#[wasm_bindgen]
pub fn bench_runs(scenario: &str, runs: u32) -> u32 {
    let Some(s) = faultline_scenarios::find(scenario) else { return 0 };
    let Some(Ok(p)) = s.info().samples_for(SampleRole::Bench).next().map(|x| s.params_with(x.sets)) else { return 0 };
    let opts = RunOptions::default();
    (0..runs)
        .filter_map(|seed| {
            faultline_sim::record(s, &p, seed as u64, &FaultPlan::new(), &opts, faultline_sim::CHECKPOINT_EVERY).ok()
        })
        .map(|r| r.trace.steps)
        .sum()
}
