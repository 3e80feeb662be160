//! The drawing model: everything the sequence diagram and the panels need, derived once from a trace. This file
//! holds the types and the layout (time to x); `diagram.rs` turns the trace into what is drawn, `replay.rs`
//! rebuilds the panels at any cursor from checkpoints.
//!
//! Pure data, no browser types: built once per run, then each frame only asks "what is visible before step
//! `cursor`?". Lanes are horizontal (one per node), time runs left to right as in Kleppmann's diagrams. The
//! horizontal axis is *compressed* time: every step gets at least [`MIN_GAP`] pixels so that bursts of
//! messages stay readable, and the rest of the width is shared in proportion to elapsed time so that long
//! stretches (a TTL, a long pause) still look long.

use faultline_sim::{
    Aggregate, At, Checkpoint, Condition, Fault, Label, MsgId, NodeId, NodeView, Recording, Severity, Tone, Trace,
};
use reach::{Ends, Reach};
use std::cell::RefCell;
use std::rc::Rc;

mod diagram;
pub mod labels;
mod reach;
mod replay;

pub use faultline_sim::CHECKPOINT_EVERY;

/// Every node's panel at one cursor position.
pub type Views = Rc<Vec<(Condition, NodeView)>>;

pub const LEFT: f64 = 96.0;
pub const RIGHT: f64 = 190.0;
/// The first lane's line: below the time axis, the numbered causes of a violation, and the first lane's two rows of
/// span labels.
pub const TOP: f64 = 84.0;
/// Between two lanes: a lane's disks and two rows of labels under it, and two rows of labels and the span bars over
/// the next one (`components/sequence.rs`), 12.5 pixels a row.
pub const LANE_GAP: f64 = 80.0;
pub const MIN_GAP: f64 = 14.0;
/// Smallest drawing width, so that short runs still spread out.
pub const MIN_WIDTH: f64 = 900.0;
/// How far right of its step a mark (a fault's or a note's label) may be drawn.
pub const MARK_REACH: f64 = 200.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub node: NodeId,
    pub name: String,
    pub role: String,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    Dropped,
    /// Still in flight when the run ended.
    Pending,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    /// The send event's label (inline when short: a long run has 141,000 arrows).
    pub label: Label,
    pub send_step: u32,
    /// The step that delivered or dropped it.
    pub end_step: Option<u32>,
    pub fate: Fate,
    pub send_us: u64,
    pub arrive_us: u64,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarKind {
    /// A scenario's span (`believes it holds the lock`, `lock = c1-5e2a91f0`).
    Span,
    /// A stop-the-world pause.
    Pause,
    /// The node is down (crashed, not yet restarted).
    Down,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub node: NodeId,
    pub kind: BarKind,
    pub label: String,
    pub tone: Tone,
    pub start_step: u32,
    /// The step that ended it; `None` if it lasts to the end of the run.
    pub end_step: Option<u32>,
    pub x1: f64,
    /// Where it ends (or, for a pause, where it is planned to end).
    pub x2: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub node: NodeId,
    pub step: u32,
    pub x: f64,
    pub text: String,
    pub tone: Tone,
    /// A durable write (drawn as a small disk above the lane), not a note.
    pub durable: bool,
}

/// A charted number over the run, as its scenario declared it: (step, time, value) whenever it changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub metric: &'static str,
    pub label: &'static str,
    aggregate: Aggregate,
    pub points: Vec<(u32, u64, i64)>,
    /// The latest value per node, to combine across nodes.
    per_node: Vec<i64>,
}

