//! A crowd: one node acts for many members (clients), whose messages and timers name them. The trace keeps the
//! events of the followed members and of the nodes' own traffic, a digest of the rest — and the same hash
//! whatever is followed.

use faultline_sim::{
    Ctx, Describe, EventKind, FaultPlan, Handled, Input, Label, Limits, Narration, NetConfig, Node, NodeInfo, NodeView,
    Params, Sim, Tone, Trace,
};

const MS: u64 = 1_000;
const MEMBERS: u32 = 50;

#[derive(Clone, Debug, PartialEq)]
enum Msg {
    /// A member's request and its answer.
    Ask(u32),
    Answer(u32),
    /// The node's own traffic.
    Report(u32),
}
impl Describe for Msg {
    fn describe(&self) -> Label {
        format!("{self:?}").into()
    }
    fn member(&self) -> Option<u32> {
        match *self {
            Msg::Ask(m) | Msg::Answer(m) => Some(m),
            Msg::Report(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Timer {
    /// Member `m` asks again.
    Due(u32),
    Report,
}
impl Describe for Timer {
    fn describe(&self) -> Label {
        format!("{self:?}").into()
    }
    fn member(&self) -> Option<u32> {
        match *self {
            Timer::Due(m) => Some(m),
            Timer::Report => None,
        }
    }
}

/// Node 0 is the crowd: every member asks node 1 every 100 ms (each on its own timer, for the test's sake) and
/// counts answers; every 500 ms node 0 reports its count to node 1.
#[derive(Clone, Debug, Default)]
struct N {
    answers: u32,
}

impl Node for N {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = u32;

    fn look(&self) -> u32 {
        self.answers
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        if let Input::Msg { msg: Msg::Answer(m), .. } = step.input {
            out.note(format!("member {m} answered"), Tone::Good);
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg, Timer, ()>) {
        if ctx.me() == 0 {
            for m in 0..MEMBERS {
                ctx.set_timer(u64::from(m) * MS, Timer::Due(m));
            }
            ctx.set_timer(500 * MS, Timer::Report);
        }
    }

    fn on_msg(&mut self, ctx: &mut Ctx<'_, Msg, Timer, ()>, from: u32, msg: Msg) {
        match msg {
            Msg::Ask(m) => ctx.send(from, Msg::Answer(m)),
            Msg::Answer(_) => self.answers += 1,
            Msg::Report(_) => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Msg, Timer, ()>, timer: Timer) {
        match timer {
            Timer::Due(m) => {
                ctx.send(1, Msg::Ask(m));
                ctx.set_timer(100 * MS, Timer::Due(m));
            }
            Timer::Report => {
                ctx.send(1, Msg::Report(self.answers));
                ctx.set_timer(500 * MS, Timer::Report);
            }
        }
    }

    fn restart(&self, _: &()) -> Self {
        N::default()
    }

    fn view(&self, _now: i64) -> NodeView {
        NodeView::default()
    }
}

fn run(follow: Option<Vec<u32>>) -> Trace {
    let nodes = (0..2).map(|i| (NodeInfo { name: format!("n{i}"), role: "n".into() }, N::default())).collect();
    let limits = Limits { horizon_us: 2_000 * MS, ..Limits::default() };
    let net = NetConfig::with_latency_us(MS, 20 * MS);
    let sim = Sim::new(nodes, net, &FaultPlan::new(), 3, limits).unwrap().follow(follow);
    static NO_PARAMS: &[faultline_sim::ParamSpec] = &[];
    Trace::from_run("crowd", 3, &Params::defaults(NO_PARAMS), &FaultPlan::new(), sim.run())
}

#[test]
fn the_trace_keeps_the_followed_members_and_the_same_hash_whatever_is_followed() {
    let all = run(None);
    let two = run(Some(vec![7, 3]));
    let none = run(Some(vec![]));
    assert_eq!((all.hash.clone(), all.steps), (two.hash.clone(), two.steps));
    assert_eq!(all.hash, none.hash);
    // Every member's protocol events are in the digest: a send, a delivery and a timer per question, and the
    // answer's send and delivery.
    let protocol = |e: &&faultline_sim::Event| !matches!(e.kind, EventKind::Note { .. });
    let member_events = all.events.iter().filter(|e| e.member.is_some()).filter(protocol).count() as u64;
    assert_eq!(all.members.events, member_events);
    assert!(member_events > u64::from(MEMBERS) * 19 * 5, "{member_events}");
    // Following two members keeps exactly their events (narration included) and every event of no member.
    let kept = |t: &Trace| t.events.iter().filter(|e| e.member.get().is_some_and(|m| m == 3 || m == 7)).count();
    assert_eq!(kept(&two), kept(&all));
    assert!(two.events.iter().all(|e| e.member.get().is_none_or(|m| m == 3 || m == 7)));
    let own = |t: &Trace| t.events.iter().filter(|e| e.member.is_none()).cloned().collect::<Vec<_>>();
    assert_eq!(own(&two), own(&all));
    assert!(own(&none).iter().any(|e| matches!(&e.kind, EventKind::Send { label, .. } if label.starts_with("Report"))));
    assert!(two.events.iter().any(|e| matches!(&e.kind, EventKind::Note { text, .. } if text == "member 3 answered")));
    // The hash covers the members' events: a changed digest, a changed hash.
    let mut other = all.clone();
    other.members.digest ^= 1;
    assert_ne!(other.compute_hash(), all.hash);
}

/// A node that re-arms its one timer over and over (as a crowd's agenda does) leaves cancelled timers in the
/// queue; the kernel purges them when the queue is full, so only live entries count against its limit.
#[derive(Clone, Debug, Default)]
struct Churn {
    fired: u32,
}

impl Node for Churn {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = ();

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg, Timer, ()>) {
        ctx.set_timer(MS, Timer::Due(0));
    }

    fn on_msg(&mut self, _: &mut Ctx<'_, Msg, Timer, ()>, _: u32, _: Msg) {}

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Msg, Timer, ()>, _: Timer) {
        self.fired += 1;
        for k in 1..=10 {
            ctx.set_timer(1_000 * MS, Timer::Due(k));
            ctx.cancel_timer(Timer::Due(k));
        }
        ctx.set_timer(MS, Timer::Due(0));
    }

    fn restart(&self, _: &()) -> Self {
        Churn::default()
    }

    fn view(&self, _now: i64) -> NodeView {
        NodeView::default()
    }
}

#[test]
fn cancelled_timers_do_not_count_against_the_queue_limit() {
    let nodes = vec![(NodeInfo { name: "n".into(), role: "n".into() }, Churn::default())];
    let limits = Limits { horizon_us: 1_000 * MS, max_queue: 50, ..Limits::default() };
    let mut sim = Sim::new(nodes, NetConfig::default(), &FaultPlan::new(), 1, limits).unwrap();
    while sim.step() {}
    assert_eq!(sim.outcome(), Some(&faultline_sim::Outcome::TimeLimit { limit_us: 1_000 * MS }));
    // Ten cancelled timers per firing, a thousand firings: far more than 50 were dead in the queue at once.
    assert!(sim.nodes()[0].fired >= 999, "{}", sim.nodes()[0].fired);
}

/// Cancelled timers are purged long before the limit: once they are a few hundred and outnumber the live
/// entries. The queue stays small (every pop is cheaper), and the run is the same.
#[test]
fn cancelled_timers_are_purged_once_they_outnumber_the_live_entries() {
    let nodes = vec![(NodeInfo { name: "n".into(), role: "n".into() }, Churn::default())];
    let limits = Limits { horizon_us: 1_000 * MS, ..Limits::default() };
    let mut sim = Sim::new(nodes, NetConfig::default(), &FaultPlan::new(), 1, limits).unwrap();
    let mut most = 0;
    while sim.step() {
        most = most.max(sim.pending());
    }
    // A thousand firings leave ten thousand cancelled timers; without the purge they all wait in the queue.
    assert!(sim.nodes()[0].fired >= 999, "{}", sim.nodes()[0].fired);
    assert!(most <= 600, "the queue held {most} entries at once");
}
