//! Semantics of the kernel: determinism, pause, crash/restart, partitions, clock drift and jumps, limits,
//! invariants. A tiny ping/pong pair of nodes makes each effect visible.

use faultline_sim::{
    Breach, Condition, Ctx, Describe, DropReason, EventKind, Fault, FaultPlan, Handled, Input, Invariant, Label,
    Limits, Narration, NetConfig, Node, NodeId, NodeInfo, NodeView, Outcome, Params, Severity, Sim, SimError, Snapshot,
    Tone, Trace,
};

#[derive(Clone, Debug, PartialEq)]
enum Msg {
    Ping(u32),
    Pong(u32),
}
impl Describe for Msg {
    fn describe(&self) -> Label {
        format!("{self:?}").into()
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Tick;
impl Describe for Tick {
    fn describe(&self) -> Label {
        "tick".into()
    }
}

/// Node 0 pings node 1 every `period_us` (by its own clock); node 1 answers.
#[derive(Clone, Debug, Default)]
struct PingPong {
    period_us: u64,
    /// Durable: survives a crash.
    pongs_durable: u32,
    /// Volatile: lost in a crash.
    pongs_volatile: u32,
    sent: u32,
    /// (node-local time, message) for every message handled.
    seen: Vec<(i64, Msg)>,
    ticks_local: Vec<i64>,
}

type C<'a> = Ctx<'a, Msg, Tick, u32>;

impl Node for PingPong {
    type Msg = Msg;
    type Timer = Tick;
    /// The pong count, persisted on every pong.
    type Durable = u32;
    /// The volatile pong count: what a crash loses.
    type Look = u32;

    fn look(&self) -> u32 {
        self.pongs_volatile
    }

    /// View code: a bar while it waits for a pong, the count charted, and on a restart what the crash lost.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        match step.input {
            Input::Restart { crashed } => out.note(
                format!("back with {} pongs on disk; {crashed} counted in memory are gone", self.pongs_durable),
                Tone::Warn,
            ),
            Input::Timer(_) => out.span_open("wait", "waiting for a pong", Tone::Info),
            Input::Msg { msg: Msg::Pong(_), .. } => {
                out.span_close("wait");
                out.metric("pongs", i64::from(self.pongs_volatile - step.before));
            }
            _ => {}
        }
    }

