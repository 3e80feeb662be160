//! The app's state and every way it changes: one reducer, one `Action` enum (after yew's todomvc example).
//! Keyboard, mouse, chapters and the embedding page's postMessage commands all go through these actions. The
//! reducer moves the cursor and flips switches; whatever needs a new run goes through `run.rs`.

mod run;

use crate::model::Model;
use crate::url::{Embed, UrlSettings};
use faultline_sim::fault::Decimal;
use faultline_sim::{Fault, FaultPlan, MsgId, NodeId, Params, Scenario};
pub use run::run;
pub use run::{can_compare, Compared};
use run::{compared, empty_trace};
use std::rc::Rc;
use yew::Reducible;

/// Playback speeds in steps per second; keys 1..9 pick them.
pub const SPEEDS: &[u32] = &[1, 2, 4, 8, 16, 32, 64, 128, 256];
pub const DEFAULT_SPEED: usize = 2;
/// A crowd plays by time, not by steps (its steps are thousands a second): one tick every this many ms, and per
/// tick of speed `SPEEDS[i]` this much virtual time times `SPEEDS[i]` (speed 16 is real time).
pub const TIME_TICK_MS: u32 = 50;
pub const TIME_PER_SPEED_US: u64 = 3_125;

/// The label of a speed: steps a second, or for a run that plays by time, how fast against real time.
pub fn speed_label(speed: u32, by_time: bool) -> String {
    if by_time {
        // speed / 16, written with integer formatting only (four places hold every sixteenth exactly).
        format!("{}× real time", Decimal(u64::from(speed) * 10_000 / 16, 4))
    } else {
        format!("{speed} steps/s")
    }
}
/// The pause a click injects, and the clock jump and message delay.
pub const CLICK_PAUSE_US: u64 = 500_000;
pub const CLICK_JUMP_US: i64 = 1_000_000;
pub const CLICK_DRIFT_PPM: i64 = 200_000;
pub const CLICK_DELAY_US: u64 = 100_000;

/// What a click on the diagram selected, for the fault bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Node(NodeId),
    Message(MsgId),
    /// The link between two nodes (either direction).
    Link(NodeId, NodeId),
}

/// What a run is made from: change any of it and the run is made again (in `run.rs`).
#[derive(Clone)]
pub struct RunInputs {
    pub scenario: &'static dyn Scenario,
    pub params: Params,
    pub seed: u64,
    /// Faults injected by the user (by click, URL, chapter or API), on top of the scenario's own.
    pub faults: FaultPlan,
}

impl PartialEq for RunInputs {
    fn eq(&self, other: &Self) -> bool {
        self.scenario.id() == other.scenario.id()
            && self.params == other.params
            && self.seed == other.seed
            && self.faults == other.faults
    }
}

/// The app: the run's inputs and what they made, then playback (cursor, playing, speed), then UI switches.
#[derive(Clone)]
pub struct AppState {
    pub inputs: RunInputs,
    pub model: Rc<Model>,
    /// The run shown beside this one when comparing side by side (the fix flipped, or a counterpart scenario).
    pub compare: Option<Rc<Compared>>,
    /// How many steps are shown: 0 (nothing yet) ..= steps.
    pub cursor: u32,
    pub playing: bool,
    pub speed: usize,
    /// Problems with input (URL, knobs, files, API) the user should see; dismissible.
    pub notices: Vec<String>,
    pub presenter: bool,
    pub help: bool,
    /// A black screen in presenter mode (a remote's blank key, `b` or `.`): the room looks at the speaker.
    pub blank: bool,
    pub chapter: Option<usize>,
    pub selected: Option<Target>,
    pub embed: Embed,
    /// The crowd members whose events the trace keeps, when the user chose (by a click on the population view).
    pub follow: Option<Vec<u32>>,
    /// The beat of the current chapter (0 for a chapter without beats).
    pub beat: usize,
    /// Playing stops here (on the way to a beat).
    pub stop_at: Option<u32>,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        self.inputs == other.inputs
            && Rc::ptr_eq(&self.model, &other.model)
            && self.compare.as_ref().map(Rc::as_ptr) == other.compare.as_ref().map(Rc::as_ptr)
            && self.cursor == other.cursor
            && self.playing == other.playing
            && self.speed == other.speed
            && self.notices == other.notices
            && self.presenter == other.presenter
            && self.help == other.help
            && self.blank == other.blank
            && self.chapter == other.chapter
            && self.selected == other.selected
            && self.embed == other.embed
            && self.follow == other.follow
            && self.beat == other.beat
            && self.stop_at == other.stop_at
    }
}

