//! Panic-free swarms: every scenario run under swarm-drawn faults with its parameters at the edges of their ranges,
//! to show that whatever a learner sets and does, a run ends (the step and queue limits cut it short with a clear
//! outcome) and replays exactly.
//!
//! Seed `i` of a scenario draws, from `i` alone: the parameters (each knob at its minimum, its maximum, its default
//! or anywhere between, a new draw every [`PARAMS_EVERY`] seeds), a run seed, and a fault plan from
//! [`crate::fault::swarm`] (a random subset of the nine fault kinds, at random times, on the run's own nodes). Each
//! run is made twice and must end the same way; every [`FULL_EVERY`]th is also recorded in full, twice, and must
//! hash the same both times and end as its lean run does. A combination of knobs that a scenario refuses (a rule
//! between two of them) is a clear error, counted and drawn again, not a failure. The test suite runs 10,000 seeds per scenario
//! (`tests/swarm.rs`); `cargo xtask fuzz` runs 100,000.

use crate::fault::{swarm, FaultPlan};
use crate::params::{ParamKind, ParamValue, Params};
use crate::scenario::{repro_command, RunError, RunOptions, Scenario};
use crate::search::{mix, Shape};
use crate::trace::Trace;

/// Seeds that share one draw of the parameters (and one probe of the run's shape).
pub const PARAMS_EVERY: u64 = 16;
/// Every this many seeds, the run is also recorded in full.
pub const FULL_EVERY: u64 = 64;
/// A refused draw of the knobs is drawn again at most this many times, the last time at the defaults.
pub const REDRAWS: u64 = 16;
/// The test suite cuts each swarm run at this many steps (a run at the edges of its knobs can take its full
/// 200,000: seconds, not milliseconds); `cargo xtask fuzz` runs them to the scenario's own limits.
pub const TEST_STEPS: u32 = 5_000;

/// What a swarm of one scenario did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwarmReport {
    pub runs: u64,
    /// Runs recorded in full as well (and hashed twice).
    pub full: u64,
    /// Parameter draws the scenario refused with a message (a rule between knobs), each drawn again.
    pub refused: u64,
    /// Runs a step or queue limit cut short.
    pub limits_hit: u64,
    /// Runs that broke an invariant (expected: many settings are the broken variants).
    pub breaches: u64,
    /// Fault entries in all the plans.
    pub faults: u64,
}

impl std::ops::AddAssign for SwarmReport {
    /// The report of two ranges of seeds together.
    fn add_assign(&mut self, o: SwarmReport) {
        self.runs += o.runs;
        self.full += o.full;
        self.refused += o.refused;
        self.limits_hit += o.limits_hit;
        self.breaches += o.breaches;
        self.faults += o.faults;
    }
}

/// The parameters of draw `draw`: each knob at its minimum, its maximum, its default or anywhere between, except
/// that a knob stays at its default with probability `keep` (0: every knob drawn; 1: the defaults).
pub fn edge_params(s: &dyn Scenario, draw: u64, keep: f64) -> Params {
    let mut p = s.default_params();
    for (k, spec) in p.specs().iter().enumerate() {
        let r = mix(draw ^ mix(k as u64 + 1));
        // A uniform draw in [0, 1) from the top 53 bits.
        if keep >= 1.0 || ((mix(r) >> 11) as f64 / (1u64 << 53) as f64) < keep {
            continue;
        }
        let v = match spec.kind {
            ParamKind::Int { min, max, default, .. } => ParamValue::Int(match r % 4 {
                0 => min,
                1 => max,
                2 => default,
                _ => min.saturating_add(((r >> 8) % (max.abs_diff(min).saturating_add(1)).max(1)) as i64),
            }),
            ParamKind::Bool { .. } => ParamValue::Bool(r.is_multiple_of(2)),
            ParamKind::Choice { options, default } => {
                ParamValue::Choice(options.get((r % options.len().max(1) as u64) as usize).copied().unwrap_or(default))
            }
        };
        let _ = p.set_value(spec.key, v);
    }
    p
}

/// One run's end, as two runs of the same inputs must share it.
fn end(t: &Trace) -> (u32, u64, String, Vec<(String, String)>) {
    let breaches = t
        .breaches(crate::trace::Severity::Violation)
        .chain(t.breaches(crate::trace::Severity::Observation))
        .map(|(_, inv, msg, _)| (inv.to_string(), msg.to_string()))
        .collect();
    (t.steps, t.end_us, format!("{:?}", t.outcome), breaches)
}

