//! What a scenario offers to the CLI, the tests and the browser: identity, docs for learners, parameters, and a
//! run from (parameters, seed, fault plan) to a trace.

use crate::check::{Bounds, Report};
use crate::fault::FaultPlan;
use crate::kernel::explore::Explore;
use crate::kernel::{Limits, RunOutput, Sim, SimError, Stepper};
use crate::net::NetConfig;
use crate::node::{Invariant, Node, Snapshot};
use crate::params::{ParamError, ParamSpec, Params};
use crate::trace::{NodeInfo, Trace, TRACE_VERSION};
use thiserror::Error;

/// A titled part of a scenario's narrative for learners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub title: &'static str,
    pub body: &'static str,
}

/// Where a chapter leaves the cursor: anchors that survive changes of seed and parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    Start,
    End,
    /// Just after the first fault strikes.
    FirstFault,
    /// Just after the first breach (of this invariant, or of any violation when `None`).
    FirstBreach(Option<&'static str>),
    /// Just after the last step at or before this time (µs).
    Time(u64),
}

impl At {
    /// Whether the run has what this anchor names (a fault, the breach, a step by that time); `Start` and `End`
    /// always.
    pub fn reached_in(&self, t: &Trace) -> bool {
        match *self {
            At::Start | At::End => true,
            At::FirstFault | At::FirstBreach(_) => self.first_event(t).is_some(),
            At::Time(us) => us <= t.end_us,
        }
    }

    /// The cursor this anchor puts on the run: how many steps are shown (the end of the run when the anchor is
    /// not in it). `Time` counts the steps with a kept event by then (a crowd's other steps keep none: the browser
    /// uses each step's own time instead).
    pub fn cursor_in(&self, t: &Trace) -> u32 {
        match *self {
            At::Start => 0,
            At::End => t.steps,
            At::FirstFault | At::FirstBreach(_) => self.first_event(t).map_or(t.steps, |e| e.step + 1),
            At::Time(us) => t.events.iter().take_while(|e| e.at_us <= us).last().map_or(0, |e| e.step + 1),
        }
    }

    /// The event a `FirstFault` or `FirstBreach` anchor names, if the run has it (`None` for the other anchors).
    fn first_event<'t>(&self, t: &'t Trace) -> Option<&'t crate::trace::Event> {
        use crate::trace::EventKind;
        t.events.iter().find(|e| match (self, &e.kind) {
            (At::FirstFault, EventKind::Fault { .. }) => true,
            (At::FirstBreach(Some(name)), EventKind::Breach(b)) => *name == b.invariant,
            (At::FirstBreach(None), EventKind::Breach(b)) => b.severity == crate::Severity::Violation,
            _ => false,
        })
    }
}

/// One beat of a chapter's story: where the cursor goes, and the one or two sentences said there. A host moves
/// from beat to beat with a presentation remote (PageDown / PageUp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beat {
    pub at: At,
    /// On the screen, large: what to see now.
    pub caption: &'static str,
    /// For the host only (the speaker window): what to say, what to ask the room.
    pub notes: &'static str,
    /// Coming from the beat before, play the steps between at this many steps a second instead of jumping (a
    /// run that plays by time: this many sixteenths of real time).
    pub play: Option<u32>,
    /// Faults (compact form) that join the chapter's from this beat on: the host says "now the leader crashes",
    /// and the run forks there (a fault timed after the cursor leaves everything on screen as it was).
    pub faults: &'static str,
    /// Settings that change from this beat on.
    pub params: &'static [(&'static str, &'static str)],
}

impl Beat {
    /// A beat that jumps to `at`.
    pub const fn at(at: At, caption: &'static str) -> Beat {
        Beat { at, caption, notes: "", play: None, faults: "", params: &[] }
    }

    /// A beat reached by playing the steps from the beat before at `speed` steps a second.
    pub const fn play(at: At, speed: u32, caption: &'static str) -> Beat {
        Beat { at, caption, notes: "", play: Some(speed), faults: "", params: &[] }
    }

    /// The same beat with notes for the host.
    pub const fn notes(self, notes: &'static str) -> Beat {
        Beat { notes, ..self }
    }

    /// The same beat, adding faults to the run from here on.
    pub const fn with_faults(self, faults: &'static str) -> Beat {
        Beat { faults, ..self }
    }