pub enum Action {
    StepForward,
    StepBack,
    /// Move by a number of steps (the embedding API's `step`).
    StepBy(i64),
    Seek(u32),
    ToStart,
    ToEnd,
    PrevNotable,
    NextNotable,
    TogglePlay,
    Play,
    Pause,
    /// One tick of playback.
    Tick,
    SetSpeed(usize),
    /// Set a parameter from text (a knob, the API); a bad value becomes a notice and changes nothing.
    SetParam(String, String),
    SetSeed(u64),
    ResetParams,
    DismissNotices,
    Notice(String),
    Select(Option<Target>),
    /// Inject a fault at the cursor: it joins the plan just after the current step, so the past stays put.
    Inject(Fault),
    /// Inject faults given in compact form (the API), at their own times.
    InjectCompact(String),
    RemoveFault(usize),
    ClearFaults,
    TogglePresenter,
    ToggleHelp,
    /// Black out the screen, or bring it back.
    ToggleBlank,
    /// Escape: close the help and the fault bar.
    CloseOverlays,
    ToggleCompare,
    Chapter(usize),
    /// A trace file was read: (file name, contents).
    Import(String, String),
    /// Show another scenario, with its defaults.
    SetScenario(String),
    /// Follow this crowd member: the trace keeps its events (the run and its hash are the same).
    Follow(u32),
    /// Open a run the search or the check found: these settings over the defaults (`key=value,…`), this seed and
    /// plan, with the cursor just after the first breach of `invariant`.
    OpenRun {
        sets: String,
        seed: u64,
        faults: String,
        invariant: String,
    },
    /// The next beat of the chapter (at its last, the next chapter; with none, the first): a remote's PageDown.
    NextBeat,
    /// The beat before (at the first, the previous chapter's last): PageUp.
    PrevBeat,
}

