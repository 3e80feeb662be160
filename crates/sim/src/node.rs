//! What a scenario author writes against: the [`Node`] trait (a sans-IO state machine), the [`Ctx`] its handlers
//! act through, the [`Effect`]s they emit (which [`TestCtx`] lets a unit test assert exactly), the
//! [`Narration`] its view code derives after each step (notes, bars, charted numbers — never emitted by a
//! handler), and the [`Invariant`]s checked over a [`Snapshot`] of every node. The engine that runs nodes is in
//! [`crate::kernel`].

use crate::label::Label;
use crate::trace::{Condition, NodeView, Severity, Tone};
use crate::ChaCha8Rng;
use crate::NodeId;
use rand::{RngExt, SeedableRng};
use std::fmt::Debug;

/// A short label for a message or a timer, as the trace and the diagrams show it (`SET lock c1-5e2a91f0 NX PX 500`).
pub trait Describe {
    /// The text a learner reads on the arrow or the timer: `"OK".into()` for a fixed one, [`crate::label!`] for one
    /// with numbers in it (short ones are kept inside the event: see [`Label`]).
    fn describe(&self) -> Label;

    /// The crowd member this message or timer acts for (a client among thousands that one node simulates), or
    /// `None` for a node's own traffic. The kernel keeps the events of a member only while it is followed (see
    /// [`crate::Crowd`]); the trace's hash covers every member's events, followed or not.
    fn member(&self) -> Option<u32> {
        None
    }
}

/// A sans-IO state machine. Handlers read time and randomness only from the [`Ctx`] and act only through it.
pub trait Node: Clone + Debug {
    type Msg: Clone + Debug + Describe;
    /// Timers are set and cancelled by value: setting a timer replaces a pending one equal to it.
    type Timer: Clone + Debug + Describe + PartialEq;

    /// What survives a crash: the last value the node's handlers passed to [`Ctx::persist`] (its default if
    /// they never did). `()` for a node that keeps nothing.
    type Durable: Clone + Debug + Default + PartialEq;