    fn on_start(&mut self, ctx: &mut C<'_>) {
        if ctx.me() == 0 {
            ctx.set_timer(self.period_us, Tick);
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        self.seen.push((ctx.now_us(), msg.clone()));
        match msg {
            Msg::Ping(n) => {
                ctx.send(from, Msg::Pong(n));
                // Writes what is already stored (its count stays 0): the kernel records no durable write.
                ctx.persist(self.pongs_durable);
            }
            Msg::Pong(_) => {
                self.pongs_durable += 1;
                self.pongs_volatile += 1;
                ctx.persist(self.pongs_durable);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, _timer: Tick) {
        self.ticks_local.push(ctx.now_us());
        self.sent += 1;
        ctx.send(1, Msg::Ping(self.sent));
        ctx.set_timer(self.period_us, Tick);
    }

    fn restart(&self, durable: &u32) -> Self {
        // Only the configuration comes from the crashed node; the count comes from what it persisted.
        PingPong { period_us: self.period_us, pongs_durable: *durable, ..PingPong::default() }
    }

    fn view(&self, _now: i64) -> NodeView {
        NodeView { status: format!("{} pongs", self.pongs_volatile), ..NodeView::default() }
    }
}

const MS: u64 = 1_000;

fn sim(faults: &FaultPlan, seed: u64, net: NetConfig, horizon_ms: u64) -> Sim<PingPong> {
    let nodes = (0..2)
        .map(|i| {
            (
                NodeInfo { name: format!("n{i}"), role: "pp".into() },
                PingPong { period_us: 100 * MS, ..PingPong::default() },
            )
        })
        .collect();
    let limits = Limits { horizon_us: horizon_ms * MS, ..Limits::default() };
    Sim::new(nodes, net, faults, seed, limits).expect("valid run")
}

fn run_nodes(faults: &FaultPlan, horizon_ms: u64) -> (Vec<PingPong>, Vec<faultline_sim::Event>) {
    let mut s = sim(faults, 1, NetConfig::with_latency_us(5 * MS, 5 * MS), horizon_ms);
    while s.step() {}
    let nodes = s.nodes().to_vec();
    (nodes, s.finish().events.to_vec())
}

fn trace(seed: u64, faults: &FaultPlan) -> Trace {
    let net = NetConfig { loss_ppm: 100_000, dup_ppm: 50_000, ..NetConfig::with_latency_us(MS, 20 * MS) };
    let out = sim(faults, seed, net, 2_000).run();
    static NO_PARAMS: &[faultline_sim::ParamSpec] = &[];
    Trace::from_run("ping-pong", seed, &Params::defaults(NO_PARAMS), faults, out)
}

#[test]
fn same_inputs_same_hash_different_seeds_different_traces() {
    let mut plan = FaultPlan::new();
    plan.push(300 * MS, Fault::Pause { node: 1, for_us: 250 * MS });
    let a = trace(7, &plan);
    let b = trace(7, &plan);
    assert_eq!(a.hash, b.hash);
    assert_eq!(a, b);
    let c = trace(8, &plan);
    assert_ne!(a.hash, c.hash);
    assert_ne!(a.events, c.events, "another seed draws other latencies");
    let d = trace(7, &FaultPlan::new());
    assert_ne!(a.hash, d.hash, "the fault plan is part of the inputs");
    // The hash covers what it claims to: change one event and it changes.
    let mut e = a.clone();
    let mut events = e.events.to_vec();
    events[3].at_us += 1;
    e.events = events.into();
    assert_ne!(e.compute_hash(), a.hash);
}

#[test]
fn time_ties_break_by_insertion_order() {
    let (_, events) = run_nodes(&FaultPlan::new(), 50);
    let starts: Vec<_> = events.iter().filter(|e| matches!(e.kind, EventKind::Start { .. })).collect();
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[0].kind, EventKind::Start { node: 0 });
    assert_eq!(starts[1].kind, EventKind::Start { node: 1 });
    assert!(events.windows(2).all(|w| w[0].at_us <= w[1].at_us && w[0].step <= w[1].step));
}

#[test]
fn pause_freezes_the_node_while_true_time_runs_on() {
    // Node 1 is paused from 150 ms to 450 ms. Pings sent at 200, 300, 400 ms arrive at 205, 305, 405 ms and wait.
    let mut plan = FaultPlan::new();
    plan.push(150 * MS, Fault::Pause { node: 1, for_us: 300 * MS });
    let (nodes, events) = run_nodes(&plan, 1_000);
    let handled_by_1: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Deliver { to: 1, .. }))
        .map(|e| (e.at_us, if let EventKind::Deliver { waited_us, .. } = e.kind { waited_us } else { 0 }))
        .collect();
    assert!(handled_by_1.iter().all(|(at, _)| *at < 150 * MS || *at >= 450 * MS), "{handled_by_1:?}");
    let waited: Vec<_> = handled_by_1.iter().filter(|(at, _)| *at == 450 * MS).map(|(_, w)| *w).collect();
    assert_eq!(waited, vec![245 * MS, 145 * MS, 45 * MS], "three pings waited, handled in arrival order");
    assert!(events.iter().any(|e| e.kind == EventKind::Resume { node: 1 } && e.at_us == 450 * MS));
    // Node 1's clock kept running: it saw the waiting pings at its local 450 ms.
    assert_eq!(nodes[1].seen.iter().filter(|(t, _)| *t == 450_000).count(), 3);
    // Nothing was lost: node 0 got a pong for every ping but the last (still in flight at the horizon).
    assert_eq!(nodes[0].pongs_volatile, nodes[0].sent - 1);
}

#[test]
fn paused_node_timers_wait_for_it() {
    // Node 0 (the pinger) is paused from 150 to 450 ms: its 200 ms tick fires at 450 ms, once.
    let mut plan = FaultPlan::new();
    plan.push(150 * MS, Fault::Pause { node: 0, for_us: 300 * MS });
    let (nodes, _) = run_nodes(&plan, 1_000);
    assert_eq!(&nodes[0].ticks_local[..4], &[100_000, 450_000, 550_000, 650_000]);
}