    /// The same beat, changing settings from here on.
    pub const fn with_params(self, params: &'static [(&'static str, &'static str)]) -> Beat {
        Beat { params, ..self }
    }
}

/// One step of a guided story: the state it reaches (parameters over the defaults, faults, cursor) and what a
/// learner should see there, in plain words. Chapters are data in each scenario's folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chapter {
    pub title: &'static str,
    pub text: &'static str,
    /// `key=value` settings applied over the defaults.
    pub params: &'static [(&'static str, &'static str)],
    /// A fault plan in compact form (see [`FaultPlan::parse_compact`]), usually empty.
    pub faults: &'static str,
    /// Where the chapter starts when it has no beats (then it is one beat: `text` at `at`).
    pub at: At,
    /// The story in beats, in order (empty: one beat).
    pub beats: &'static [Beat],
}

impl Chapter {
    /// The settings and the fault plan (compact form) in force at beat `beat`: the chapter's, then each beat's up
    /// to that one (a later setting of the same key wins).
    pub fn scene(&self, beat: usize) -> (Vec<(&'static str, &'static str)>, String) {
        let upto = &self.beats[..(beat + 1).min(self.beats.len())];
        let params = self.params.iter().chain(upto.iter().flat_map(|b| b.params)).copied().collect();
        let faults: Vec<&str> =
            std::iter::once(self.faults).chain(upto.iter().map(|b| b.faults)).filter(|f| !f.is_empty()).collect();
        (params, faults.join(","))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Record every node's panel whenever it changes (the UI wants it; sweeps do not).
    pub record_views: bool,
    /// Record breaches only (see [`Sim::lean`]): searches and sweeps.
    pub lean: bool,
    /// Limits instead of the scenario's (see [`Limits::default`] and [`Crowd`]).
    pub max_steps: Option<u32>,
    pub max_queue: Option<usize>,
    /// The crowd members whose events the trace keeps, instead of the scenario's choice (see [`Crowd`]).
    pub follow: Option<Vec<u32>>,
}

impl RunOptions {
    /// Breaches and the outcome only (see [`Sim::lean`]).
    pub const LEAN: RunOptions =
        RunOptions { record_views: false, lean: true, max_steps: None, max_queue: None, follow: None };

    /// The kernel limits for a run of this setup.
    pub fn limits<N>(&self, setup: &Setup<N>) -> Limits {
        let d = setup.crowd.as_ref().map_or_else(Limits::default, |c| Limits {
            max_steps: c.max_steps,
            max_queue: c.max_queue,
            ..Limits::default()
        });
        Limits {
            max_steps: self.max_steps.unwrap_or(d.max_steps),
            max_queue: self.max_queue.unwrap_or(d.max_queue),
            horizon_us: setup.horizon_us,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RunError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// How a chart combines the values its nodes report for one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// The value most recently reported by any node (who leads now; a duration just measured).
    Latest,
    /// The largest latest value across nodes (the highest term; the most entries committed).
    Max,
    /// The sum of the nodes' latest values (clients waiting; requests in flight).
    Sum,
}

/// A number a scenario charts over time: the metric its narration reports with `out.metric(name, value)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesSpec {
    pub metric: &'static str,
    /// The chart's title for a learner.
    pub label: &'static str,
    pub aggregate: Aggregate,
}

/// A view a scenario declares besides the sequence diagram, which every scenario gets. The web crate draws each
/// kind with one generic widget; nothing in it knows a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The nodes as a ring of peers: each node's badge, cell row and countdown (from its [`crate::NodeView`]
    /// widgets), messages in flight on the chords, cut links dashed. `legend` says what the badges mean.
    Ring { legend: &'static str },
    /// One chart per series, over time.
    Charts(&'static [SeriesSpec]),
    /// Every crowd member as a cell coloured by its state (each node's [`crate::Widget::Population`], a block per
    /// node): `states` names the states in the order of their numbers, for the legend. Clicking a cell follows
    /// that member: the trace keeps its events and the diagram shows them.
    Population { states: &'static [&'static str] },
}

/// What a declared sample run is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleRole {
    /// Pinned as a golden trace (canonical seed), and checked for the same hash in wasm (many seeds).
    Golden,
    /// Checked for the same hash in wasm (many seeds).
    Check,
    /// The benchmark's workload for this scenario, as the browser runs it; checked in wasm too.
    Bench,
    /// A long run the browser benchmark seeks and steps through (too long for the checks).
    LongRun,
}

/// A run worth naming: parameters over the defaults (`key=value,key=value`) and what it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Names the golden file `tests/golden/{scenario}-{name}.json`.
    pub name: &'static str,
    pub sets: &'static str,
    pub role: SampleRole,
}