/// The knobs of draw `draw` and the shape of their run with no faults (its nodes, length and messages: what the
/// faults fall on). A draw a scenario refuses (a rule between two knobs) is drawn again, each time with more knobs
/// left at their defaults, the last time all of them; each refusal is counted in `refused`.
fn knobs(s: &dyn Scenario, draw: u64, lean: &RunOptions, refused: &mut u64) -> Result<(Params, Shape), String> {
    for again in 0..REDRAWS {
        let keep = again as f64 / (REDRAWS - 1) as f64;
        let p = edge_params(s, draw ^ mix(again), keep);
        match s.run(&p, 0, &FaultPlan::new(), lean) {
            Ok(t) => {
                let messages = u64::from(t.steps / 2).max(1);
                return Ok((p, Shape { nodes: t.nodes.len() as u32, horizon_us: t.end_us.max(1), messages }));
            }
            Err(RunError::Param(_)) => *refused += 1,
            Err(e) => return Err(format!("{}: draw {draw}: the run with no faults failed: {e}", s.id())),
        }
    }
    Err(format!("{}: its default knobs were refused", s.id()))
}

/// The first step at which a replay copy ([`crate::Stepper::replay_copy`], what a checkpoint keeps) shows other
/// panels, time or step count than the full run it was copied from, stepped side by side; copies are taken at the
/// start and every 97 steps, so that some start mid-run (after crashes, pauses, partitions), and each is followed
/// until four younger ones exist. `None`: none differs.
pub fn replay_differs(
    s: &dyn Scenario,
    p: &Params,
    seed: u64,
    plan: &FaultPlan,
    opts: &RunOptions,
) -> Result<Option<u32>, RunError> {
    let mut full = s.start(p, seed, plan, opts)?;
    let mut copies = vec![full.replay_copy()];
    let mut scratch = Vec::new();
    loop {
        let more = full.step();
        full.drain_events(&mut scratch);
        scratch.clear();
        // The panels every 8th step and at the end (a difference in the state stays); the clock every step.
        let look = !more || full.steps() % 8 == 0;
        let views = look.then(|| full.views());
        for c in &mut copies {
            // Stepped first, always: the comparisons after it read the copy's new state.
            if c.step() != more
                || c.steps() != full.steps()
                || c.now_us() != full.now_us()
                || views.as_ref().is_some_and(|v| *v != c.views())
            {
                return Ok(Some(full.steps()));
            }
        }
        if !more {
            return Ok(None);
        }
        if full.steps() % 97 == 0 {
            copies.push(full.replay_copy());
        }
        // At most a few copies at a time: the oldest has been checked over many steps by then.
        if copies.len() > 4 {
            copies.remove(0);
        }
    }
}

/// Run seeds `range` of scenario `s`'s swarm, each run cut at `max_steps` if given (else the scenario's own limits);
/// an error names the seed, its inputs and how to replay it.
pub fn run_swarm(s: &dyn Scenario, range: std::ops::Range<u64>, max_steps: Option<u32>) -> Result<SwarmReport, String> {
    let lean = RunOptions { max_steps, ..RunOptions::LEAN };
    let full = RunOptions { max_steps, ..RunOptions::default() };
    let mut r = SwarmReport::default();
    let salt = crate::hash::fingerprint(s.id());
    // The current draw of the knobs: its number, the parameters and their run's shape.
    let mut current: Option<(u64, Params, Shape)> = None;
    for i in range {
        let draw = i / PARAMS_EVERY;
        let (p, shape) = match &current {
            Some((d, p, shape)) if *d == draw => (p, *shape),
            _ => {
                let (p, shape) = knobs(s, salt ^ mix(draw), &lean, &mut r.refused)?;
                let (_, p, _) = current.insert((draw, p, shape));
                (&*p, shape)
            }
        };
        let base = mix(salt ^ mix(i));
        let (seed, plan) = (base % 1_000_000, swarm(shape.nodes, shape.horizon_us, shape.messages, mix(base)));
        let repro = || repro_command(s.id(), seed, p, &plan);
        let once = s.run(p, seed, &plan, &lean).map_err(|e| format!("{e} ({})", repro()))?;
        let twice = s.run(p, seed, &plan, &lean).map_err(|e| format!("{e} ({})", repro()))?;
        if end(&once) != end(&twice) {
            return Err(format!("{}: the same inputs ended two ways: {}", s.id(), repro()));
        }
        if i % FULL_EVERY == 0 {
            let a = s.run(p, seed, &plan, &full).map_err(|e| format!("{e} ({})", repro()))?;
            let b = s.run(p, seed, &plan, &full).map_err(|e| format!("{e} ({})", repro()))?;
            if a.hash != b.hash || end(&a) != end(&once) {
                return Err(format!("{}: a recorded run hashed or ended differently: {}", s.id(), repro()));
            }
            if let Some(step) = replay_differs(s, p, seed, &plan, &full).map_err(|e| format!("{e} ({})", repro()))? {
                return Err(format!("{}: a checkpoint's replay drew other panels at step {step}: {}", s.id(), repro()));
            }
            r.full += 1;
        }
        r.runs += 1;
        r.faults += plan.entries().len() as u64;
        r.limits_hit += u64::from(once.outcome.limit_message().is_some());
        r.breaches += u64::from(once.violations().next().is_some());
    }
    Ok(r)
}