impl AppState {
    /// The state for settings read from a URL. Settings that cannot run (conflicting parameters, faults naming
    /// unknown nodes) fall back to the defaults, with a notice.
    pub fn new(s: UrlSettings) -> Self {
        let UrlSettings {
            scenario,
            seed,
            params,
            faults,
            step,
            compare,
            presenter,
            chapter,
            beat,
            embed,
            follow,
            landing,
            mut notices,
        } = s;
        // Opening a scenario by its name alone starts its story: the first beat of the first chapter.
        let chapter = if landing && !scenario.chapters().is_empty() { Some(0) } else { chapter };
        let (params, faults, model) = match run(scenario, &params, seed, &faults, follow.as_deref()) {
            Ok(m) => (params, faults, m),
            Err(e) => {
                notices.push(format!("URL: {e}; using the default parameters and no faults."));
                let d = scenario.default_params();
                let m = run(scenario, &d, seed, &FaultPlan::new(), None)
                    .unwrap_or_else(|_| Rc::new(Model::from_trace(Rc::new(empty_trace(scenario)))));
                (d, FaultPlan::new(), m)
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
        let compare = if compare {
            match compared(scenario, &params, seed, &faults, follow.as_deref()) {
                Ok(c) => Some(c),
                Err(e) => {
                    notices.push(format!("URL: cannot compare: {e}; showing one run."));
                    None
                }
            }
        } else {
            None
        };
        let state = AppState {
            inputs: RunInputs { scenario, params, seed, faults },
            model,
            compare,
            cursor,
            playing: embed.autoplay,
            speed: DEFAULT_SPEED,
            notices,
            presenter,
            help: false,
            blank: false,
            chapter,
            selected: None,
            embed,
            follow,
            beat: 0,
            stop_at: None,
        };
        // A bare chapter link (`?scenario=…&chapter=2`: defaults, no faults, the canonical seed) sets the chapter's
        // scene, then the URL's step, if any, moves the cursor. A link made by the page spells out the chapter's
        // settings and faults itself, and whatever was changed since: those win.
        let bare = state.inputs.params == scenario.default_params()
            && state.inputs.faults.is_empty()
            && state.inputs.seed == scenario.canonical_seed();
        // `beat=N` puts the story at that beat: a bare link sets the beat's scene and cursor; a link the page made
        // already spells the scene out.
        match chapter {
            Some(i) if bare => {
                let mut s = (*Rc::new(state).reduce(Action::Chapter(i))).clone();
                if let Some(b) = s.current_chapter().and_then(|(_, ch)| ch.beats.get(beat).map(|b| (ch, b))) {
                    if beat > 0 {
                        s = s.enter_scene(b.0, beat);
                        s.beat = beat;
                        s.cursor = s.model.anchor(b.1.at);
                    }
                }
                if let Some(c) = step {
                    s.cursor = c.min(s.steps());
                }
                s.playing = s.embed.autoplay;
                s
            }
            Some(_) => AppState { beat, ..state },
            None => state,
        }
    }

    pub fn steps(&self) -> u32 {
        self.model.steps()
    }

    /// The chapter on screen, with its index.
    pub fn current_chapter(&self) -> Option<(usize, &'static faultline_sim::Chapter)> {
        let c = self.chapter?;
        self.inputs.scenario.chapters().get(c).map(|ch| (c, ch))
    }

    /// What the caption says now: the beat's words, or the chapter's text for a chapter without beats.
    pub fn caption(&self) -> Option<&'static str> {
        let (_, ch) = self.current_chapter()?;
        Some(ch.beats.get(self.beat).map_or(ch.text, |b| b.caption))
    }

    /// The cursor of the compared run: the steps it took up to the primary cursor's time.
    pub fn compare_cursor(&self) -> u32 {
        match &self.compare {
            Some(c) => {
                if self.cursor == 0 {
                    0
                } else {
                    let t = self.model.time_at(self.cursor);
                    c.model.step_us.partition_point(|&s| s <= t) as u32
                }
            }
            None => 0,
        }
    }

    /// The time at which a fault injected now strikes: just after the current step, so every step already
    /// shown stays exactly as it was.
    pub fn inject_at_us(&self) -> u64 {
        if self.cursor == 0 {
            0
        } else {
            self.model.time_at(self.cursor) + 1
        }
    }

    /// What input beyond moving the cursor does (a knob, a fault, a beat, a comparison, an import, …): a function of
    /// its own, not inlined, so that a page's first load, which takes none of these, does not carry it (the build
    /// splits the wasm by function: `xtask/src/split.rs`). `next` is `self`'s clone, as `reduce` made it.
    #[inline(never)]
    fn reduce_rare(self: Rc<Self>, mut next: AppState, action: Action) -> Rc<Self> {
        match action {
            Action::SetParam(key, raw) => {
                let mut params = self.inputs.params.clone();
                match params.set(&key, &raw) {
                    Ok(()) => {
                        let mut n = self.rerun(params, self.inputs.seed, self.inputs.faults.clone());
                        n.chapter = None;
                        return Rc::new(n);
                    }
                    Err(e) => next.notices.push(format!(
                        "{e}; kept {}.",
                        self.inputs
                            .params
                            .get(&key)
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "everything as it was".into())
                    )),
                }
            }
            Action::SetSeed(seed) => {
                return Rc::new(self.rerun(self.inputs.params.clone(), seed, self.inputs.faults.clone()))
            }
            Action::ResetParams => {
                let mut n = self.rerun(self.inputs.scenario.default_params(), self.inputs.seed, FaultPlan::new());
                n.chapter = None;
                return Rc::new(n);
            }
            Action::Inject(fault) => {
                let mut faults = self.inputs.faults.clone();
                faults.push(self.inject_at_us(), fault);
                let mut n = self.rerun(self.inputs.params.clone(), self.inputs.seed, faults);
                n.playing = false;
                return Rc::new(n);
            }
            Action::InjectCompact(text) => {
                let (plan, errors) = FaultPlan::parse_compact(&text);
                next.notices.extend(errors);
                if !plan.is_empty() {
                    let mut faults = self.inputs.faults.clone();
                    faults.0.extend(plan.0);
                    let mut n = next.rerun(self.inputs.params.clone(), self.inputs.seed, faults);
                    n.playing = self.playing;
                    return Rc::new(n);
                }
            }
            Action::RemoveFault(i) if i < self.inputs.faults.0.len() => {
                let mut faults = self.inputs.faults.clone();
                faults.0.remove(i);
                return Rc::new(self.rerun(self.inputs.params.clone(), self.inputs.seed, faults));
            }
            Action::RemoveFault(_) => {}
            Action::OpenRun { sets, seed, faults, invariant } => {
                let params = self.inputs.scenario.params_with(&sets);
                let (plan, errors) = FaultPlan::parse_compact(&faults);
                match params {
                    Ok(params) if errors.is_empty() => {
                        let mut n = self.rerun(params, seed, plan);
                        n.chapter = None;
                        n.beat = 0;
                        n.playing = false;
                        n.cursor = n.model.first_breach_of(&invariant).map_or(n.model.steps(), |step| step + 1);
                        return Rc::new(n);
                    }
                    Ok(_) => next.notices.extend(errors),
                    Err(e) => next.notices.push(format!("Cannot open that run: {e}")),
                }
            }
            Action::ClearFaults => {
                return Rc::new(self.rerun(self.inputs.params.clone(), self.inputs.seed, FaultPlan::new()))
            }
            Action::ToggleCompare => {
                if self.compare.is_some() {
                    next.compare = None;
                } else {
                    let i = &self.inputs;
                    match compared(i.scenario, &i.params, i.seed, &i.faults, self.follow.as_deref()) {
                        Ok(c) => next.compare = Some(c),
                        Err(e) => next.notices.push(format!("Cannot compare: {e}.")),
                    }
                }
            }
            Action::NextBeat if self.blank => next.blank = false,
            Action::PrevBeat if self.blank => next.blank = false,
            Action::NextBeat => {
                let Some((c, ch)) = self.current_chapter() else { return self.reduce(Action::Chapter(0)) };
                if self.beat + 1 >= ch.beats.len() {
                    return if c + 1 < self.inputs.scenario.chapters().len() {
                        self.reduce(Action::Chapter(c + 1))
                    } else {
                        self
                    };
                }
                let beat = ch.beats[self.beat + 1];
                // A beat that adds a fault or a setting forks the run here; the cursor stays.
                let mut next = next.enter_scene(ch, self.beat + 1);
                let target = next.model.anchor(beat.at);
                next.beat = self.beat + 1;
                match beat.play {
                    // Play the way there at the beat's speed, and stop on arrival.
                    Some(speed) if target > self.cursor => {
                        next.speed = SPEEDS.iter().position(|&s| s >= speed).unwrap_or(SPEEDS.len() - 1);
                        next.playing = true;
                        next.stop_at = Some(target);
                    }
                    _ => {
                        next.cursor = target;
                        next.playing = false;
                        next.stop_at = None;
                    }
                }
                return Rc::new(next);
            }
            Action::PrevBeat => {
                let Some((c, ch)) = self.current_chapter() else { return self };
                if self.beat == 0 || ch.beats.is_empty() {
                    if c == 0 {
                        return self;
                    }
                    // The previous chapter, at its last beat.
                    let prev = self.reduce(Action::Chapter(c - 1));
                    let last = prev.current_chapter().map_or(0, |(_, ch)| ch.beats.len().saturating_sub(1));
                    let mut n = (*prev).clone();
                    if let Some((_, ch)) = prev.current_chapter() {
                        if let Some(b) = ch.beats.get(last) {
                            n = n.enter_scene(ch, last);
                            n.beat = last;
                            n.cursor = n.model.anchor(b.at);
                        }
                    }
                    return Rc::new(n);
                }
                let mut next = next.enter_scene(ch, self.beat - 1);
                next.beat = self.beat - 1;
                next.cursor = next.model.anchor(ch.beats[self.beat - 1].at);
                next.playing = false;
                next.stop_at = None;
                return Rc::new(next);
            }
            Action::Import(name, text) => return Rc::new(self.import(name, &text)),
            Action::SetScenario(id) => match faultline_scenarios::find(&id) {
                Some(s) if s.id() != self.inputs.scenario.id() => {
                    let settings = crate::url::parse(&[("scenario".to_string(), s.id().to_string())]);
                    let mut n = AppState::new(settings);
                    n.presenter = self.presenter;
                    n.embed = self.embed.clone();
                    n.speed = self.speed;
                    n.playing = false;
                    return Rc::new(n);
                }
                Some(_) => {}
                None => next.notices.push(format!("unknown scenario `{id}`; known: {}", faultline_scenarios::ids())),
            },
            Action::Follow(member) => {
                let mut n = (*self).clone();
                n.follow = Some(vec![member]);
                let i = &self.inputs;
                let mut n = n.rerun(i.params.clone(), i.seed, i.faults.clone());
                n.chapter = self.chapter;
                return Rc::new(n);
            }
            // `reduce` takes every other action itself.
            _ => {}
        }
        Rc::new(next)
    }
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
            Action::StepBy(n) => {
                next.playing = false;
                next.cursor = (self.cursor as i64 + n).clamp(0, steps as i64) as u32;
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
                let action = if self.playing { Action::Pause } else { Action::Play };
                return self.reduce(action);
            }
            Action::Play => {
                next.playing = steps > 0;
                if self.cursor >= steps {
                    next.cursor = 0;
                }
            }
            Action::Pause => next.playing = false,
            Action::Tick => {
                if self.playing {
                    next.cursor = if self.model.by_time() {
                        let per_tick = SPEEDS[self.speed.min(SPEEDS.len() - 1)] as u64 * TIME_PER_SPEED_US;
                        let target = self.model.time_at(self.cursor) + per_tick;
                        (self.model.step_us.partition_point(|&t| t <= target) as u32).max(self.cursor + 1)
                    } else {
                        self.cursor + 1
                    }
                    .min(steps)
                    .min(self.stop_at.unwrap_or(steps));
                    next.playing = next.cursor < self.stop_at.unwrap_or(steps);
                    if !next.playing {
                        next.stop_at = None;
                    }
                }
            }
            Action::SetSpeed(i) => next.speed = i.min(SPEEDS.len() - 1),
            Action::DismissNotices => next.notices.clear(),
            Action::Notice(n) => next.notices.push(n),
            Action::Select(t) => next.selected = t,
            Action::TogglePresenter => next.presenter = !self.presenter,
            Action::ToggleHelp => next.help = !self.help,
            Action::ToggleBlank => next.blank = !self.blank,
            Action::CloseOverlays => {
                next.help = false;
                next.blank = false;
                next.selected = None;
            }
            Action::Chapter(i) => {
                let Some(ch) = self.inputs.scenario.chapters().get(i) else { return self };
                let mut n = next.enter_scene(ch, 0);
                n.cursor = n.model.anchor(ch.beats.first().map_or(ch.at, |b| b.at));
                n.chapter = Some(i);
                n.beat = 0;
                n.playing = false;
                n.stop_at = None;
                return Rc::new(n);
            }
            rare @ (Action::SetParam(..)
            | Action::SetSeed(_)
            | Action::ResetParams
            | Action::Inject(_)
            | Action::InjectCompact(_)
            | Action::RemoveFault(_)
            | Action::OpenRun { .. }
            | Action::ClearFaults
            | Action::ToggleCompare
            | Action::NextBeat
            | Action::PrevBeat
            | Action::Import(..)
            | Action::SetScenario(_)
            | Action::Follow(_)) => return self.reduce_rare(next, rare),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url;
    use faultline_sim::EventKind;