impl Sample {
    pub const fn golden(name: &'static str, sets: &'static str) -> Self {
        Sample { name, sets, role: SampleRole::Golden }
    }
    pub const fn check(name: &'static str, sets: &'static str) -> Self {
        Sample { name, sets, role: SampleRole::Check }
    }
    pub const fn bench(name: &'static str, sets: &'static str) -> Self {
        Sample { name, sets, role: SampleRole::Bench }
    }
    pub const fn long_run(name: &'static str, sets: &'static str) -> Self {
        Sample { name, sets, role: SampleRole::LongRun }
    }
}

/// A broken variant the scenario teaches: with these settings, a sweep over seeds `0..seeds` must find a breach
/// of one of `invariants` (a violation, or an observation for liveness).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broken {
    pub sets: &'static str,
    pub invariants: &'static [&'static str],
    pub seeds: u64,
}

/// Another scenario that meets the same failure another way (two-phase commit and the saga), for the compare view:
/// the run on screen beside its counterpart's run, synced by time.
#[derive(Clone, Copy, Debug)]
pub struct Counterpart {
    /// The other scenario's id.
    pub scenario: &'static str,
    /// What the compare button and the caption call it: `the saga`.
    pub label: &'static str,
    /// This run (parameters, seed, fault plan) in the counterpart's terms, to run with the same seed.
    pub translate: fn(&Params, u64, &FaultPlan) -> Translated,
}

/// A run carried into a [`Counterpart`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translated {
    /// Settings over the counterpart's defaults: `key=value,key=value`.
    pub sets: String,
    /// Every fault of the run, the ones its parameters draw included, as the counterpart's plan.
    pub faults: FaultPlan,
    /// What did not carry over or moved, in plain words for the caption (may be empty).
    pub note: String,
}

/// What a scenario is, as data: everything but how it runs. Build it from [`ScenarioInfo::DEFAULT`] with struct
/// update syntax, so that a field added later touches no scenario:
/// `static INFO: ScenarioInfo = ScenarioInfo { id: "two-phase-commit", title: "…", ..ScenarioInfo::DEFAULT };`
#[derive(Clone, Copy, Debug)]
pub struct ScenarioInfo {
    /// The id used by the CLI and the URL: `two-phase-commit`.
    pub id: &'static str,
    pub title: &'static str,
    /// One line for `faultline list`.
    pub summary: &'static str,
    /// What to watch for, why it fails, why the fix works, and where it comes from.
    pub narrative: &'static [Section],
    pub params: &'static [ParamSpec],
    /// A seed whose run with default parameters shows the scenario's point.
    pub canonical_seed: u64,
    /// A guided story through the scenario (may be empty).
    pub chapters: &'static [Chapter],
    /// The parameter that turns the fix on, for side-by-side comparison: a switch (`fencing`, off by default; the
    /// compare view flips it) or a choice of fixes whose first option is none (the compare view puts the chosen
    /// fix beside the first option, and the first beside the last: order the options so the strongest is last).
    pub mitigation: Option<&'static str>,
    /// Another scenario to compare with side by side, when the scenario has no `mitigation` to flip.
    pub counterpart: Option<Counterpart>,
    /// What the diagram calls a stop-the-world pause of this scenario's nodes (a lock client's pause is its
    /// garbage collector's; the default is `paused`).
    pub pause_label: &'static str,
    /// Views besides the sequence diagram.
    pub views: &'static [View],
    /// Named runs: golden traces, wasm determinism cases, the benchmark's workloads.
    pub samples: &'static [Sample],
    /// Broken variants, each of which a sweep must catch.
    pub broken: &'static [Broken],
    /// Settings (over the defaults, `key=value,…`) under which the protocol is correct: a counterexample search
    /// of swarm-drawn faults must find no violation there (the tests try a fixed budget of candidates).
    pub holds: &'static [&'static str],
    /// Integer parameters that count things (clients, servers, participants): shrinking a counterexample may
    /// lower them (see [`crate::search`]).
    pub sizes: &'static [&'static str],
    /// The integer parameter, in ms, that ends the run: shrinking cuts it to just past the breach.
    pub horizon: Option<&'static str>,
}

