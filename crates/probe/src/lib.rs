//! # faultline-probe: one set of workloads, two targets
//!
//! Exported to wasm with `wasm-bindgen --target nodejs` and called from Node by the determinism test
//! (`tests/wasm/determinism.test.mjs`) and the benchmark (`cargo xtask bench`); the same functions run natively
//! in `bench-native` and in the xtask. Same inputs must give the same trace hash on both targets.

use faultline_sim::{FaultPlan, RunOptions, Scenario};
use wasm_bindgen::prelude::*;

/// The trace hash of one run, or `error: …`. `sets` is `key=value` pairs separated by commas (may be empty).
#[wasm_bindgen]
pub fn run_hash(scenario: &str, seed: &str, sets: &str) -> String {
    match run(scenario, seed, sets) {
        Ok(h) => h,
        Err(e) => format!("error: {e}"),
    }
}

fn run(scenario: &str, seed: &str, sets: &str) -> Result<String, String> {
    let s = faultline_scenarios::find(scenario).ok_or_else(|| format!("unknown scenario {scenario}"))?;
    let seed: u64 = seed.parse().map_err(|_| format!("bad seed {seed}"))?;
    let mut p = s.default_params();
    for kv in sets.split(',').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("bad setting {kv}"))?;
        p.set(k, v).map_err(|e| e.to_string())?;
    }
    let t = s.run(&p, seed, &FaultPlan::new(), &RunOptions::default()).map_err(|e| e.to_string())?;
    Ok(t.hash)
}

/// The kernel benchmark's workload: a 5-node message storm. Returns the number of kernel steps run.
#[wasm_bindgen]
pub fn storm(seed: u32, steps: u32) -> u32 {
    faultline_sim::bench::message_storm(seed as u64, STORM_NODES, STORM_TOKENS, steps).0
}

/// Nodes and tokens in flight per node in the benchmark storm.
pub const STORM_NODES: u32 = 5;
pub const STORM_TOKENS: u32 = 8;

/// Runs of the canonical Redis-lock scenario with views recorded, as the browser does. Returns total steps.
#[wasm_bindgen]
pub fn ui_runs(runs: u32) -> u32 {
    let s = &faultline_scenarios::redis_lock::RedisLock;
    let opts = RunOptions { record_views: true, ..RunOptions::default() };
    (0..runs)
        .filter_map(|seed| s.run(&s.default_params(), seed as u64, &FaultPlan::new(), &opts).ok())
        .map(|t| t.steps)
        .sum()
}

/// Runs of a 5-server Raft cluster with client load (a request every 20 ms) for 10 s. Returns total steps.
#[wasm_bindgen]
pub fn raft_runs(runs: u32) -> u32 {
    let s = &faultline_scenarios::raft::Raft;
    let mut p = s.default_params();
    let load = p.set("request_ms", "20").and_then(|_| p.set("run_ms", "10000"));
    if load.is_err() {
        return 0;
    }
    (0..runs)
        .filter_map(|seed| s.run(&p, seed as u64, &FaultPlan::new(), &RunOptions::default()).ok())
        .map(|t| t.steps)
        .sum()
}
