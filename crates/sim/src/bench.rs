//! A message-heavy workload for the kernel benchmark (`cargo xtask bench`), shared by the native and the wasm
//! measurement so that both time exactly the same work.

use crate::kernel::{Limits, Sim};
use crate::net::NetConfig;
use crate::node::{Ctx, Describe, Node};
use crate::trace::{NodeInfo, NodeView};
use crate::{FaultPlan, NodeId};

/// A node that forwards every token it receives to a random peer (a hot-potato storm).
#[derive(Clone, Debug)]
pub struct Relay {
    peers: u32,
    tokens: u32,
    handled: u64,
}

#[derive(Clone, Debug)]
pub struct Token(pub u64);

impl Describe for Token {
    fn describe(&self) -> String {
        format!("token {}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tick;

impl Describe for Tick {
    fn describe(&self) -> String {
        "tick".into()
    }
}

impl Relay {
    fn forward(&mut self, ctx: &mut Ctx<'_, Token, Tick>, token: u64) {
        let me = ctx.me();
        let mut to = ctx.random_between(0, self.peers as u64 - 2) as NodeId;
        if to >= me {
            to += 1;
        }
        ctx.send(to, Token(token + 1));
    }
}

impl Node for Relay {
    type Durable = ();
    type Look = ();
    type Msg = Token;
    type Timer = Tick;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Token, Tick>) {
        for i in 0..self.tokens {
            self.forward(ctx, i as u64 * 1_000_000);
        }
    }

    fn on_msg(&mut self, ctx: &mut Ctx<'_, Token, Tick>, _from: NodeId, msg: Token) {
        self.handled += 1;
        self.forward(ctx, msg.0);
    }

    fn on_timer(&mut self, _ctx: &mut Ctx<'_, Token, Tick>, _timer: Tick) {}

    fn restart(&self, _: &()) -> Self {
        Relay { handled: 0, ..self.clone() }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        NodeView { status: format!("{} handled", self.handled), ..NodeView::default() }
    }
}

/// Run the storm: `nodes` relays (at least 2), each starting `tokens` messages, for `steps` steps, recording
/// everything. Returns (steps run, events recorded).
pub fn message_storm(seed: u64, nodes: u32, tokens: u32, steps: u32) -> (u32, usize) {
    storm(seed, nodes, tokens, steps, false)
}

/// The same storm as a search or a sweep runs it: lean (breaches only, no events, no narration).
pub fn message_storm_lean(seed: u64, nodes: u32, tokens: u32, steps: u32) -> (u32, usize) {
    storm(seed, nodes, tokens, steps, true)
}

fn storm(seed: u64, nodes: u32, tokens: u32, steps: u32, lean: bool) -> (u32, usize) {
    let nodes = nodes.max(2);
    let list = (0..nodes)
        .map(|i| {
            (NodeInfo { name: format!("relay {i}"), role: "relay".into() }, Relay { peers: nodes, tokens, handled: 0 })
        })
        .collect();
    let limits = Limits { max_steps: steps, max_queue: 1_000_000, horizon_us: u64::MAX };
    match Sim::new(list, NetConfig::with_latency_us(100, 5_000), &FaultPlan::new(), seed, limits) {
        Ok(sim) => {
            let out = sim.lean(lean).run();
            (out.steps, out.events.len())
        }
        Err(_) => (0, 0),
    }
}

/// The reference the kernel is measured against: a bare discrete-event loop doing the storm's work and nothing
/// else — a binary heap of (time, order, node, token), xorshift for the peer and the latency, the same `nodes`,
/// `tokens` and latency range (100–5,000 µs), no recording, no faults, no invariants. Returns the events handled.
pub fn bare_loop(seed: u64, nodes: u32, tokens: u32, steps: u32) -> u32 {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let nodes = u64::from(nodes.max(2));
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut heap = BinaryHeap::new();
    let mut order = 0u64;
    let mut send = |heap: &mut BinaryHeap<Reverse<(u64, u64, u64, u64)>>, now: u64, from: u64, token: u64, r: u64| {
        let to = (from + 1 + r % (nodes - 1)) % nodes;
        let at = now + 100 + (r >> 32) % 4_901;
        order += 1;
        heap.push(Reverse((at, order, to, token + 1)));
    };
    for node in 0..nodes {
        for t in 0..u64::from(tokens) {
            let r = next();
            send(&mut heap, 0, node, t * 1_000_000, r);
        }
    }
    let mut handled = 0;
    let mut handled_by = vec![0u64; nodes as usize];
    while handled < steps {
        let Some(Reverse((now, _, node, token))) = heap.pop() else { break };
        handled_by[node as usize] += 1;
        let r = next();
        send(&mut heap, now, node, token, r);
        handled += 1;
    }
    std::hint::black_box(&handled_by);
    handled
}