impl ScenarioInfo {
    /// The declared samples with this role, in order.
    pub fn samples_for(&self, role: SampleRole) -> impl Iterator<Item = &'static Sample> {
        self.samples.iter().filter(move |x| x.role == role)
    }

    /// Every field's default: start a scenario's info from this.
    pub const DEFAULT: ScenarioInfo = ScenarioInfo {
        id: "",
        title: "",
        summary: "",
        narrative: &[],
        params: &[],
        canonical_seed: 0,
        chapters: &[],
        mitigation: None,
        counterpart: None,
        pause_label: "paused",
        views: &[],
        samples: &[Sample::golden("canonical", "")],
        broken: &[],
        holds: &[""],
        sizes: &[],
        horizon: Some("run_ms"),
    };
}

/// What a scenario's run starts from: its nodes, the network, the faults its own parameters imply (a pause, a
/// drifting clock, faults drawn from the seed) and the time horizon.
pub struct Setup<N> {
    pub nodes: Vec<(NodeInfo, N)>,
    pub net: NetConfig,
    pub faults: FaultPlan,
    pub horizon_us: u64,
    /// Set when a node simulates a crowd (see [`Crowd`]).
    pub crowd: Option<Crowd>,
}

impl<N> Setup<N> {
    pub fn new(nodes: Vec<(NodeInfo, N)>, net: NetConfig, faults: FaultPlan, horizon_us: u64) -> Self {
        Setup { nodes, net, faults, horizon_us, crowd: None }
    }

    pub fn with_crowd(mut self, crowd: Crowd) -> Self {
        self.crowd = Some(crowd);
        self
    }
}

/// The most steps a crowd's run may take. A page computes a run before it shows it, so this bounds how long any
/// knob can keep the page busy: 3–4 s in headless Chromium on the bench's 2-core machine (a thundering herd runs
/// 2.1 M steps/s there, a retry storm 1.7 M; `cargo xtask bench`). A run that needs more — 10,000 clients retrying
/// without backoff, or reading 100 times a minute for ten minutes — is cut there, and its trace says so.
pub const CROWD_MAX_STEPS: u32 = 6_000_000;

/// What a run needs when one of its nodes simulates a crowd — thousands of clients, each a *member* that its
/// messages and timers name ([`crate::Describe::member`]): the trace keeps every event of the followed members
/// and of the nodes, and only a digest of the rest (aggregates come from the nodes' own metrics); and the limits
/// are a crowd's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crowd {
    /// The members whose events the trace keeps (a run's options may choose others).
    pub follow: Vec<u32>,
    pub max_steps: u32,
    pub max_queue: usize,
}

/// What a scenario author implements: the node type, how to build the nodes from typed parameters, and the
/// invariants. A blanket impl makes every `Model` a [`Scenario`] (run, step, sweep, record, the CLI and the
/// browser come for free), after stateright's `Model` for `ActorModel`.
pub trait Model: Sync + 'static {
    /// The node state machine; an enum over the scenario's node kinds.
    type Node: Node + 'static;
    /// The typed parameters, built once per run from [`Params`] (declare both with [`crate::params!`]).
    type Params: for<'a> From<&'a Params>;
    /// The checker's record of the run — who led which term, which writes were accepted — kept by the kernel
    /// and updated by [`Model::observe`], so that no node keeps a copy of anything for the checker. `()` if the
    /// invariants need only the nodes' current state.
    type History: Clone + Default + std::fmt::Debug + 'static;

    fn info(&self) -> &'static ScenarioInfo;

    /// Checks between parameters that no single range can express (`latency_min_ms <= latency_max_ms`).
    fn validate(&self, _p: &Self::Params) -> Result<(), ParamError> {
        Ok(())
    }

    fn setup(&self, p: &Self::Params, seed: u64) -> Setup<Self::Node>;

    /// The checker's history as a run starts: its default, unless an invariant needs something from the
    /// parameters (the threshold of an observation), which it then reads here rather than from a node.
    fn history(&self, _p: &Self::Params) -> Self::History {
        Self::History::default()
    }

    /// Record what the step did (the snapshot names the node that acted and the effects it emitted), after every
    /// step and before the invariants are checked.
    fn observe(_history: &mut Self::History, _step: &Snapshot<'_, Self::Node>) {}

    /// The named predicates checked after every step.
    fn invariants(&self) -> Vec<Invariant<Self::Node, Self::History>>;

    /// The simulation for these inputs, ready to step: for tests that inspect node states.
    fn sim(
        &self,
        params: &Params,
        seed: u64,
        faults: &FaultPlan,
        opts: &RunOptions,
    ) -> Result<Sim<Self::Node, Self::History>, RunError> {
        let p = Self::Params::from(params);
        self.validate(&p)?;
        let mut setup = self.setup(&p, seed);
        // The parameters' own faults come first, then the plan's (an entry at the same time strikes after them).
        setup.faults.0.extend(faults.entries().iter().cloned());
        let limits = opts.limits(&setup);
        let follow = setup.crowd.as_ref().map(|c| opts.follow.clone().unwrap_or_else(|| c.follow.clone()));
        let sim = Sim::with_history(setup.nodes, setup.net, &setup.faults, seed, limits, Self::observe)?;
        Ok(sim
            .follow(follow)
            .record_views(opts.record_views)
            .lean(opts.lean)
            .with_initial_history(self.history(&p))
            .with_invariants(self.invariants()))
    }
}