    /// The process starts: at time 0, and after every restart (on the state [`Node::restart`] returned).
    fn on_start(&mut self, _ctx: &mut Ctx<'_, Self::Msg, Self::Timer, Self::Durable>) {}
    fn on_msg(&mut self, ctx: &mut Ctx<'_, Self::Msg, Self::Timer, Self::Durable>, from: NodeId, msg: Self::Msg);
    /// A timer it set fired. Nodes that set none need not implement it.
    fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self::Msg, Self::Timer, Self::Durable>, _timer: Self::Timer) {}
    /// A `Timeout` fault: the node's timeout fires now. Nodes without one ignore it.
    fn on_force_timeout(&mut self, _ctx: &mut Ctx<'_, Self::Msg, Self::Timer, Self::Durable>) {}
    /// The node as it restarts after a crash: its state from `durable` — what it last persisted — and nothing else.
    /// It is called on the crashed node for its configuration only, never to carry any of its memory over (what
    /// the crash lost is the narration's to tell: it sees the crashed node's [`Node::look`]).
    fn restart(&self, durable: &Self::Durable) -> Self;
    /// What its panel shows, given the node's own clock reading.
    fn view(&self, now_local_us: i64) -> NodeView;

    /// A small summary of the state the narration compares across a step (a role and a term; the lease a server
    /// holds). The kernel takes it before every handler runs (for a restart: of the node as it crashed) and hands
    /// it to [`Node::narrate`]. `()` for a node whose narration needs no "before".
    type Look: Clone + Debug + Default;

    fn look(&self) -> Self::Look {
        Self::Look::default()
    }

    /// The view code's account of a step, derived after the handler ran: notes on the node's lane, the bars
    /// (spans) it opens and closes, the numbers charted over time — from the input, the look before, the state
    /// after and the protocol effects. Handlers emit none of it, so their unit tests assert protocol only.
    fn narrate(&self, _step: &Handled<'_, Self>, _out: &mut Narration) {}
}

/// What a handler was given to handle, as [`Node::narrate`] sees it.
pub enum Input<'a, N: Node> {
    /// The process started at time 0.
    Start,
    /// The process started again after a crash: [`Handled::before`] is what it came back with (the look of
    /// [`Node::restart`]'s result), `crashed` the look of the node as it crashed.
    Restart {
        crashed: &'a N::Look,
    },
    Msg {
        from: NodeId,
        msg: &'a N::Msg,
    },
    Timer(&'a N::Timer),
    /// A `Timeout` fault fired the node's timeout.
    ForceTimeout,
}

impl<N: Node> Clone for Input<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<N: Node> Copy for Input<'_, N> {}

/// One handled input, for [`Node::narrate`]: what came in, how the node looked before, what it emitted.
pub struct Handled<'a, N: Node> {
    pub input: Input<'a, N>,
    pub before: &'a N::Look,
    pub effects: &'a [Effect<N::Msg, N::Timer, N::Durable>],
    /// The node's own clock.
    pub now_us: i64,
}

impl<'a, N: Node> Handled<'a, N> {
    /// The same step as one kind of node sees it, for a scenario whose node type is an enum of kinds that each
    /// implement [`Node`] with the same messages: `look` picks that kind's look out of the enum's (`None` if the
    /// look is another kind's, which a well-formed enum never produces).
    pub fn narrow<K>(&self, look: impl Fn(&'a N::Look) -> Option<&'a K::Look>) -> Option<Handled<'a, K>>
    where
        K: Node<Msg = N::Msg, Timer = N::Timer, Durable = N::Durable>,
    {
        let input = match self.input {
            Input::Start => Input::Start,
            Input::Restart { crashed } => Input::Restart { crashed: look(crashed)? },
            Input::Msg { from, msg } => Input::Msg { from, msg },
            Input::Timer(t) => Input::Timer(t),
            Input::ForceTimeout => Input::ForceTimeout,
        };
        Some(Handled { input, before: look(self.before)?, effects: self.effects, now_us: self.now_us })
    }

    /// The messages the handler sent, with their destinations.
    pub fn sent(&self) -> impl Iterator<Item = (NodeId, &N::Msg)> {
        sent_in(self.effects)
    }
}

fn sent_in<M, T, D>(effects: &[Effect<M, T, D>]) -> impl Iterator<Item = (NodeId, &M)> {
    effects.iter().filter_map(|e| match e {
        Effect::Send { to, msg } => Some((*to, msg)),
        _ => None,
    })
}

/// What the views show of a step, as [`Node::narrate`] derived it. The kernel records it in the trace after the
/// step's protocol events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// A sentence on the node's lane.
    Note {
        text: String,
        tone: Tone,
    },
    /// Begin a stretch of time the node is in some state (a role, a lease): a bar on its lane.
    SpanOpen {
        key: &'static str,
        label: Box<str>,
        tone: Tone,
    },
    SpanClose {
        key: &'static str,
    },
    /// A number charted over time (the scenario's [`crate::SeriesSpec`] says how nodes' values combine).
    Metric {
        name: &'static str,
        value: i64,
    },
}

/// The narration of one step, filled by [`Node::narrate`].
#[derive(Clone, Debug, Default)]
pub struct Narration {
    pub(crate) shown: Vec<Shown>,
}

impl Narration {
    pub fn note(&mut self, text: impl Into<String>, tone: Tone) {
        self.shown.push(Shown::Note { text: text.into(), tone });
    }

    pub fn span_open(&mut self, key: &'static str, label: impl Into<String>, tone: Tone) {
        self.shown.push(Shown::SpanOpen { key, label: label.into().into_boxed_str(), tone });
    }

    pub fn span_close(&mut self, key: &'static str) {
        self.shown.push(Shown::SpanClose { key });
    }

    pub fn metric(&mut self, name: &'static str, value: i64) {
        self.shown.push(Shown::Metric { name, value });
    }

    /// What was narrated, in order (for unit tests of view code).
    pub fn shown(&self) -> &[Shown] {
        &self.shown
    }

    /// The notes' texts, in order (for unit tests of view code).
    pub fn notes(&self) -> Vec<&str> {
        self.shown
            .iter()
            .filter_map(|s| match s {
                Shown::Note { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// What a handler asked the kernel to do, in order. Public so that unit tests can assert the exact effects a
/// handler emits (see [`TestCtx`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect<M, T, D = ()> {
    Send {
        to: NodeId,
        msg: M,
    },
    /// Fire `timer` after `after_us` by the node's clock, replacing a pending timer equal to it.
    SetTimer {
        after_us: u64,
        timer: T,
    },
    /// Cancel the pending timer equal to `timer`, if any.
    CancelTimer {
        timer: T,
    },
    /// Write the node's durable state: what a restart gets back (write-ahead, before any reply it sends).
    Persist(D),
}

/// A handler's window on the world: its own clock, its own RNG stream, and an outbox of effects.
pub struct Ctx<'a, M, T, D = ()> {
    pub(crate) me: NodeId,
    pub(crate) now_local_us: i64,
    pub(crate) step: u32,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) effects: &'a mut Vec<Effect<M, T, D>>,
}

impl<M, T, D> Ctx<'_, M, T, D> {
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The node's own clock (drifted, jumped): not true time.
    pub fn now_us(&self) -> i64 {
        self.now_local_us
    }

    /// The step being processed, for the bookkeeping that lets an invariant point at its causes.
    pub fn step(&self) -> u32 {
        self.step
    }

    /// This node's RNG stream (derived from the run's seed).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }

    /// A uniform draw from `lo..=hi` (just `lo` when the range is empty).
    pub fn random_between(&mut self, lo: u64, hi: u64) -> u64 {
        uniform(self.rng, lo, hi)
    }

    /// An exponential draw with this mean (a think time, the gap between a Poisson process's arrivals).
    pub fn random_exponential(&mut self, mean_us: u64) -> u64 {
        let u: f64 = self.rng.random_range(f64::EPSILON..=1.0);
        (-(mean_us as f64) * u.ln()) as u64
    }

    pub fn send(&mut self, to: NodeId, msg: M) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Fire `timer` after `after_us` as measured by this node's clock. A pending timer equal to it is replaced:
    /// timers are named by value (`Timer::Election`), so no node keeps timer ids.
    pub fn set_timer(&mut self, after_us: u64, timer: T) {
        self.effects.push(Effect::SetTimer { after_us, timer });
    }

    /// Cancel the pending timer equal to `timer` (nothing if none is pending).
    pub fn cancel_timer(&mut self, timer: T) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    /// Store `durable` as what survives a crash (it replaces what was stored before).
    pub fn persist(&mut self, durable: D) {
        self.effects.push(Effect::Persist(durable));
    }
}

/// A uniform draw from `lo..=hi` (`lo` when empty). Spans that fit in 32 bits draw 32-bit numbers: the
/// same stream on every target, without 128-bit multiplies (a slow library call in wasm).
pub(crate) fn uniform(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        lo
    } else if hi - lo < u32::MAX as u64 {
        lo + rng.random_range(0..=(hi - lo) as u32) as u64
    } else {
        rng.random_range(lo..=hi)
    }
}

/// A context for unit tests of a single handler: call it, then assert the exact effects.
pub struct TestCtx<M, T, D = ()> {
    pub me: NodeId,
    pub now_us: i64,
    pub step: u32,
    rng: ChaCha8Rng,
    pub effects: Vec<Effect<M, T, D>>,
}

impl<M, T, D> TestCtx<M, T, D> {
    pub fn new(me: NodeId, now_us: i64, seed: u64) -> Self {
        TestCtx { me, now_us, step: 0, rng: ChaCha8Rng::seed_from_u64(seed), effects: Vec::new() }
    }

    pub fn ctx(&mut self) -> Ctx<'_, M, T, D> {
        Ctx { me: self.me, now_local_us: self.now_us, step: self.step, rng: &mut self.rng, effects: &mut self.effects }
    }

    /// The messages sent so far, in order; clears nothing.
    pub fn sent(&self) -> Vec<(NodeId, &M)> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send { to, msg } => Some((*to, msg)),
                _ => None,
            })
            .collect()
    }

    pub fn take(&mut self) -> Vec<Effect<M, T, D>> {
        std::mem::take(&mut self.effects)
    }

    /// What `node` (its state after the handler ran) narrates of the step whose effects this context holds,
    /// given how it looked before and what it handled: the view code's unit test.
    pub fn narration<N>(&self, node: &N, before: &N::Look, input: Input<'_, N>) -> Narration
    where
        N: Node<Msg = M, Timer = T, Durable = D>,
    {
        let mut out = Narration::default();
        node.narrate(&Handled { input, before, effects: &self.effects, now_us: self.now_us }, &mut out);
        out
    }
}