impl Series {
    /// The points before step `cursor` (the series as of the start of that step).
    pub fn points_before(&self, cursor: u32) -> &[(u32, u64, i64)] {
        &self.points[..self.points.partition_point(|p| p.0 < cursor)]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BreachInfo {
    pub step: u32,
    pub at_us: u64,
    pub invariant: String,
    pub severity: Severity,
    pub message: String,
    pub causes: Vec<u32>,
}

pub struct Model {
    pub trace: Rc<Trace>,
    pub step_us: Vec<u64>,
    pub step_x: Vec<f64>,
    /// Pixels per microsecond on top of the per-step minimum gap.
    pub scale: f64,
    pub width: f64,
    pub height: f64,
    pub lanes: Vec<Lane>,
    pub arrows: Vec<Arrow>,
    pub bars: Vec<Bar>,
    pub marks: Vec<Mark>,
    /// Where to look in `arrows` and `marks` for a window of the diagram, and in `arrows` for the messages in
    /// flight at a step ([`reach`]).
    arrow_reach: Reach,
    mark_reach: Reach,
    arrow_ends: Ends,
    pub breaches: Vec<BreachInfo>,
    /// Per node: (step, condition, view), in step order — only for imported traces that carry views.
    pub recorded_views: Vec<Vec<(u32, Condition, NodeView)>>,
    /// Steps worth jumping to: faults and breaches.
    pub notable: Vec<u32>,
    /// The faults that struck, with their steps, in order: what they did by some step is found without reading
    /// every event before it.
    pub faults: Vec<(u32, Fault)>,
    /// Numbers the scenario charts (its declared series, in order), whenever they change.
    pub series: Vec<Series>,
    /// What the diagram calls a pause of this scenario's nodes.
    pub pause_label: &'static str,
    /// World states every [`CHECKPOINT_EVERY`] steps (none for an imported trace).
    checkpoints: Vec<Checkpoint>,
    /// The run last replayed for the panels, to step forward from it when the cursor moves on.
    replay: RefCell<Option<Box<dyn faultline_sim::Stepper>>>,
    last_views: RefCell<Option<(u32, Views)>>,
}

impl Model {
    /// A model of a live run, with checkpoints for the panels.
    pub fn from_recording(rec: Recording) -> Model {
        let mut m = Model::build(Rc::new(rec.trace), Some(rec.step_us));
        m.checkpoints = rec.checkpoints;
        m
    }

    /// A model of a trace alone (an import): the panels show recorded views if the trace has them.
    pub fn from_trace(trace: Rc<Trace>) -> Model {
        Model::build(trace, None)
    }

    /// `step_us`: every step's time, when the run was recorded here; an imported trace's come from its events
    /// (a step with no kept event — a crowd member's — takes its predecessor's).
    fn build(trace: Rc<Trace>, step_us: Option<Vec<u64>>) -> Model {
        let steps = trace.steps as usize;
        // Which steps have kept events: only those get a gap of their own.
        let mut kept = vec![false; steps];
        let mut from_events = vec![0u64; if step_us.is_some() { 0 } else { steps }];
        for e in &trace.events {
            if let Some(k) = kept.get_mut(e.step as usize) {
                *k = true;
            }
            if let Some(t) = from_events.get_mut(e.step as usize) {
                *t = e.at_us;
            }
        }
        let mut step_us = step_us.filter(|s| s.len() == steps).unwrap_or(from_events);
        step_us.resize(steps, 0);
        for i in 1..steps {
            step_us[i] = step_us[i].max(step_us[i - 1]);
        }
        let shown = kept.iter().filter(|&&k| k).count();
        let total_us = step_us.last().copied().unwrap_or(0).max(1) as f64;
        let width = (shown as f64 * MIN_GAP * 2.2).max(MIN_WIDTH);
        let spare = (width - LEFT - RIGHT - shown as f64 * MIN_GAP).max(0.0);
        let scale = spare / total_us;
        let mut step_x = Vec::with_capacity(steps);
        let mut x = LEFT + MIN_GAP;
        for i in 0..steps {
            if i > 0 {
                x += if kept[i] { MIN_GAP } else { 0.0 } + (step_us[i] - step_us[i - 1]) as f64 * scale;
            }
            step_x.push(x);
        }
        let lanes: Vec<Lane> = trace
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| Lane {
                node: i as NodeId,
                name: n.name.clone(),
                role: n.role.clone(),
                y: TOP + i as f64 * LANE_GAP,
            })
            .collect();
        let height = TOP + lanes.len().max(1) as f64 * LANE_GAP;
        let mut m = Model {
            trace: trace.clone(),
            step_us,
            step_x,
            scale,
            width,
            height,
            lanes,
            arrows: Vec::new(),
            bars: Vec::new(),
            marks: Vec::new(),
            arrow_reach: Reach::default(),
            mark_reach: Reach::default(),
            arrow_ends: Ends::default(),
            breaches: Vec::new(),
            recorded_views: vec![Vec::new(); trace.nodes.len()],
            notable: Vec::new(),
            faults: Vec::new(),
            series: Vec::new(),
            pause_label: "paused",
            checkpoints: Vec::new(),
            replay: RefCell::new(None),
            last_views: RefCell::new(None),
        };
        m.collect();
        m.arrow_reach = Reach::new(m.arrows.iter().map(|a| (a.x1, a.x2)));
        m.mark_reach = Reach::new(m.marks.iter().map(|k| (k.x, k.x + MARK_REACH)));
        m.arrow_ends = Ends::new(m.arrows.iter().map(|a| a.end_step));
        m
    }

    /// The arrows that may reach into [x0, x1] of the diagram (a slice outside which none does).
    pub fn arrows_within(&self, x0: f64, x1: f64) -> &[Arrow] {
        self.arrows.get(self.arrow_reach.within(x0, x1)).unwrap_or(&[])
    }

    /// The marks that may reach into [x0, x1], a mark reaching [`MARK_REACH`] right of its step (its label).
    pub fn marks_within(&self, x0: f64, x1: f64) -> &[Mark] {
        self.marks.get(self.mark_reach.within(x0, x1)).unwrap_or(&[])
    }

    /// The messages that may be in flight at step `cursor`: sent before it, and none before the slice still open.
    pub fn arrows_open_at(&self, cursor: u32) -> &[Arrow] {
        let sent = self.arrows.partition_point(|a| a.send_step < cursor);
        self.arrows.get(self.arrow_ends.first_open_at(cursor).min(sent)..sent).unwrap_or(&[])
    }

    pub fn steps(&self) -> u32 {
        self.trace.steps
    }

    pub fn lane_y(&self, node: NodeId) -> f64 {
        self.lanes.get(node as usize).map_or(TOP, |l| l.y)
    }

    /// x of step `step` (clamped to the run).
    pub fn x_of_step(&self, step: u32) -> f64 {
        match self.step_x.get(step as usize) {
            Some(x) => *x,
            None => self.step_x.last().copied().unwrap_or(LEFT),
        }
    }

    /// x of any true time, interpolated between the steps around it.
    pub fn x_of_time(&self, t: u64) -> f64 {
        let n = self.step_us.len();
        if n == 0 {
            return LEFT;
        }
        // The last step at or before t.
        let i = self.step_us.partition_point(|&s| s <= t);
        if i == 0 {
            return self.step_x[0];
        }
        let i = i - 1;
        if i + 1 >= n {
            return self.step_x[i] + (t - self.step_us[i]) as f64 * self.scale;
        }
        let (t0, t1) = (self.step_us[i], self.step_us[i + 1]);
        if t1 <= t0 {
            return self.step_x[i];
        }
        let f = (t - t0) as f64 / (t1 - t0) as f64;
        self.step_x[i] + f * (self.step_x[i + 1] - self.step_x[i])
    }

    /// True time once `cursor` steps have run (0 before the first).
    /// Whether the run plays by time rather than step by step: a crowd's steps are far too many to watch one by
    /// one.
    pub fn by_time(&self) -> bool {
        !self.trace.members.is_empty()
    }

    pub fn time_at(&self, cursor: u32) -> u64 {
        if cursor == 0 {
            0
        } else {
            self.step_us.get(cursor as usize - 1).copied().unwrap_or_else(|| self.trace.end_us)
        }
    }

    /// x of the "now" line once `cursor` steps have run.
    pub fn x_at(&self, cursor: u32) -> f64 {
        if cursor == 0 {
            LEFT
        } else {
            self.x_of_step(cursor - 1)
        }
    }

    /// The cursor a chapter's anchor stands for in this run.
    pub fn anchor(&self, at: At) -> u32 {
        match at {
            // Every step's own time (a crowd's steps keep no events to read it from).
            At::Time(us) => self.step_us.partition_point(|&t| t <= us) as u32,
            other => other.cursor_in(&self.trace),
        }
    }

    /// Steps whose x lies in `x0..=x1`.
    pub fn steps_in(&self, x0: f64, x1: f64) -> std::ops::Range<u32> {
        let a = self.step_x.partition_point(|&x| x < x0) as u32;
        let b = self.step_x.partition_point(|&x| x <= x1) as u32;
        a..b.max(a)
    }

    /// The breaches raised before `cursor`.
    pub fn breaches_before(&self, cursor: u32) -> impl Iterator<Item = &BreachInfo> {
        self.breaches.iter().filter(move |b| b.step < cursor)
    }

    /// The step of the first breach of `invariant`.
    pub fn first_breach_of(&self, invariant: &str) -> Option<u32> {
        self.breaches.iter().find(|b| b.invariant == invariant).map(|b| b.step)
    }

    /// The links cut once `cursor` steps have run: the fault events so far, applied by the kernel's own rule.
    pub fn cut_links_at(&self, cursor: u32) -> Vec<(NodeId, NodeId)> {
        let mut cut = Vec::new();
        for (_, fault) in self.faults.iter().take_while(|(step, _)| *step < cursor) {
            fault.apply_to_links(&mut cut);
        }
        cut
    }

    /// Indices into `trace.events` of the events of steps `from..to`.
    pub fn events_between(&self, from: u32, to: u32) -> std::ops::Range<usize> {
        let ev = &self.trace.events;
        ev.partition_point(|e| e.step < from)..ev.partition_point(|e| e.step < to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_scenarios::redis_lock::RedisLock;
    use faultline_sim::{record, FaultPlan, RunOptions, Scenario};

    fn model(fencing: bool) -> Model {
        let s = RedisLock;
        let mut p = s.default_params();
        p.set("fencing", if fencing { "true" } else { "false" }).unwrap();
        let rec = record(&s, &p, s.canonical_seed(), &FaultPlan::new(), &RunOptions::default(), 8).unwrap();
        Model::from_recording(rec)
    }

    #[test]
    fn steps_spread_left_to_right_with_a_minimum_gap() {
        let m = model(false);
        assert_eq!(m.step_x.len(), m.steps() as usize);
        assert!(m.step_x.windows(2).all(|w| w[1] - w[0] >= MIN_GAP - 1e-9));
        assert!(m.width >= MIN_WIDTH);
        assert!(m.step_x.last().unwrap() < &(m.width - RIGHT + 1.0));
    }

    #[test]
    fn times_between_steps_interpolate() {
        let m = model(false);
        let (t0, t1) = (m.step_us[10], m.step_us[11]);
        if t1 > t0 {
            let mid = m.x_of_time(t0 + (t1 - t0) / 2);
            assert!(mid > m.step_x[10] && mid < m.step_x[11]);
        }
        assert_eq!(m.x_of_time(m.step_us[5]), m.step_x[m.step_us.partition_point(|&s| s <= m.step_us[5]) - 1]);
    }

    #[test]
    fn arrows_end_where_messages_arrive() {
        let m = model(false);
        assert!(!m.arrows.is_empty());
        for a in &m.arrows {
            assert!(a.x2 >= a.x1, "{a:?}");
            assert_eq!(a.fate, Fate::Delivered, "nothing is dropped in the canonical run");
        }
    }

    #[test]
    fn the_pause_the_leases_and_the_violation_are_drawn() {
        let m = model(false);
        let pause = m.bars.iter().find(|b| b.kind == BarKind::Pause).expect("a pause bar");
        assert_eq!(pause.node, 0);
        assert!(pause.end_step.is_some() && pause.x2 > pause.x1);
        let client_leases =
            m.bars.iter().filter(|b| b.kind == BarKind::Span && m.lanes[b.node as usize].role == "client");
        assert_eq!(client_leases.count(), 2, "both clients believed they held the lock");
        let redis_leases =
            m.bars.iter().filter(|b| b.kind == BarKind::Span && m.lanes[b.node as usize].role == "redis");
        assert_eq!(redis_leases.count(), 2);
        let v: Vec<_> = m.breaches.iter().filter(|b| b.severity == Severity::Violation).collect();
        assert_eq!(v.len(), 1);
        assert!(m.notable.contains(&v[0].step));
        assert_eq!(m.breaches_before(v[0].step).filter(|b| b.severity == Severity::Violation).count(), 0);
        assert_eq!(m.breaches_before(v[0].step + 1).filter(|b| b.severity == Severity::Violation).count(), 1);
    }

    #[test]
    fn panels_replay_the_state_at_the_cursor_from_checkpoints() {
        let m = model(true);
        let end = m.views_at(m.steps()).expect("a live run has views");
        assert_eq!(end[0].1.status, "done");
        assert!(
            end[3].1.fields.iter().any(|(k, v)| k == "writes rejected since it started" && v == "1"),
            "{:?}",
            end[3]
        );
        // While paused, the client's condition says so.
        let pause = m.bars.iter().find(|b| b.kind == BarKind::Pause).unwrap();
        assert_eq!(m.views_at(pause.start_step + 1).unwrap()[0].0, Condition::Paused);
        // Any order of seeks gives the same answer as a straight replay (a record with views on).
        let s = RedisLock;
        let mut p = s.default_params();
        p.set("fencing", "true").unwrap();
        let opts = RunOptions { record_views: true, ..RunOptions::default() };
        let straight = Model::from_trace(Rc::new(s.run(&p, s.canonical_seed(), &FaultPlan::new(), &opts).unwrap()));
        for c in [m.steps(), 3, 4, 30, 29, 0, 17, 18, 19, m.steps() - 1] {
            let a = m.views_at(c).unwrap();
            let b = straight.views_at(c).unwrap();
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                if c > i as u32 {
                    assert_eq!(x, y, "node {i} at cursor {c}");
                }
            }
        }
    }

    #[test]
    fn anchors_land_after_their_events() {
        let m = model(false);
        let fault =
            m.trace.events.iter().find(|e| matches!(e.kind, faultline_sim::EventKind::Fault { .. })).unwrap().step;
        assert_eq!(m.anchor(At::FirstFault), fault + 1);
        let v = m.breaches.iter().find(|b| b.severity == Severity::Violation).unwrap().step;
        assert_eq!(m.anchor(At::FirstBreach(None)), v + 1);
        assert_eq!(m.anchor(At::FirstBreach(Some("no-such"))), m.steps());
        assert_eq!((m.anchor(At::Start), m.anchor(At::End)), (0, m.steps()));
    }

    #[test]
    fn steps_in_an_x_window() {
        let m = model(false);
        let r = m.steps_in(m.step_x[5], m.step_x[9]);
        assert_eq!(r, 5..10);
        assert_eq!(m.steps_in(-10.0, -5.0), 0..0);
    }

    /// The links cut at a step come from the fault events before it, as a scan of every event would find them.
    #[test]
    fn cut_links_follow_the_fault_events() {
        let s = RedisLock;
        let (plan, bad) = FaultPlan::parse_compact("cut:0=2@20000,cut:1>2@40000,heal:0=2@90000,healall@200000");
        assert!(bad.is_empty(), "{bad:?}");
        let rec = record(&s, &s.default_params(), 1, &plan, &RunOptions::default(), 8).unwrap();
        let m = Model::from_recording(rec);
        // The plan's four, and the scenario's own pause.
        let faults = m.trace.events.iter().filter(|e| matches!(e.kind, faultline_sim::EventKind::Fault { .. }));
        assert_eq!(m.faults.len(), faults.count());
        assert!(m.faults.len() >= 4);
        let mut seen = Vec::new();
        for cursor in 0..=m.steps() {
            let mut scan = Vec::new();
            for e in &m.trace.events[m.events_between(0, cursor)] {
                if let faultline_sim::EventKind::Fault { fault } = &e.kind {
                    fault.apply_to_links(&mut scan);
                }
            }
            let cut = m.cut_links_at(cursor);
            assert_eq!(cut, scan, "cursor {cursor}");
            if !seen.contains(&cut) {
                seen.push(cut);
            }
        }
        // Nothing cut, then 0-2 both ways, then also 1->2, then 1->2 only, then nothing again.
        assert!(seen.len() >= 4, "{seen:?}");
    }

    #[test]
    fn events_between_selects_whole_steps() {
        let m = model(false);
        let r = m.events_between(4, 6);
        assert!(m.trace.events[r.clone()].iter().all(|e| (4..6).contains(&e.step)));
        assert!(r.len() >= 2);
    }
}