#[test]
fn crash_loses_volatile_state_and_timers_restart_keeps_durable_state() {
    let mut plan = FaultPlan::new();
    plan.push(250 * MS, Fault::Crash { node: 0 }).push(600 * MS, Fault::Restart { node: 0 });
    let (nodes, events) = run_nodes(&plan, 1_000);
    // Before the crash: pongs for pings at 100 and 200 ms. After the restart at 600: ticks at 700, 800, 900, 1000.
    assert_eq!(nodes[0].pongs_durable, 2 + 3);
    assert_eq!(nodes[0].pongs_volatile, 3, "volatile state restarted from zero");
    assert_eq!(nodes[0].ticks_local, vec![700_000, 800_000, 900_000, 1_000_000]);
    // No tick while down (the 300 ms timer died with the process).
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Timer { node: 0, .. }) && e.at_us > 250 * MS && e.at_us < 700 * MS));
    let starts: Vec<_> = events.iter().filter(|e| e.kind == EventKind::Start { node: 0 }).map(|e| e.at_us).collect();
    assert_eq!(starts, vec![0, 600 * MS]);
}

/// Narration is derived after the handler ran and recorded after the step's protocol events; a restart's
/// narration sees the look of the node as it crashed.
#[test]
fn narration_follows_the_protocol_events_of_its_step_and_a_restart_sees_the_crashed_look() {
    let mut plan = FaultPlan::new();
    plan.push(250 * MS, Fault::Crash { node: 0 }).push(600 * MS, Fault::Restart { node: 0 });
    let (_, events) = run_nodes(&plan, 1_000);
    let restart = events.iter().find(|e| e.kind == EventKind::Start { node: 0 } && e.at_us == 600 * MS).unwrap();
    let step: Vec<_> = events.iter().filter(|e| e.step == restart.step).map(|e| &e.kind).collect();
    let note = EventKind::Note {
        node: 0,
        text: "back with 2 pongs on disk; 2 counted in memory are gone".into(),
        tone: Tone::Warn,
    };
    let fault = EventKind::Fault { fault: Fault::Restart { node: 0 } };
    assert_eq!(step, [&fault, &EventKind::Start { node: 0 }, &note]);
    // A tick: the ping is sent, then the bar opens; a pong: the count is written to disk (the kernel records a
    // durable write), then the bar closes and the chart gets +1.
    let tick = events.iter().find(|e| matches!(e.kind, EventKind::Timer { node: 0, .. })).unwrap();
    let kinds: Vec<_> = events.iter().filter(|e| e.step == tick.step).map(|e| &e.kind).collect();
    assert!(
        matches!(kinds[..], [EventKind::Timer { .. }, EventKind::Send { .. }, EventKind::SpanOpen { .. }]),
        "{kinds:?}"
    );
    let pong = events.iter().find(|e| matches!(e.kind, EventKind::Deliver { to: 0, .. })).unwrap();
    let kinds: Vec<_> = events.iter().filter(|e| e.step == pong.step).map(|e| &e.kind).collect();
    assert_eq!(
        kinds[1..],
        [
            &EventKind::Persist { node: 0 },
            &EventKind::SpanClose { node: 0, key: "wait".into() },
            &EventKind::Metric { node: 0, name: "pongs".into(), value: 1 }
        ]
    );
    let writes = |n: NodeId| events.iter().filter(|e| e.kind == EventKind::Persist { node: n }).count();
    let pongs = events.iter().filter(|e| matches!(e.kind, EventKind::Deliver { to: 0, .. })).count();
    assert_eq!((writes(0), writes(1)), (pongs, 0), "a write that changes nothing is not recorded");
}