impl<M: Model> Scenario for M {
    fn info(&self) -> &'static ScenarioInfo {
        Model::info(self)
    }

    fn start(
        &self,
        params: &Params,
        seed: u64,
        faults: &FaultPlan,
        opts: &RunOptions,
    ) -> Result<Box<dyn Stepper>, RunError> {
        Ok(Box::new(self.sim(params, seed, faults, opts)?))
    }

    fn invariant_names(&self) -> Vec<&'static str> {
        self.invariants().iter().map(|i| i.name).collect()
    }

    fn check(
        &self,
        params: &Params,
        seed: u64,
        crashes: u32,
        bounds: Bounds,
        progress: &mut dyn FnMut(u64, u32),
    ) -> Result<ScenarioCheck, RunError> {
        let space = Explore::new(self.sim(params, seed, &FaultPlan::new(), &RunOptions::LEAN)?, crashes);
        let report = crate::check::check(&space, bounds, progress);
        // The plan that replays the counterexample, if an ordinary run of it breaks the same invariant.
        let replay = report.counterexample.as_ref().and_then(|c| {
            let plan = space.replay_plan(&c.actions);
            let t = self.run(params, seed, &plan, &RunOptions::default()).ok()?;
            let same = t.violations().next().is_some_and(|(_, inv, _, _)| inv == c.invariant);
            same.then_some(plan)
        });
        Ok(ScenarioCheck { report: report.described(), replay })
    }
}

/// What an exhaustive check of a scenario found, and the fault plan that replays its counterexample in an
/// ordinary run (`None` when there is none, or when the interleaving cannot be written as a plan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioCheck {
    pub report: Report<String>,
    pub replay: Option<FaultPlan>,
}

pub trait Scenario: Sync {
    fn info(&self) -> &'static ScenarioInfo;

    /// Set up a run without running it: the UI steps it, keeps checkpoints and inspects node states.
    fn start(
        &self,
        params: &Params,
        seed: u64,
        faults: &FaultPlan,
        opts: &RunOptions,
    ) -> Result<Box<dyn Stepper>, RunError>;

    /// The names of the invariants checked after every step.
    fn invariant_names(&self) -> Vec<&'static str>;

    /// Explore every interleaving of this run breadth first (see [`crate::kernel::explore`]), with up to
    /// `crashes` crashes on a path.
    fn check(
        &self,
        params: &Params,
        seed: u64,
        crashes: u32,
        bounds: Bounds,
        progress: &mut dyn FnMut(u64, u32),
    ) -> Result<ScenarioCheck, RunError>;

    /// Run to the end and seal the trace.
    fn run(&self, params: &Params, seed: u64, faults: &FaultPlan, opts: &RunOptions) -> Result<Trace, RunError> {
        let mut sim = self.start(params, seed, faults, opts)?;
        while sim.step() {}
        Ok(Trace::from_run(self.id(), seed, params, faults, sim.finish_boxed()))
    }

