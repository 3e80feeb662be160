//! What a Web Worker runs. `www/search-worker.js` loads the page's own wasm module again in each worker (no
//! second download: the browser has it cached) and calls these functions, which the page never calls itself.
//! In a worker there is no window, so `main` renders nothing there. Every answer is JSON text; a bad input is
//! an `error` in it, never a panic.

use faultline_sim::check::Bounds;
use faultline_sim::search::{self, Shape, SHRINK_RUNS};
use faultline_sim::{FaultPlan, Params, Scenario};
use serde_json::json;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// An exhaustive check keeps at most this many states.
pub const CHECK_STATES: u64 = 200_000;

fn setup(scenario: &str, sets: &str) -> Result<(&'static dyn Scenario, Params), String> {
    let s = faultline_scenarios::find(scenario)
        .ok_or_else(|| format!("unknown scenario `{scenario}` (one of {})", faultline_scenarios::ids()))?;
    let p = s.params_with(sets).map_err(|e| e.to_string())?;
    Ok((s, p))
}

thread_local! {
    /// The shape of the last search's runs, measured once per scenario and settings (not once per batch).
    static SHAPE: RefCell<Option<(String, String, Shape)>> = const { RefCell::new(None) };
}

fn shape(s: &dyn Scenario, sets: &str, p: &Params) -> Result<Shape, String> {
    let cached = SHAPE
        .with(|c| c.borrow().as_ref().filter(|(id, st, _)| id == s.id() && st == sets).map(|(_, _, shape)| *shape));
    match cached {
        Some(shape) => Ok(shape),
        None => {
            let shape = Shape::probe(s, p).map_err(|e| e.to_string())?;
            SHAPE.with(|c| *c.borrow_mut() = Some((s.id().to_string(), sets.to_string(), shape)));
            Ok(shape)
        }
    }
}

fn error(e: String) -> String {
    json!({ "error": e }).to_string()
}

fn seed_of(seed: &str) -> Result<u64, String> {
    seed.parse().map_err(|_| format!("seed `{seed}` is not a whole number"))
}

/// Try candidates `start..end` of search seed `seed` (text: seeds are 64-bit): `{"found": the first failing
/// candidate or null}`.
#[wasm_bindgen]
pub fn search_batch(scenario: &str, sets: &str, seed: &str, start: u32, end: u32) -> String {
    let go = || -> Result<String, String> {
        let (s, p) = setup(scenario, sets)?;
        let shape = shape(s, sets, &p)?;
        let found = search::first_failure(s, &p, &shape, seed_of(seed)?, None, u64::from(start)..u64::from(end));
        Ok(json!({ "found": found.map(|(i, _)| i) }).to_string())
    };
    go().unwrap_or_else(error)
}

/// Shrink candidate `candidate` of search seed `seed`: the shrunk run's inputs and what it breaks.
#[wasm_bindgen]
pub fn shrink_candidate(scenario: &str, sets: &str, seed: &str, candidate: u32) -> String {
    let go = || -> Result<String, String> {
        let (s, p) = setup(scenario, sets)?;
        let shape = shape(s, sets, &p)?;
        let (run_seed, faults) = search::candidate(seed_of(seed)?, u64::from(candidate), &shape);
        let f = search::failure(s, &p, run_seed, &faults, None)
            .ok_or_else(|| format!("candidate {candidate} does not break an invariant here"))?;
        let sh = search::shrink(s, &f, SHRINK_RUNS);
        let a = &sh.after;
        Ok(json!({
            "seed": a.seed.to_string(),
            "sets": a.params.non_default().map(|(spec, v)| format!("{}={v}", spec.key)).collect::<Vec<_>>().join(","),
            "faults": a.faults.to_compact(),
            "invariant": a.invariant,
            "message": a.message,
            "breach_step": a.breach_step,
            "summary": sh.summary(s),
            "runs": sh.runs,
        })
        .to_string())
    };
    go().unwrap_or_else(error)
}

/// Check every interleaving of the run (`seed` as text: seeds are 64-bit) with up to `crashes` crashes, within
/// [`CHECK_STATES`] states and `depth` levels.
#[wasm_bindgen]
pub fn check_scenario(scenario: &str, sets: &str, seed: &str, crashes: u32, depth: u32) -> String {
    let go = || -> Result<String, String> {
        let (s, p) = setup(scenario, sets)?;
        let bounds = Bounds { max_depth: depth.max(1), max_states: CHECK_STATES, max_bytes: 256 << 20 };
        let started = js_sys::Date::now();
        let c = s.check(&p, seed_of(seed)?, crashes, bounds, &mut |_, _| {}).map_err(|e| e.to_string())?;
        let r = &c.report;
        Ok(json!({
            "ms": js_sys::Date::now() - started,
            "unique_states": r.unique_states,
            "max_depth": r.max_depth,
            "stopped": r.stopped,
            "counterexample": r.counterexample.as_ref().map(|cx| json!({
                "invariant": cx.invariant,
                "message": cx.message,
                "steps": cx.steps.len(),
            })),
            "replay": c.replay.as_ref().map(FaultPlan::to_compact),
        })
        .to_string())
    };
    go().unwrap_or_else(error)
}
