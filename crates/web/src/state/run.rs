//! From inputs to a run: every re-run of the app happens here — a knob, a seed, an injected fault, a chapter, an
//! import, compare mode — so the reducer in `mod.rs` only moves the cursor and flips switches.

use super::AppState;
use crate::model::{Model, CHECKPOINT_EVERY};
use crate::transfer;
use faultline_sim::{record, FaultPlan, ParamKind, ParamValue, Params, RunOptions, Scenario, Trace};
use std::rc::Rc;

/// Run the scenario for the browser, with checkpoints for the panels; `follow` picks the crowd members whose
/// events the trace keeps (the scenario's choice when `None`).
pub fn run(
    scenario: &dyn Scenario,
    params: &Params,
    seed: u64,
    faults: &FaultPlan,
    follow: Option<&[u32]>,
) -> Result<Rc<Model>, String> {
    let opts = RunOptions { follow: follow.map(<[u32]>::to_vec), ..RunOptions::default() };
    let rec = record(scenario, params, seed, faults, &opts, CHECKPOINT_EVERY).map_err(|e| e.to_string())?;
    Ok(Rc::new(Model::from_recording(rec)))
}

/// What compare mode shows beside the run on screen, and how the two are captioned.
pub struct Compared {
    pub model: Rc<Model>,
    /// The caption over the run on screen.
    pub this: String,
    /// The caption over the other run.
    pub other: String,
}

/// Whether compare mode has something to show for this scenario.
pub fn can_compare(scenario: &dyn Scenario) -> bool {
    scenario.mitigation().is_some() || scenario.counterpart().is_some()
}

/// The run compare mode puts beside this one: the same run with the scenario's mitigation flipped; without a
/// mitigation, the same failure in its counterpart scenario (same seed, the faults carried over).
pub(super) fn compared(
    scenario: &dyn Scenario,
    params: &Params,
    seed: u64,
    faults: &FaultPlan,
    follow: Option<&[u32]>,
) -> Result<Rc<Compared>, String> {
    if let Some(key) = scenario.mitigation() {
        let now = params.get(key).ok_or_else(|| format!("no parameter `{key}`"))?;
        let other = match (now, params.spec(key).map(|s| s.kind)) {
            (ParamValue::Bool(on), _) => ParamValue::Bool(!on),
            // A choice of fixes: against the baseline (the first option), or from the baseline the last (the
            // strongest; the scenario orders them so).
            (ParamValue::Choice(v), Some(ParamKind::Choice { options, .. })) => {
                let first = options.first().copied().unwrap_or(v);
                ParamValue::Choice(if v == first { options.last().copied().unwrap_or(v) } else { first })
            }
            _ => return Err(format!("`{key}` is neither a switch nor a choice")),
        };
        let mut p = params.clone();
        p.set_value(key, other).map_err(|e| e.to_string())?;
        return Ok(Rc::new(Compared {
            model: run(scenario, &p, seed, faults, follow)?,
            this: format!("{key} = {now}"),
            other: format!("{key} = {other} (same seed, same faults; synced by time)"),
        }));
    }
    let c = scenario.counterpart().ok_or_else(|| format!("{} has nothing to compare", scenario.id()))?;
    let other = faultline_scenarios::find(c.scenario).ok_or_else(|| format!("{} is not in this build", c.scenario))?;
    let t = (c.translate)(params, seed, faults);
    let p = other.params_with(&t.sets).map_err(|e| format!("{}: {e}", c.scenario))?;
    let mut caption = format!("{}: {} (same seed", other.title(), t.sets.replace(',', ", "));
    if !t.note.is_empty() {
        caption.push_str("; ");
        caption.push_str(&t.note);
    }
    caption.push_str("; synced by time)");
    Ok(Rc::new(Compared {
        model: run(other, &p, seed, &t.faults, None)?,
        this: scenario.title().to_string(),
        other: caption,
    }))
}