/// A span's key and a metric's name are the narration's own `&'static str`, borrowed, not copied for every event;
/// events read back from JSON own them, and are the same events, hashed the same.
#[test]
fn span_keys_and_metric_names_are_borrowed_and_read_back_equal() {
    use std::borrow::Cow;
    let t = trace(1, &FaultPlan::new());
    let names: Vec<&Cow<'static, str>> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SpanOpen { key, .. } | EventKind::SpanClose { key, .. } => Some(key),
            EventKind::Metric { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert!(names.len() > 2, "the run narrates spans and metrics: {names:?}");
    assert!(names.iter().all(|n| matches!(n, Cow::Borrowed(_))), "{names:?}");
    let back: Vec<faultline_sim::Event> = serde_json::from_str(&serde_json::to_string(&t.events).unwrap()).unwrap();
    assert!(back.iter().any(|e| matches!(&e.kind, EventKind::Metric { name: Cow::Owned(_), .. })));
    assert_eq!(back, *t.events);
    assert_eq!(faultline_sim::hash::hash_value(&back), faultline_sim::hash::hash_value(&t.events));
}

#[test]
fn messages_to_a_crashed_node_are_dropped() {
    let mut plan = FaultPlan::new();
    plan.push(150 * MS, Fault::Crash { node: 1 });
    let (nodes, events) = run_nodes(&plan, 500);
    let drops: Vec<_> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Drop { to: 1, reason, .. } => Some((e.at_us, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        drops,
        vec![(205 * MS, DropReason::NodeDown), (305 * MS, DropReason::NodeDown), (405 * MS, DropReason::NodeDown)]
    );
    assert_eq!(nodes[0].pongs_volatile, 1);
}

#[test]
fn one_way_partition_drops_one_direction_until_healed() {
    // Cut 1 -> 0 from 150 ms to 350 ms: pings still arrive, pongs are lost.
    let mut plan = FaultPlan::new();
    plan.push(150 * MS, Fault::Cut { from: 1, to: 0, both: false })
        .push(350 * MS, Fault::Heal { from: 1, to: 0, both: false });
    let (nodes, events) = run_nodes(&plan, 500);
    let cut_drops: Vec<_> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Drop { from, to, reason: DropReason::LinkCut, .. } => Some((from, to, e.at_us)),
            _ => None,
        })
        .collect();
    assert_eq!(cut_drops, vec![(1, 0, 210 * MS), (1, 0, 310 * MS)]);
    // Pings at 100..400 ms all reach node 1 (the one at 500 ms would arrive after the horizon).
    assert_eq!(nodes[1].seen.len(), 4, "every ping reached node 1");
    assert_eq!(nodes[0].pongs_volatile, 2, "pongs for pings 1 and 4; those for 2 and 3 were cut");
}

#[test]
fn partition_drops_messages_already_in_flight() {
    // Ping sent at 100 ms arrives at 105; cut both ways at 102.
    let mut plan = FaultPlan::new();
    plan.push(102 * MS, Fault::Cut { from: 0, to: 1, both: true }).push(103 * MS, Fault::HealAll);
    let (_, events) = run_nodes(&plan, 150);
    assert!(!events.iter().any(|e| matches!(e.kind, EventKind::Drop { .. })), "healed before arrival: delivered");
    let mut plan = FaultPlan::new();
    plan.push(102 * MS, Fault::Cut { from: 0, to: 1, both: true });
    let (_, events) = run_nodes(&plan, 150);
    assert!(events
        .iter()
        .any(|e| e.at_us == 105 * MS && matches!(e.kind, EventKind::Drop { reason: DropReason::LinkCut, .. })));
}

#[test]
fn clock_drift_stretches_timers_and_reads() {
    // Node 0's clock runs 25% fast from t=0 (after its start, which set the first timer on a perfect clock):
    // from then on a 100 ms timer by its clock takes 80 ms of true time, and its clock reads 25% ahead.
    let mut plan = FaultPlan::new();
    plan.push(0, Fault::ClockDrift { node: 0, ppm: 250_000 });
    let (nodes, events) = run_nodes(&plan, 400);
    let tick_true: Vec<_> =
        events.iter().filter(|e| matches!(e.kind, EventKind::Timer { node: 0, .. })).map(|e| e.at_us).collect();
    assert_eq!(tick_true, vec![100 * MS, 180 * MS, 260 * MS, 340 * MS]);
    assert_eq!(nodes[0].ticks_local, vec![125_000, 225_000, 325_000, 425_000]);
}

#[test]
fn clock_jump_moves_reads_but_not_timers() {
    let mut plan = FaultPlan::new();
    plan.push(150 * MS, Fault::ClockJump { node: 0, by_us: -1_000_000 });
    let (nodes, _) = run_nodes(&plan, 400);
    assert_eq!(nodes[0].ticks_local, vec![100_000, -800_000, -700_000, -600_000]);
}

