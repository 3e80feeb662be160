//! The app's state and every way it changes: one reducer, one `Action` enum (after yew's todomvc example).

use crate::model::Model;
use faultline_sim::{FaultPlan, Params, RunOptions, Scenario};
use std::rc::Rc;
use yew::Reducible;

/// Playback speeds in steps per second; keys 1..6 pick them.
pub const SPEEDS: &[u32] = &[1, 2, 4, 8, 16, 32];
pub const DEFAULT_SPEED: usize = 2;

#[derive(Clone)]
pub struct AppState {
    pub scenario: &'static dyn Scenario,
    pub params: Params,
    pub seed: u64,
    pub model: Rc<Model>,
    /// How many steps are shown: 0 (nothing yet) ..= steps.
    pub cursor: u32,
    pub playing: bool,
    pub speed: usize,
    /// Problems with input (URL, knobs) the user should see; dismissible.
    pub notices: Vec<String>,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        self.scenario.id() == other.scenario.id()
            && self.params == other.params
            && self.seed == other.seed
            && Rc::ptr_eq(&self.model, &other.model)
            && self.cursor == other.cursor
            && self.playing == other.playing
            && self.speed == other.speed
            && self.notices == other.notices
    }
}

pub enum Action {
    StepForward,
    StepBack,
    Seek(u32),
    ToStart,
    ToEnd,
    PrevNotable,
    NextNotable,
    TogglePlay,
    /// One tick of playback.
    Tick,
    SetSpeed(usize),
    /// Set a parameter from text (a knob); a bad value becomes a notice and changes nothing.
    SetParam(&'static str, String),
    SetSeed(u64),
    ResetParams,
    DismissNotices,
}

/// Run the scenario for the browser (with panel views recorded).
pub fn run(scenario: &dyn Scenario, params: &Params, seed: u64) -> Result<Rc<Model>, String> {
    let opts = RunOptions { record_views: true, ..RunOptions::default() };
    let trace = scenario.run(params, seed, &FaultPlan::new(), &opts).map_err(|e| e.to_string())?;
    Ok(Rc::new(Model::new(Rc::new(trace))))
}

impl AppState {
    /// The state for settings read from a URL. If those settings cannot run (conflicting parameters), fall back
    /// to the scenario's defaults and say so.
    pub fn new(
        scenario: &'static dyn Scenario,
        params: Params,
        seed: u64,
        step: Option<u32>,
        mut notices: Vec<String>,
    ) -> Self {
        let (params, model) = match run(scenario, &params, seed) {
            Ok(m) => (params, m),
            Err(e) => {
                notices.push(format!("URL: {e}; using the default parameters."));
                let d = scenario.default_params();
                let m = run(scenario, &d, seed).unwrap_or_else(|_| Rc::new(Model::new(Rc::new(empty_trace(scenario)))));
                (d, m)
            }
        };
        let steps = model.steps();
        let cursor = match step {
            Some(s) if s > steps => {
                notices.push(format!("URL: step {s} is past the end of this run ({steps} steps); showing the end."));
                steps
            }
            Some(s) => s,
            None => 0,
        };
        AppState { scenario, params, seed, model, cursor, playing: false, speed: DEFAULT_SPEED, notices }
    }

    pub fn steps(&self) -> u32 {
        self.model.steps()
    }