/// What the checker sees after a step: every node's state (including crashed ones, frozen as they died), and
/// what the step did — the node whose handler ran and the effects it emitted, in order.
pub struct Snapshot<'a, N: Node> {
    pub nodes: &'a [N],
    pub conditions: &'a [Condition],
    pub step: u32,
    pub now_us: u64,
    /// The node whose handler ran in this step (none for a step that only changed the network or a clock).
    pub actor: Option<NodeId>,
    /// The effects that handler emitted: the sends, timers and writes a checker may record.
    pub effects: &'a [Effect<N::Msg, N::Timer, N::Durable>],
}

impl<N: Node> Snapshot<'_, N> {
    /// The messages the actor sent in this step, with their destinations.
    pub fn sent(&self) -> impl Iterator<Item = (NodeId, &N::Msg)> {
        sent_in(self.effects)
    }

    /// What the actor persisted in this step, if anything (the last write wins).
    pub fn persisted(&self) -> Option<&N::Durable> {
        self.effects.iter().rev().find_map(|e| match e {
            Effect::Persist(d) => Some(d),
            _ => None,
        })
    }
}

/// A breach found by an invariant: one plain sentence for a learner and the steps that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub severity: Severity,
    pub message: String,
    pub steps: Vec<u32>,
}

/// A named predicate over the whole world, checked after every step: the nodes' states and `H`, the checker's own
/// history of the run (kept by the kernel, updated from each step's snapshot; see `Model::observe`), so that no
/// node keeps a copy of anything for the checker. A check should report a breach in the step that causes it (so
/// that it costs nothing afterwards); the kernel records each distinct breach (by name and message) once.
pub struct Invariant<N: Node, H = ()> {
    pub name: &'static str,
    pub check: fn(&Snapshot<'_, N>, &H, &mut Vec<Breach>),
}

impl<N: Node, H> Clone for Invariant<N, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<N: Node, H> Copy for Invariant<N, H> {}

/// A scenario's node type as an enum of node kinds, each its own [`Node`] with the same messages, timers and
/// durable state: declares the enum, its look (`$look`: one variant per kind, plus `Unset` as the default), and
/// the [`Node`] impl that hands every call to the kind (the narration sees the step narrowed to that kind).
///
/// ```text
/// faultline_sim::node_enum! {
///     /// The node kinds of this scenario.
///     #[derive(Clone, Debug, PartialEq, Eq)]
///     pub enum TxNode / TxLook (Msg, Timer, Disk) {
///         Coordinator(Coordinator),
///         Participant(Participant),
///     }
/// }
/// ```
#[macro_export]
macro_rules! node_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident / $look:ident ($msg:ty, $timer:ty, $durable:ty) {
            $($variant:ident($kind:ty)),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name { $($variant($kind)),+ }

        /// Each node kind's look, for the narration.
        #[derive(Clone, Debug, Default)]
        $vis enum $look {
            #[default]
            Unset,
            $($variant(<$kind as $crate::Node>::Look)),+
        }

        impl $crate::Node for $name {
            type Msg = $msg;
            type Timer = $timer;
            type Durable = $durable;
            type Look = $look;

            fn on_start(&mut self, ctx: &mut $crate::Ctx<'_, $msg, $timer, $durable>) {
                match self { $($name::$variant(n) => n.on_start(ctx)),+ }
            }
            fn on_msg(&mut self, ctx: &mut $crate::Ctx<'_, $msg, $timer, $durable>, from: $crate::NodeId, msg: $msg) {
                match self { $($name::$variant(n) => n.on_msg(ctx, from, msg)),+ }
            }
            fn on_timer(&mut self, ctx: &mut $crate::Ctx<'_, $msg, $timer, $durable>, timer: $timer) {
                match self { $($name::$variant(n) => n.on_timer(ctx, timer)),+ }
            }
            fn on_force_timeout(&mut self, ctx: &mut $crate::Ctx<'_, $msg, $timer, $durable>) {
                match self { $($name::$variant(n) => n.on_force_timeout(ctx)),+ }
            }
            fn restart(&self, durable: &$durable) -> Self {
                match self { $($name::$variant(n) => $name::$variant(n.restart(durable))),+ }
            }
            fn view(&self, now_local_us: i64) -> $crate::NodeView {
                match self { $($name::$variant(n) => n.view(now_local_us)),+ }
            }
            fn look(&self) -> $look {
                match self { $($name::$variant(n) => $look::$variant(n.look())),+ }
            }
            fn narrate(&self, step: &$crate::Handled<'_, Self>, out: &mut $crate::Narration) {
                match self {
                    $($name::$variant(n) => {
                        fn pick(l: &$look) -> Option<&<$kind as $crate::Node>::Look> {
                            match l {
                                $look::$variant(x) => Some(x),
                                #[allow(unreachable_patterns)]
                                _ => None,
                            }
                        }
                        if let Some(s) = step.narrow(pick) {
                            n.narrate(&s, out)
                        }
                    })+
                }
            }
        }
    };
}