#[test]
fn step_and_queue_limits_end_the_run_with_a_clear_outcome() {
    let nodes = vec![
        (NodeInfo { name: "n0".into(), role: "pp".into() }, PingPong { period_us: 1, ..PingPong::default() }),
        (NodeInfo { name: "n1".into(), role: "pp".into() }, PingPong::default()),
    ];
    let limits = Limits { max_steps: 50, ..Limits::default() };
    let out = Sim::new(nodes.clone(), NetConfig::default(), &FaultPlan::new(), 1, limits).unwrap().run();
    assert_eq!(out.outcome, Outcome::StepLimit { limit: 50 });
    assert_eq!(out.steps, 50);
    assert!(out.outcome.limit_message().unwrap().contains("50 steps"));

    let limits = Limits { max_queue: 3, ..Limits::default() };
    let out =
        Sim::new(nodes, NetConfig::with_latency_us(1_000_000, 1_000_000), &FaultPlan::new(), 1, limits).unwrap().run();
    assert_eq!(out.outcome, Outcome::QueueLimit { limit: 3 });
    assert!(out.outcome.limit_message().unwrap().contains("more than 3 events were pending at once (the queue limit)"));
}

#[test]
fn horizon_ends_the_run() {
    let out = sim(&FaultPlan::new(), 1, NetConfig::default(), 250).run();
    assert_eq!(out.outcome, Outcome::TimeLimit { limit_us: 250 * MS });
    assert!(out.events.iter().all(|e| e.at_us <= 250 * MS));
}

#[test]
fn faults_naming_unknown_nodes_are_refused() {
    let mut plan = FaultPlan::new();
    plan.push(0, Fault::Crash { node: 5 });
    let nodes = vec![(NodeInfo { name: "n0".into(), role: "pp".into() }, PingPong::default())];
    let err = Sim::new(nodes, NetConfig::default(), &plan, 1, Limits::default()).err().unwrap();
    assert_eq!(err, SimError::UnknownNode { fault: "node 5 crashes".into(), node: 5, count: 1 });
    assert!(err.to_string().contains("only 1 nodes"));
}

fn three_pongs(s: &Snapshot<'_, PingPong>, _: &(), out: &mut Vec<Breach>) {
    if s.nodes[0].pongs_volatile >= 3 {
        out.push(Breach { severity: Severity::Violation, message: "three pongs".into(), steps: vec![s.step] });
    }
}

#[test]
fn invariants_are_checked_after_every_step_and_reported_once() {
    let s = sim(&FaultPlan::new(), 1, NetConfig::with_latency_us(5 * MS, 5 * MS), 1_000)
        .with_invariant(Invariant { name: "fewer-than-three", check: three_pongs });
    let out = s.run();
    let breaches: Vec<_> = out.events.iter().filter(|e| matches!(e.kind, EventKind::Breach(_))).collect();
    assert_eq!(breaches.len(), 1);
    let b = breaches[0];
    assert_eq!(b.at_us, 310 * MS, "right after the third pong");
    match &b.kind {
        EventKind::Breach(breach) => {
            assert_eq!(breach.invariant, "fewer-than-three");
            assert_eq!(breach.steps, vec![b.step]);
        }
        _ => unreachable!(),
    }
}

#[test]
fn views_record_changes_and_conditions() {
    let mut plan = FaultPlan::new();
    plan.push(150 * MS, Fault::Pause { node: 1, for_us: 100 * MS }).push(300 * MS, Fault::Crash { node: 0 });
    let out = sim(&plan, 1, NetConfig::with_latency_us(5 * MS, 5 * MS), 400).record_views(true).run();
    let conds: Vec<_> = out.views.iter().filter(|v| v.node == 1).map(|v| v.condition).collect();
    assert!(conds.windows(2).any(|w| w == [Condition::Up, Condition::Paused]));
    assert!(out.views.iter().any(|v| v.node == 0 && v.condition == Condition::Down));
    // Changes only: no two consecutive records of a node are equal.
    for n in 0..2 {
        let vs: Vec<_> = out.views.iter().filter(|v| v.node == n).collect();
        assert!(vs.windows(2).all(|w| (w[0].condition, &w[0].view) != (w[1].condition, &w[1].view)));
    }
}