/// A trace with no steps, for the (unreachable in practice) case where even the defaults fail to run.
pub(super) fn empty_trace(scenario: &dyn Scenario) -> Trace {
    let out = faultline_sim::RunOutput {
        nodes: Vec::new(),
        events: Default::default(),
        members: Default::default(),
        views: Vec::new(),
        steps: 0,
        end_us: 0,
        outcome: faultline_sim::Outcome::Quiescent,
    };
    Trace::from_run(scenario.id(), 0, &scenario.default_params(), &FaultPlan::new(), out)
}

impl AppState {
    /// The run of a chapter at one of its beats (its settings and faults over the defaults, the canonical seed):
    /// re-run only if that differs from the run on screen; the cursor stays.
    pub(super) fn enter_scene(&self, ch: &faultline_sim::Chapter, beat: usize) -> Self {
        let scenario = self.inputs.scenario;
        let (sets, plan) = ch.scene(beat);
        let mut next = self.clone();
        let mut params = scenario.default_params();
        for (k, v) in sets {
            if let Err(e) = params.set(k, v) {
                next.notices.push(format!("Chapter {}: {e}", ch.title));
            }
        }
        let (faults, errors) = FaultPlan::parse_compact(&plan);
        next.notices.extend(errors);
        let seed = scenario.canonical_seed();
        if params == self.inputs.params && faults == self.inputs.faults && seed == self.inputs.seed {
            return next;
        }
        next.rerun(params, seed, faults)
    }

    /// Re-run with new inputs; the cursor stays where it was (clamped), so the past stays on screen.
    pub(super) fn rerun(&self, params: Params, seed: u64, faults: FaultPlan) -> Self {
        let mut next = self.clone();
        let follow = self.follow.as_deref();
        match run(self.inputs.scenario, &params, seed, &faults, follow) {
            Ok(model) => {
                next.cursor = self.cursor.min(model.steps());
                next.compare = if self.compare.is_some() {
                    compared(self.inputs.scenario, &params, seed, &faults, follow).ok()
                } else {
                    None
                };
                next.model = model;
                next.inputs.params = params;
                next.inputs.seed = seed;
                next.inputs.faults = faults;
                next.selected = None;
            }
            Err(e) => next.notices.push(format!("Cannot run with that change: {e}. Kept the previous run.")),
        }
        next
    }

    /// Import a trace file: it replaces the run only if its inputs re-run to its hash.
    pub(super) fn import(&self, name: String, text: &str) -> Self {
        let mut next = self.clone();
        let result = transfer::parse_header(text).and_then(|i| {
            let model = run(i.scenario, &i.params, i.seed, &i.faults, None)?;
            // A file exported before the compact hash encoding carries the older hash of the same run.
            if model.trace.hash == i.hash || model.trace.compute_hash_v3() == i.hash {
                Ok((i, model))
            } else {
                Err(format!(
                    "its inputs re-run to hash {} here, not to its {}: it was edited, or made by another version of \
                     Faultline",
                    model.trace.hash, i.hash
                ))
            }
        });
        match result {
            Ok((i, model)) => {
                next.inputs.scenario = i.scenario;
                next.inputs.params = i.params;
                next.inputs.seed = i.seed;
                next.inputs.faults = i.faults;
                next.model = model;
                next.compare = None;
                next.follow = None;
                next.cursor = 0;
                next.playing = false;
                next.chapter = None;
                next.selected = None;
                let hash = &next.model.trace.hash;
                next.notices.push(if *hash == i.hash {
                    format!("Imported {name}: it re-runs to the same trace (hash {hash}).")
                } else {
                    format!(
                        "Imported {name}: it re-runs to the same trace (hash {}, as earlier versions of Faultline \
                         computed it; this version's is {hash}).",
                        i.hash
                    )
                });
            }
            Err(e) => next.notices.push(format!("Could not import {name}: {e}. The current run is unchanged.")),
        }
        next
    }
}