    #[test]
    fn speeds_are_labelled_in_steps_or_against_real_time() {
        let labels: Vec<String> = SPEEDS.iter().map(|&s| speed_label(s, true)).collect();
        assert_eq!(
            labels[..5],
            ["0.0625× real time", "0.125× real time", "0.25× real time", "0.5× real time", "1× real time"]
        );
        assert_eq!(labels[5..], ["2× real time", "4× real time", "8× real time", "16× real time"]);
        assert_eq!(speed_label(4, false), "4 steps/s");
    }

    fn state_from(pairs: &[(&str, &str)]) -> Rc<AppState> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Rc::new(AppState::new(url::parse(&pairs)))
    }

    fn state() -> Rc<AppState> {
        state_from(&[])
    }

    /// What the search or the check found opens with its settings, seed and plan, the cursor just after its breach,
    /// and leaves the chapter; a bad run is a notice and changes nothing.
    #[test]
    fn a_found_run_opens_at_its_breach() {
        let s = state().reduce(Action::Chapter(1));
        let open = |sets: &str, faults: &str| Action::OpenRun {
            sets: sets.into(),
            seed: 722_232,
            faults: faults.into(),
            invariant: "no-lost-update".into(),
        };
        let f = s.clone().reduce(open("gc_pause_ms=0,fencing=true,run_ms=188", "crash:2@38442,restart:2@39296"));
        assert_eq!((f.inputs.seed, f.inputs.params.int("run_ms"), f.chapter), (722_232, 188, None));
        assert_eq!(f.inputs.faults.to_compact(), "crash:2@38442,restart:2@39296");
        let breach = f.model.first_breach_of("no-lost-update").expect("the run breaks it");
        assert_eq!(f.cursor, breach + 1);
        let bad = s.clone().reduce(open("fencing=maybe", ""));
        assert!(
            Rc::ptr_eq(&bad.model, &s.model) && bad.notices[0].contains("Cannot open that run"),
            "{:?}",
            bad.notices
        );
        let bad = s.clone().reduce(open("", "explode:1@5"));
        assert!(Rc::ptr_eq(&bad.model, &s.model) && bad.notices[0].contains("explode:1@5"), "{:?}", bad.notices);
    }

    #[test]
    fn stepping_stays_within_the_run() {
        let s = state();
        let s = s.reduce(Action::StepBack);
        assert_eq!(s.cursor, 0);
        let s = s.reduce(Action::StepForward).reduce(Action::StepForward);
        assert_eq!(s.cursor, 2);
        let s = s.reduce(Action::StepBy(-5));
        assert_eq!(s.cursor, 0);
        let s = s.reduce(Action::StepBy(1_000_000));
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
        let s = s.reduce(Action::SetParam("ttl_ms".into(), "0".into()));
        assert!(Rc::ptr_eq(&before, &s.model));
        assert_eq!(s.notices.len(), 1);
        assert!(s.notices[0].contains("`ttl_ms` = 0 is out of range"), "{:?}", s.notices);
        let s = s.reduce(Action::SetParam("nope".into(), "1".into()));
        assert!(s.notices[1].contains("unknown parameter `nope`"), "{:?}", s.notices);
        let s = s
            .reduce(Action::SetParam("gc_client".into(), "2".into()))
            .reduce(Action::SetParam("clients".into(), "1".into()));
        assert!(s.notices.iter().any(|n| n.contains("Cannot run with that change")), "{:?}", s.notices);
        assert_eq!(s.inputs.params.int("clients"), 2);
        assert!(s.reduce(Action::DismissNotices).notices.is_empty());
    }

    #[test]
    fn changing_a_parameter_reruns_and_keeps_the_cursor() {
        let s = state().reduce(Action::Seek(10));
        let s2 = s.clone().reduce(Action::SetParam("fencing".into(), "true".into()));
        assert!(!Rc::ptr_eq(&s.model, &s2.model));
        assert_ne!(s.model.trace.hash, s2.model.trace.hash);
        assert_eq!(s2.cursor, 10);
        assert!(s2.inputs.params.bool("fencing"));
    }

    #[test]
    fn conflicting_url_settings_fall_back_to_defaults_with_a_notice() {
        let st = state_from(&[("gc_client", "2"), ("clients", "1"), ("step", "5000")]);
        assert_eq!(st.inputs.params, st.inputs.scenario.default_params());
        assert!(
            st.notices.iter().any(|n| n.contains("gc_client = 2 but there are only 1 clients")),
            "{:?}",
            st.notices
        );
        assert!(st.notices.iter().any(|n| n.contains("past the end")), "{:?}", st.notices);
        assert_eq!(st.cursor, st.steps());
        let st = state_from(&[("faults", "crash:42@10")]);
        assert!(st.inputs.faults.is_empty());
        assert!(st.notices.iter().any(|n| n.contains("names node 42")), "{:?}", st.notices);
    }

    #[test]
    fn an_injected_fault_changes_only_the_future() {
        let s = state();
        for cursor in [0, 5, s.steps() / 2, s.steps()] {
            let at = s.clone().reduce(Action::Seek(cursor));
            let forked = at.clone().reduce(Action::Inject(Fault::Crash { node: 3 }));
            assert_eq!(forked.inputs.faults.entries().len(), 1);
            assert_eq!(forked.cursor, cursor);
            let past = |m: &Model| m.trace.events.iter().filter(|e| e.step < cursor).cloned().collect::<Vec<_>>();
            assert_eq!(past(&forked.model), past(&at.model), "cursor {cursor}");
            assert!(forked
                .model
                .trace
                .events
                .iter()
                .any(|e| matches!(e.kind, EventKind::Fault { .. }) && e.step >= cursor));
            // Removing it gives back the original run.
            let back = forked.reduce(Action::RemoveFault(0));
            assert_eq!(back.model.trace.hash, s.model.trace.hash);
        }
    }

    #[test]
    fn chapters_set_parameters_and_place_the_cursor() {
        let s = state();
        for (i, ch) in s.inputs.scenario.chapters().iter().enumerate() {
            let c = s.clone().reduce(Action::Chapter(i));
            assert_eq!(c.chapter, Some(i));
            // A chapter starts at its first beat (or, without beats, at its anchor).
            assert_eq!(c.cursor, c.model.anchor(ch.beats.first().map_or(ch.at, |b| b.at)), "{}", ch.title);
            assert!(c.notices.is_empty(), "{}: {:?}", ch.title, c.notices);
        }
        // Touching a knob leaves the chapter.
        let c = s.reduce(Action::Chapter(1)).reduce(Action::SetParam("ttl_ms".into(), "700".into()));
        assert_eq!(c.chapter, None);
    }

    #[test]
    fn compare_runs_the_mitigation_the_other_way_in_sync() {
        let s = state().reduce(Action::ToggleCompare);
        let other = s.compare.clone().expect("redis-lock compares fencing").model.clone();
        assert!(other.trace.params["fencing"] == faultline_sim::ParamValue::Bool(true));
        let s = s.reduce(Action::Seek(20));
        let t = s.model.time_at(20);
        let c = s.compare_cursor();
        assert!(c == 0 || other.step_us[c as usize - 1] <= t);
        assert!(other.step_us.get(c as usize).is_none_or(|&u| u > t));
        // Knob changes keep comparing.
        let s = s.reduce(Action::SetParam("ttl_ms".into(), "700".into()));
        assert!(s.compare.is_some());
        assert!(s.reduce(Action::ToggleCompare).compare.is_none());
    }

    /// Without a mitigation, compare mode shows the counterpart scenario: a chapter of two-phase commit beside the
    /// saga, re-run when the chapter changes, and from the URL too.
    #[test]
    fn compare_shows_the_counterpart_scenario_for_the_chapter_on_screen() {
        let s =
            state_from(&[("scenario", "two-phase-commit")]).reduce(Action::Chapter(1)).reduce(Action::ToggleCompare);
        let c = s.compare.clone().expect("two-phase commit compares with the saga");
        assert_eq!(c.model.trace.scenario, "saga");
        assert_eq!(c.model.trace.faults.to_compact(), "crash:0@50000");
        assert!(c.other.starts_with("Sagas") && c.other.contains("fail_step=0"), "{}", c.other);
        let s = s.reduce(Action::Chapter(2));
        let c = s.compare.clone().expect("still comparing");
        assert_eq!(c.model.trace.faults.to_compact(), "crash:0@50000,restart:0@1450000");
        let s = state_from(&[("scenario", "saga"), ("view", "compare")]);
        assert_eq!(s.compare.as_ref().map(|c| c.model.trace.scenario.as_str()), Some("two-phase-commit"));
        assert!(s.notices.is_empty(), "{:?}", s.notices);
    }

    /// A choice of fixes compares with the baseline, or from the baseline with the strongest.
    #[test]
    fn compare_puts_two_mitigations_side_by_side() {
        let s = state_from(&[("scenario", "thundering-herd"), ("clients", "100"), ("run_ms", "2000")]);
        let mitigation = |c: &Compared| c.model.trace.params["mitigation"].to_string();
        let c = s.clone().reduce(Action::ToggleCompare).compare.clone().expect("the herd compares mitigations");
        assert_eq!((mitigation(&c), c.this.as_str()), ("xfetch".to_string(), "mitigation = none"));
        let s = s.reduce(Action::SetParam("mitigation".into(), "single-flight".into())).reduce(Action::ToggleCompare);
        assert_eq!(s.compare.as_ref().map(|c| mitigation(c)), Some("none".to_string()));
    }

    /// A crowd plays by time, and following a client keeps its events without changing the run.
    #[test]
    fn following_a_client_keeps_its_events_and_the_same_hash() {
        let s = state_from(&[("scenario", "thundering-herd"), ("clients", "400"), ("run_ms", "3000")]);
        assert!(s.model.by_time());
        let members = |s: &AppState| {
            let mut m: Vec<u32> = s.model.trace.events.iter().filter_map(|e| e.member.get()).collect();
            m.dedup();
            m.sort_unstable();
            m.dedup();
            m
        };
        assert_eq!(members(&s), [0, 1], "the scenario follows two clients by default");
        let f = s.clone().reduce(Action::Seek(200)).reduce(Action::Follow(17));
        assert_eq!((members(&f), f.cursor, &f.model.trace.hash), (vec![17], 200, &s.model.trace.hash));
        // Playing moves by time: one tick at the default speed covers 12.5 ms of the run.
        let target = f.model.time_at(200) + 12_500;
        let t = f.clone().reduce(Action::Play).reduce(Action::Tick);
        assert_eq!(t.cursor, (f.model.step_us.partition_point(|&u| u <= target) as u32).max(201));
        assert!(t.cursor > 202, "more than one step per tick");
    }

    /// A remote walks a chapter beat by beat: PageDown plays the way to the next beat at its speed and stops
    /// there; PageUp jumps back; past the last beat comes the next chapter, before the first the previous one's
    /// last.
    #[test]
    fn a_remote_walks_the_story_beat_by_beat() {
        let s = state().reduce(Action::Chapter(1));
        let beats = s.inputs.scenario.chapters()[1].beats;
        assert!(beats.len() >= 3);
        assert_eq!((s.beat, s.cursor, s.caption()), (0, s.model.anchor(beats[0].at), Some(beats[0].caption)));
        let mut s = s.reduce(Action::NextBeat);
        let target = s.model.anchor(beats[1].at);
        assert_eq!((s.beat, s.playing, s.stop_at), (1, true, Some(target)));
        while s.playing {
            s = s.reduce(Action::Tick);
        }
        assert_eq!(s.cursor, target, "playing stops at the beat");
        let back = s.clone().reduce(Action::PrevBeat);
        assert_eq!((back.beat, back.cursor), (0, s.model.anchor(beats[0].at)));
        let mut s = s;
        while s.beat + 1 < beats.len() {
            s = s.reduce(Action::NextBeat);
        }
        assert_eq!((s.chapter, s.beat), (Some(1), beats.len() - 1));
        let next = s.clone().reduce(Action::NextBeat);
        assert_eq!((next.chapter, next.beat), (Some(2), 0));
        let again = next.reduce(Action::PrevBeat);
        assert_eq!((again.chapter, again.beat), (Some(1), beats.len() - 1));
        // With no chapter on, the remote starts the story.
        assert_eq!(state().reduce(Action::NextBeat).chapter, Some(0));
        // The remote's blank key blacks the screen out; the next click of the remote brings it back where it was.
        let dark = again.clone().reduce(Action::ToggleBlank);
        assert!(dark.blank);
        let back = dark.reduce(Action::NextBeat);
        assert_eq!(
            (back.blank, back.chapter, back.beat, back.cursor),
            (false, again.chapter, again.beat, again.cursor)
        );
    }

    /// A host with a remote: from the landing page, PageDown alone visits every beat of every chapter in order,
    /// each at its anchor with its caption (playing the way there where the beat says so), for every scenario.
    #[test]
    fn the_remote_alone_walks_every_story_from_the_landing_page() {
        for sc in faultline_scenarios::all() {
            let mut s = state_from(&[("scenario", sc.id()), ("presenter", "1")]);
            for (c, ch) in sc.chapters().iter().enumerate() {
                assert!(ch.beats.len() >= 2, "{}: `{}` is told in beats", sc.id(), ch.title);
                for (b, beat) in ch.beats.iter().enumerate() {
                    if (c, b) != (0, 0) {
                        s = s.reduce(Action::NextBeat);
                        for _ in 0..1_000_000 {
                            if !s.playing {
                                break;
                            }
                            s = s.reduce(Action::Tick);
                        }
                    }
                    let at = format!("{}: `{}`, beat {}", sc.id(), ch.title, b + 1);
                    assert_eq!((s.chapter, s.beat, s.caption()), (Some(c), b, Some(beat.caption)), "{at}");
                    assert_eq!(s.cursor, s.model.anchor(beat.at), "{at}");
                }
            }
            // At the last beat of the last chapter the remote stays put.
            let end = s.clone().reduce(Action::NextBeat);
            assert_eq!((end.chapter, end.beat, end.cursor), (s.chapter, s.beat, s.cursor), "{}", sc.id());
        }
    }

    /// A beat that adds a fault forks the run where the story is: Raft's leader crash joins the plan at the
    /// second beat, the restart at the fourth; the steps on screen stay as they were, and going back removes them.
    #[test]
    fn a_beat_adds_its_fault_to_the_run_as_the_host_speaks() {
        let s = state_from(&[("scenario", "raft"), ("chapter", "2")]);
        assert!(s.inputs.faults.is_empty(), "{}", s.inputs.faults.to_compact());
        let at = s.cursor;
        let crash = s.clone().reduce(Action::NextBeat);
        assert_eq!(crash.inputs.faults.to_compact(), "crash:4@1000000");
        assert_eq!(crash.cursor, at, "the cursor stays; the way to the crash plays from here");
        let shown = |m: &Model| m.trace.events.iter().take_while(|e| e.step < at).cloned().collect::<Vec<_>>();
        assert_eq!(shown(&crash.model), shown(&s.model));
        let mut end = crash;
        while end.beat + 1 < 4 {
            end = end.reduce(Action::NextBeat);
        }
        assert_eq!(end.inputs.faults.to_compact(), "crash:4@1000000,restart:4@2000000");
        // The URL names the beat, so that a reload shows its caption: a bare link sets the beat's scene, a link the
        // page made (faults spelled out) just the beat.
        let bare = state_from(&[("scenario", "raft"), ("chapter", "2"), ("beat", "4")]);
        assert_eq!((bare.beat, bare.inputs.faults.to_compact().as_str()), (3, "crash:4@1000000,restart:4@2000000"));
        assert_eq!(bare.cursor, end.cursor);
        let faults = end.inputs.faults.to_compact();
        let made = state_from(&[
            ("scenario", "raft"),
            ("run_ms", "3000"),
            ("faults", &faults),
            ("chapter", "2"),
            ("beat", "4"),
        ]);
        assert_eq!((made.beat, made.inputs.faults.to_compact()), (3, faults));
        let bad = state_from(&[("scenario", "raft"), ("chapter", "2"), ("beat", "9")]);
        assert_eq!(bad.beat, 0);
        assert!(bad.notices[0].contains("beat `9` is not one of 1..=4"), "{:?}", bad.notices);
        let back = end.reduce(Action::PrevBeat);
        assert_eq!(back.inputs.faults.to_compact(), "crash:4@1000000");
        assert!(back.reduce(Action::PrevBeat).reduce(Action::PrevBeat).inputs.faults.is_empty());
    }

    /// A bare chapter link sets the chapter's scene; a link the page made keeps what it spells out.
    #[test]
    fn a_chapter_in_the_url_sets_its_scene_unless_the_url_spells_one_out() {
        let bare = state_from(&[("scenario", "two-phase-commit"), ("chapter", "2")]);
        assert_eq!((bare.chapter, bare.inputs.faults.to_compact().as_str()), (Some(1), "crash:0@100000"));
        let ch = &bare.inputs.scenario.chapters()[1];
        assert_eq!(bare.cursor, bare.model.anchor(ch.beats.first().map_or(ch.at, |b| b.at)), "its first beat");
        let at = state_from(&[("scenario", "two-phase-commit"), ("chapter", "2"), ("step", "5")]);
        assert_eq!((at.cursor, at.inputs.faults.is_empty()), (5, false));
        let spelled = state_from(&[("scenario", "two-phase-commit"), ("chapter", "2"), ("faults", "crash:1@1000")]);
        assert_eq!((spelled.chapter, spelled.inputs.faults.to_compact().as_str()), (Some(1), "crash:1@1000"));
    }

    /// `?scenario=ID` alone opens the story: chapter 1, its first beat, its caption. A URL that names anything
    /// else (a step, a view, a knob, an embed) shows exactly that.
    #[test]
    fn a_bare_scenario_link_lands_on_the_first_beat_of_the_first_chapter() {
        for s in faultline_scenarios::all() {
            let opened = state_from(&[("scenario", s.id())]);
            let ch = &s.chapters()[0];
            assert_eq!((opened.chapter, opened.beat), (Some(0), 0), "{}", s.id());
            assert_eq!(opened.cursor, opened.model.anchor(ch.beats.first().map_or(ch.at, |b| b.at)), "{}", s.id());
            assert_eq!(opened.caption(), Some(ch.beats.first().map_or(ch.text, |b| b.caption)));
            assert!(opened.notices.is_empty() && !opened.playing, "{}: {:?}", s.id(), opened.notices);
            let presenting = state_from(&[("scenario", s.id()), ("presenter", "1")]);
            assert_eq!((presenting.chapter, presenting.cursor), (Some(0), opened.cursor));
        }
        for named in [
            [("scenario", "raft"), ("step", "0")],
            [("scenario", "raft"), ("embed", "1")],
            [("scenario", "raft"), ("seed", "7")],
        ] {
            let s = state_from(&named);
            assert_eq!((s.chapter, s.cursor), (None, 0), "{named:?}");
        }
        assert_eq!(state().chapter, None);
    }

    #[test]
    fn switching_scenarios_opens_their_story_at_the_first_beat() {
        let s = state().reduce(Action::Seek(9)).reduce(Action::SetScenario("raft".into()));
        assert_eq!(s.inputs.scenario.id(), "raft");
        assert_eq!((s.chapter, s.beat, s.inputs.seed), (Some(0), 0, s.inputs.scenario.canonical_seed()));
        let first = state_from(&[("scenario", "raft"), ("chapter", "1")]);
        assert_eq!((s.cursor, &s.inputs.params), (first.cursor, &first.inputs.params));
        let s = s.reduce(Action::SetScenario("paxos".into()));
        assert_eq!(s.inputs.scenario.id(), "raft");
        assert!(s.notices[0].contains("unknown scenario `paxos`"));
    }

    #[test]
    fn imports_replace_the_run_only_when_valid() {
        let s = state().reduce(Action::Seek(7));
        let bad = s.clone().reduce(Action::Import("x.json".into(), "{oops".into()));
        assert!(Rc::ptr_eq(&bad.model, &s.model));
        assert_eq!(bad.cursor, 7);
        assert!(bad.notices[0].starts_with("Could not import x.json: the file is not JSON"), "{:?}", bad.notices);

        let fenced = state_from(&[("fencing", "true"), ("faults", "pause:1:1000@5")]);
        let text = serde_json::to_string(&fenced.model.trace.report()).unwrap();
        let imported = s.clone().reduce(Action::Import("run.json".into(), text.clone()));
        assert_eq!(imported.model.trace.hash, fenced.model.trace.hash);
        assert!(imported.inputs.params.bool("fencing"));
        assert_eq!(imported.inputs.faults, fenced.inputs.faults);
        assert!(imported.model.views_at(3).is_some());
        assert!(
            imported.notices[0].ends_with(&format!("(hash {}).", fenced.model.trace.hash)),
            "{:?}",
            imported.notices
        );

        // A file exported before the compact hash encoding: the same run, its hash as those versions computed it.
        let older_hash = fenced.model.trace.compute_hash_v3();
        assert_ne!(older_hash, fenced.model.trace.hash);
        let older = text.replacen(&fenced.model.trace.hash, &older_hash, 1);
        let imported = s.clone().reduce(Action::Import("older.json".into(), older));
        assert_eq!(imported.model.trace.hash, fenced.model.trace.hash);
        assert!(
            imported.notices[0].contains(&format!("(hash {older_hash}, as earlier versions")),
            "{:?}",
            imported.notices
        );

        // Same inputs, but a hash that does not match: refused.
        let forged = text.replacen(&fenced.model.trace.hash, "0123456789abcdef", 1);
        let refused = s.reduce(Action::Import("forged.json".into(), forged));
        assert!(refused.notices[0].contains("not to its 0123456789abcdef"), "{:?}", refused.notices);
    }
}