    fn id(&self) -> &'static str {
        self.info().id
    }
    fn title(&self) -> &'static str {
        self.info().title
    }
    fn summary(&self) -> &'static str {
        self.info().summary
    }
    fn narrative(&self) -> &'static [Section] {
        self.info().narrative
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.info().params
    }
    fn canonical_seed(&self) -> u64 {
        self.info().canonical_seed
    }
    fn chapters(&self) -> &'static [Chapter] {
        self.info().chapters
    }
    fn mitigation(&self) -> Option<&'static str> {
        self.info().mitigation
    }
    fn counterpart(&self) -> Option<Counterpart> {
        self.info().counterpart
    }
    fn views(&self) -> &'static [View] {
        self.info().views
    }
    fn default_params(&self) -> Params {
        Params::defaults(self.params())
    }
    /// The defaults with `sets` (`key=value,key=value`, as samples and broken variants write them) applied.
    fn params_with(&self, sets: &str) -> Result<Params, ParamError> {
        let mut p = self.default_params();
        p.apply(sets)?;
        Ok(p)
    }
}

impl Trace {
    /// Wrap a finished run with its inputs and seal it with its hash.
    pub fn from_run(scenario: &str, seed: u64, params: &Params, faults: &FaultPlan, out: RunOutput) -> Trace {
        let mut t = Trace {
            version: TRACE_VERSION,
            scenario: scenario.to_string(),
            seed,
            params: params.to_map(),
            faults: faults.clone(),
            nodes: out.nodes,
            steps: out.steps,
            end_us: out.end_us,
            outcome: out.outcome,
            events: out.events,
            members: out.members,
            views: out.views,
            hash: String::new(),
        };
        t.hash = t.compute_hash();
        t
    }
}

/// The exact command that reproduces a run: `faultline run ID --seed 7 --set KEY=VALUE`.
/// Only parameters that differ from their defaults are named; a fault plan comes in its compact form.
pub fn repro_command(scenario: &str, seed: u64, params: &Params, faults: &FaultPlan) -> String {
    let mut cmd = format!("faultline run {scenario} --seed {seed}");
    for (spec, value) in params.non_default() {
        cmd.push_str(&format!(" --set {}={value}", spec.key));
    }
    if !faults.is_empty() {
        cmd.push_str(&format!(" --faults {}", faults.to_compact()));
    }
    cmd
}

/// What a seed sweep found: for each invariant, in how many runs it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepSummary {
    pub scenario: String,
    /// The seeds run: `from..from + runs`.
    pub from: u64,
    pub runs: u64,
    pub params: Params,
    /// Invariant name → number of runs with at least one violation of it.
    pub violations: std::collections::BTreeMap<String, u64>,
    /// Observation name → number of runs in which it was seen.
    pub observations: std::collections::BTreeMap<String, u64>,
    /// Runs cut off by a step or queue limit.
    pub limits_hit: u64,
    pub first_failing_seed: Option<u64>,
    /// The first violation of the first failing run, in the words of its invariant: says why it failed.
    pub first_failure: Option<String>,
}

impl SweepSummary {
    /// A sweep of no seeds yet, starting at seed `from`.
    pub fn empty(scenario: &str, params: &Params, from: u64) -> Self {
        SweepSummary {
            scenario: scenario.to_string(),
            from,
            runs: 0,
            params: params.clone(),
            violations: Default::default(),
            observations: Default::default(),
            limits_hit: 0,
            first_failing_seed: None,
            first_failure: None,
        }
    }

    /// The command that reproduces the first failing run.
    pub fn reproduce(&self) -> Option<String> {
        self.first_failing_seed.map(|seed| repro_command(&self.scenario, seed, &self.params, &FaultPlan::new()))
    }

    /// The report of both ranges of seeds, `next` starting where this one ends (shards of one sweep, run apart):
    /// counts add up, and the first failing seed is this one's if it has one. Shards of another scenario, other
    /// settings or a range that does not follow on are an error that says so.
    pub fn merge(mut self, next: SweepSummary) -> Result<SweepSummary, String> {
        if (next.scenario.as_str(), &next.params) != (self.scenario.as_str(), &self.params) {
            return Err(format!(
                "cannot merge a sweep of {} with one of {} or with other settings",
                self.scenario, next.scenario
            ));
        }
        let end = self.from + self.runs;
        if next.from != end {
            return Err(format!(
                "cannot merge seeds {}..{end} with seeds {}..{}: the ranges must follow on",
                self.from,
                next.from,
                next.from + next.runs
            ));
        }
        self.runs += next.runs;
        for (map, more) in [(&mut self.violations, next.violations), (&mut self.observations, next.observations)] {
            for (k, n) in more {
                *map.entry(k).or_default() += n;
            }
        }
        self.limits_hit += next.limits_hit;
        if self.first_failing_seed.is_none() {
            self.first_failing_seed = next.first_failing_seed;
            self.first_failure = next.first_failure;
        }
        Ok(self)
    }
}