    /// Re-run with new inputs; the cursor stays where it was (clamped), so the past stays on screen.
    fn rerun(&self, params: Params, seed: u64) -> Self {
        let mut next = self.clone();
        match run(self.scenario, &params, seed) {
            Ok(model) => {
                next.cursor = self.cursor.min(model.steps());
                next.model = model;
                next.params = params;
                next.seed = seed;
            }
            Err(e) => next.notices.push(format!("Cannot run with that change: {e}. Kept the previous run.")),
        }
        next
    }
}

/// A trace with no steps, for the (unreachable in practice) case where even the defaults fail to run.
fn empty_trace(scenario: &dyn Scenario) -> faultline_sim::Trace {
    let out = faultline_sim::RunOutput {
        nodes: Vec::new(),
        events: Vec::new(),
        views: Vec::new(),
        steps: 0,
        end_us: 0,
        outcome: faultline_sim::Outcome::Quiescent,
    };
    faultline_sim::Trace::from_run(scenario.id(), 0, &scenario.default_params(), &FaultPlan::new(), out)
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let steps = self.steps();
        let mut next = (*self).clone();
        match action {
            Action::StepForward => {
                next.playing = false;
                next.cursor = (self.cursor + 1).min(steps);
            }
            Action::StepBack => {
                next.playing = false;
                next.cursor = self.cursor.saturating_sub(1);
            }
            Action::Seek(c) => next.cursor = c.min(steps),
            Action::ToStart => {
                next.playing = false;
                next.cursor = 0;
            }
            Action::ToEnd => {
                next.playing = false;
                next.cursor = steps;
            }
            Action::PrevNotable => {
                // Notable steps are shown once the cursor passes them: jump to just after the previous one.
                let target = self.model.notable.iter().rev().map(|s| s + 1).find(|&c| c < self.cursor);
                next.cursor = target.unwrap_or(0);
                next.playing = false;
            }
            Action::NextNotable => {
                let target = self.model.notable.iter().map(|s| s + 1).find(|&c| c > self.cursor);
                next.cursor = target.unwrap_or(steps);
                next.playing = false;
            }
            Action::TogglePlay => {
                if self.playing {
                    next.playing = false;
                } else {
                    next.playing = true;
                    if self.cursor >= steps {
                        next.cursor = 0;
                    }
                }
            }
            Action::Tick => {
                if self.playing {
                    next.cursor = (self.cursor + 1).min(steps);
                    next.playing = next.cursor < steps;
                }
            }
            Action::SetSpeed(i) => next.speed = i.min(SPEEDS.len() - 1),
            Action::SetParam(key, raw) => {
                let mut params = self.params.clone();
                match params.set(key, &raw) {
                    Ok(()) => return Rc::new(self.rerun(params, self.seed)),
                    Err(e) => next.notices.push(format!(
                        "{e}; kept {}.",
                        self.params.get(key).map(|v| v.to_string()).unwrap_or_default()
                    )),
                }
            }
            Action::SetSeed(seed) => return Rc::new(self.rerun(self.params.clone(), seed)),
            Action::ResetParams => return Rc::new(self.rerun(self.scenario.default_params(), self.seed)),
            Action::DismissNotices => next.notices.clear(),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url;

    fn state() -> Rc<AppState> {
        let s = url::parse(&[]);
        Rc::new(AppState::new(s.scenario, s.params, s.seed, s.step, s.notices))
    }

    #[test]
    fn stepping_stays_within_the_run() {
        let s = state();
        let s = s.reduce(Action::StepBack);
        assert_eq!(s.cursor, 0);
        let s = s.reduce(Action::StepForward).reduce(Action::StepForward);
        assert_eq!(s.cursor, 2);
        let s = s.reduce(Action::ToEnd);
        assert_eq!(s.cursor, s.steps());
        let s = s.reduce(Action::StepForward);
        assert_eq!(s.cursor, s.steps());
        let s = s.reduce(Action::Seek(u32::MAX));
        assert_eq!(s.cursor, s.steps());
    }

    #[test]
    fn play_ticks_to_the_end_and_stops() {
        let mut s = state().reduce(Action::TogglePlay);
        assert!(s.playing);
        for _ in 0..10_000 {
            if !s.playing {
                break;
            }
            s = s.reduce(Action::Tick);
        }
        assert!(!s.playing);
        assert_eq!(s.cursor, s.steps());
        // Play at the end starts over.
        let s = s.reduce(Action::TogglePlay);
        assert_eq!((s.playing, s.cursor), (true, 0));
    }

    #[test]
    fn notable_jumps_land_just_after_faults_and_violations() {
        let s = state().reduce(Action::NextNotable);
        let first = s.model.notable[0];
        assert_eq!(s.cursor, first + 1);
        let s = s.reduce(Action::NextNotable).reduce(Action::PrevNotable);
        assert_eq!(s.cursor, first + 1);
    }

    #[test]
    fn a_bad_knob_value_is_a_notice_and_changes_nothing() {
        let s = state();
        let before = s.model.clone();
        let s = s.reduce(Action::SetParam("ttl_ms", "0".into()));
        assert!(Rc::ptr_eq(&before, &s.model));
        assert_eq!(s.notices.len(), 1);
        assert!(s.notices[0].contains("`ttl_ms` = 0 is out of range"), "{:?}", s.notices);
        let s = s.reduce(Action::SetParam("gc_client", "2".into())).reduce(Action::SetParam("clients", "1".into()));
        assert!(s.notices.iter().any(|n| n.contains("Cannot run with that change")), "{:?}", s.notices);
        assert_eq!(s.params.int("clients"), 2);
        assert!(s.reduce(Action::DismissNotices).notices.is_empty());
    }

    #[test]
    fn changing_a_parameter_reruns_and_keeps_the_cursor() {
        let s = state().reduce(Action::Seek(10));
        let s2 = s.clone().reduce(Action::SetParam("fencing", "true".into()));
        assert!(!Rc::ptr_eq(&s.model, &s2.model));
        assert_ne!(s.model.trace.hash, s2.model.trace.hash);
        assert_eq!(s2.cursor, 10);
        assert!(s2.params.bool("fencing"));
    }

    #[test]
    fn conflicting_url_parameters_fall_back_to_defaults_with_a_notice() {
        let s = url::parse(&[("gc_client".into(), "2".into()), ("clients".into(), "1".into())]);
        let st = AppState::new(s.scenario, s.params, s.seed, Some(5000), s.notices);
        assert_eq!(st.params, st.scenario.default_params());
        assert!(
            st.notices.iter().any(|n| n.contains("gc_client = 2 but there are only 1 clients")),
            "{:?}",
            st.notices
        );
        assert!(st.notices.iter().any(|n| n.contains("past the end")), "{:?}", st.notices);
        assert_eq!(st.cursor, st.steps());
    }
}