#[test]
fn benchmark_workload_is_deterministic() {
    assert_eq!(
        faultline_sim::bench::message_storm(3, 5, 4, 2_000),
        faultline_sim::bench::message_storm(3, 5, 4, 2_000)
    );
    assert_eq!(faultline_sim::bench::message_storm(3, 5, 4, 2_000).0, 2_000);
}

/// Timers are named by value: setting one replaces a pending timer equal to it, cancelling one names it.
#[derive(Clone, Debug, Default)]
struct Alarms {
    fired: Vec<(u64, Alarm)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Alarm {
    Wake,
    Nap(u8),
}

impl Describe for Alarm {
    fn describe(&self) -> Label {
        format!("{self:?}").into()
    }
}

impl Node for Alarms {
    type Msg = Msg;
    type Timer = Alarm;
    type Durable = ();
    type Look = ();
    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg, Alarm>) {
        ctx.set_timer(10, Alarm::Wake);
        ctx.set_timer(30, Alarm::Wake); // replaces the first: Wake fires once, at 30
        ctx.set_timer(5, Alarm::Nap(1));
        ctx.set_timer(6, Alarm::Nap(2));
        ctx.cancel_timer(Alarm::Nap(1)); // only Nap(1) goes; Nap(2) is another value
        ctx.cancel_timer(Alarm::Nap(9)); // nothing pending by that value: nothing happens
    }
    fn on_msg(&mut self, _: &mut Ctx<'_, Msg, Alarm>, _: NodeId, _: Msg) {}
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Msg, Alarm>, timer: Alarm) {
        self.fired.push((ctx.now_us() as u64, timer));
    }
    fn restart(&self, _: &()) -> Self {
        Alarms::default()
    }
    fn view(&self, _: i64) -> NodeView {
        NodeView::default()
    }
}

#[test]
fn timers_are_set_replaced_and_cancelled_by_value() {
    let info = NodeInfo { name: "n".into(), role: "n".into() };
    let mut sim =
        Sim::new(vec![(info, Alarms::default())], NetConfig::default(), &FaultPlan::new(), 1, Limits::default())
            .unwrap();
    while sim.step() {}
    assert_eq!(sim.nodes()[0].fired, vec![(6, Alarm::Nap(2)), (30, Alarm::Wake)]);
}

/// The checker's history is the kernel's, not a node's: `observe` sees which node acted and what it emitted,
/// and the invariants read the history.
#[test]
fn the_history_sees_each_step_actor_and_effects() {
    #[derive(Clone, Debug, Default)]
    struct Pongs {
        sent_by_1: u32,
    }
    fn observe(h: &mut Pongs, s: &Snapshot<'_, PingPong>) {
        if s.actor == Some(1) {
            h.sent_by_1 += s.sent().filter(|(to, m)| *to == 0 && matches!(m, Msg::Pong(_))).count() as u32;
        }
    }
    fn at_most_two(s: &Snapshot<'_, PingPong>, h: &Pongs, out: &mut Vec<Breach>) {
        if h.sent_by_1 == 3 && s.sent().next().is_some() {
            out.push(Breach { severity: Severity::Violation, message: "a third pong".into(), steps: vec![s.step] });
        }
    }
    let nodes = (0..2)
        .map(|i| {
            let node = PingPong { period_us: 100 * MS, ..PingPong::default() };
            (NodeInfo { name: format!("n{i}"), role: "pp".into() }, node)
        })
        .collect();
    let limits = Limits { horizon_us: 500 * MS, ..Limits::default() };
    let net = NetConfig::with_latency_us(MS, MS);
    let sim = Sim::with_history(nodes, net, &FaultPlan::new(), 1, limits, observe)
        .unwrap()
        .with_invariant(Invariant { name: "at-most-two", check: at_most_two });
    let out = sim.run();
    let breaches: Vec<_> = out.events.iter().filter(|e| matches!(e.kind, EventKind::Breach(_))).collect();
    assert_eq!(breaches.len(), 1, "the third pong is seen in the step that sends it");
}