/// Run seeds `0..seeds` with the same parameters and count breaches; `progress` is told each finished seed.
pub fn sweep(
    s: &dyn Scenario,
    params: &Params,
    seeds: u64,
    progress: impl FnMut(u64),
) -> Result<SweepSummary, RunError> {
    sweep_range(s, params, 0..seeds, progress)
}

/// Run the seeds of `range` in order (lean runs: breaches and outcomes only) and count breaches; `progress` is
/// told each finished seed. Shards of a range merge into the range's report ([`SweepSummary::merge`]).
pub fn sweep_range(
    s: &dyn Scenario,
    params: &Params,
    range: std::ops::Range<u64>,
    mut progress: impl FnMut(u64),
) -> Result<SweepSummary, RunError> {
    use crate::trace::Severity;
    let mut r = SweepSummary::empty(s.id(), params, range.start);
    for seed in range {
        let t = s.run(params, seed, &FaultPlan::new(), &RunOptions::LEAN)?;
        r.runs += 1;
        for (sev, map) in [(Severity::Violation, &mut r.violations), (Severity::Observation, &mut r.observations)] {
            let names: std::collections::BTreeSet<&str> = t.breaches(sev).map(|(_, inv, _, _)| inv).collect();
            for n in names {
                *map.entry(n.to_string()).or_default() += 1;
            }
        }
        if t.outcome.limit_message().is_some() {
            r.limits_hit += 1;
        }
        if r.first_failing_seed.is_none() {
            if let Some((_, invariant, message, _)) = t.violations().next() {
                r.first_failing_seed = Some(seed);
                r.first_failure = Some(format!("{invariant}: {message}"));
            }
        }
        progress(seed);
    }
    Ok(r)
}

/// The browser keeps a checkpoint of the world every this many steps: seeking replays at most this many. (The
/// benchmark records runs the same way.)
pub const CHECKPOINT_EVERY: u32 = 256;

/// The state of a run after `step` steps, kept to seek quickly: clone it and step forward. It replays the node
/// panels only ([`Stepper::replay_copy`]): the trace already holds every event and breach.
pub struct Checkpoint {
    pub step: u32,
    pub sim: Box<dyn Stepper>,
}

/// A whole run plus checkpoints every so many steps, and the time of every step (a crowd's steps keep no events
/// to read it from).
pub struct Recording {
    pub trace: Trace,
    pub checkpoints: Vec<Checkpoint>,
    pub step_us: Vec<u64>,
}

/// At most this many checkpoints per recording: a long run (a crowd's millions of steps) keeps one every
/// `every · 2^k` steps instead, so that their memory stays bounded and a seek replays at most that many.
pub const MAX_CHECKPOINTS: usize = 128;

/// Whether a checkpoint taken now, at `step` (an odd multiple of `every`), would be dropped before the run ends:
/// whether the run, going on at the pace it has kept so far until its horizon (or its step limit), would pass
/// [`MAX_CHECKPOINTS`] with `kept` checkpoints at this spacing, and so thin them to every `2 · every` steps.
///
/// A long run cloned its world four times for each checkpoint it kept (the herd at 10,000 clients: 1.8 million
/// steps, 110 checkpoints kept of 493 taken, each a copy of 10,000 clients' state; 338 taken with this). Where the
/// pace misleads (a run that goes quiet before its horizon), the checkpoints skipped leave at most twice `every`
/// steps between two.
fn thinned_later(step: u32, now_us: u64, limits: &Limits, every: u32, kept: usize) -> bool {
    if now_us == 0 || limits.horizon_us == u64::MAX {
        return false;
    }
    // In 64 bits where the product fits, as it does for every run a page makes: a 128-bit division is a library call
    // in wasm (1.1 KB), which the first load of Raft's and the herd's pages ran here, and so carried in its first part.
    let paced = match u64::from(step).checked_mul(limits.horizon_us) {
        Some(product) => product / now_us,
        None => {
            (u128::from(step) * u128::from(limits.horizon_us) / u128::from(now_us)).min(u128::from(u64::MAX)) as u64
        }
    };
    let end = paced.min(u64::from(limits.max_steps));
    let to_come = end.saturating_sub(u64::from(step)) / u64::from(every.max(1));
    kept as u64 + 1 + to_come > MAX_CHECKPOINTS as u64
}

/// Run to the end, keeping a checkpoint every `every` steps (and at step 0) — every twice as many each time
/// [`MAX_CHECKPOINTS`] would be passed. Checkpoints hold no events and no checker history (they replay panels
/// only), so they cost only the world's state. A checkpoint that such a thinning would drop is not taken (see
/// `thinned_later`).
pub fn record(
    s: &dyn Scenario,
    params: &Params,
    seed: u64,
    faults: &FaultPlan,
    opts: &RunOptions,
    every: u32,
) -> Result<Recording, RunError> {
    let mut every = every.max(1);
    let mut sim = s.start(params, seed, faults, opts)?;
    let mut checkpoints = vec![Checkpoint { step: 0, sim: sim.replay_copy() }];
    let mut step_us = Vec::new();
    let limits = sim.limits();
    // The events stay in the run until it ends: a checkpoint's copy leaves them out ([`Stepper::replay_copy`]), so
    // nothing is gained by moving each step's out (that was a copy of every event, 3% of a recorded Raft run).
    while sim.step() {
        step_us.push(sim.now_us());
        let step = sim.steps();
        if step % every == 0
            && (step % (2 * every) == 0 || !thinned_later(step, sim.now_us(), &limits, every, checkpoints.len()))
        {
            checkpoints.push(Checkpoint { step, sim: sim.replay_copy() });
            if checkpoints.len() > MAX_CHECKPOINTS {
                every *= 2;
                checkpoints.retain(|c| c.step % every == 0);
            }
        }
    }
    Ok(Recording { trace: Trace::from_run(s.id(), seed, params, faults, sim.finish_boxed()), checkpoints, step_us })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint is skipped only when the run, at its pace so far, will pass the limit at this spacing.
    #[test]
    fn a_checkpoint_is_skipped_only_when_a_thinning_lies_ahead() {
        let limits = Limits { max_steps: u32::MAX, max_queue: 1_000, horizon_us: 1_000_000 };
        // 1,024 steps in the first 1% of the time: 102,400 by the horizon, 396 more checkpoints at 256.
        assert!(thinned_later(1_024, 10_000, &limits, 256, 5));
        // Half the time gone, 20 kept: 40 more to come, 61 in all, fewer than the limit.
        assert!(!thinned_later(10_240, 500_000, &limits, 256, 20));
        // The step limit ends the run first: 2,048 steps, 4 more checkpoints.
        assert!(!thinned_later(1_024, 10_000, &Limits { max_steps: 2_048, ..limits }, 256, 5));
        // Just at the limit: 123 kept, this one and 4 more make 128 (no thinning); one more kept makes 129.
        let end = Limits { max_steps: 2_048, ..limits };
        assert!(!thinned_later(1_024, 10_000, &end, 256, 123));
        assert!(thinned_later(1_024, 10_000, &end, 256, 124));
        // No pace to go by: at time 0, or without a horizon.
        assert!(!thinned_later(1_024, 0, &limits, 256, 5));
        assert!(!thinned_later(1_024, 10_000, &Limits { horizon_us: u64::MAX, ..limits }, 256, 5));
        // A horizon so far that steps × horizon passes 64 bits: the pace is still worked out (in 128 bits). 3·10^9
        // steps by a third of the way make 9·10^9 by the horizon, capped at the step limit: 1.29·10^9 to come at 1.
        let far = Limits { max_steps: u32::MAX, max_queue: 1_000, horizon_us: u64::MAX - 1 };
        assert!(thinned_later(3_000_000_000, (u64::MAX - 1) / 3, &far, 1, 0));
        // The same pace, with the step limit just past this step: this and one more make two.
        assert!(!thinned_later(3_000_000_000, (u64::MAX - 1) / 3, &Limits { max_steps: 3_000_000_001, ..far }, 1, 0));
    }
}
