//! A message-heavy workload for the kernel benchmark (`cargo xtask bench`), shared by the native and the wasm
//! measurement so that both time exactly the same work.

use crate::kernel::{Limits, Sim};
use crate::net::NetConfig;
use crate::node::{Ctx, Describe, Node};
use crate::trace::{NodeInfo, NodeView};
use crate::{FaultPlan, Label, NodeId};

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
    fn describe(&self) -> Label {
        crate::label!("token ", self.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tick;

impl Describe for Tick {
    fn describe(&self) -> Label {
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
    match storm_sim(seed, nodes, tokens, steps, STORM_MAX_QUEUE) {
        Ok(sim) => {
            let out = sim.lean(lean).run();
            (out.steps, out.events.len())
        }
        Err(_) => (0, 0),
    }
}

/// The storm's queue limit: never reached (the queue holds `nodes × tokens` items).
const STORM_MAX_QUEUE: usize = 1_000_000;

/// The storm set up: `nodes` relays (at least 2), each to start `tokens` messages, for `steps` steps, with at most
/// `max_queue` items waiting.
fn storm_sim(seed: u64, nodes: u32, tokens: u32, steps: u32, max_queue: usize) -> Result<Sim<Relay>, crate::SimError> {
    let nodes = nodes.max(2);
    let list = (0..nodes)
        .map(|i| {
            (NodeInfo { name: format!("relay {i}"), role: "relay".into() }, Relay { peers: nodes, tokens, handled: 0 })
        })
        .collect();
    let limits = Limits { max_steps: steps, max_queue, horizon_us: u64::MAX };
    Sim::new(list, NetConfig::with_latency_us(100, 100 + LATENCY_SPREAD_US), &FaultPlan::new(), seed, limits)
}

/// The reference the kernel is measured against: a bare discrete-event loop doing the storm's work and nothing
/// else — a binary heap of (time, order, node, token), xorshift for the peer and the latency, the same `nodes`,
/// `tokens` and latency range (100–5,000 µs), no recording, no faults, no invariants. Returns the events handled.
pub fn bare_loop(seed: u64, nodes: u32, tokens: u32, steps: u32) -> u32 {
    let mut x = seed | 1;
    let handled = bare(nodes, tokens, steps, move |from, nodes| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ((from + 1 + x % (nodes - 1)) % nodes, (x >> 32) % (LATENCY_SPREAD_US + 1))
    });
    handled.iter().sum::<u64>() as u32
}

/// The same bare loop drawing its numbers as the kernel does: ChaCha8, from the sender's own stream for the peer
/// and from the network's for the latency (streams 1.. and 0 of `seed`, two draws an event). The kernel keeps that
/// generator (every seed's run, chapter and golden trace depends on its words), so this loop is as fast as the kernel
/// could be with it, and shows how much of the gap to [`bare_loop`] is the generator and how much the kernel.
pub fn bare_loop_chacha(seed: u64, nodes: u32, tokens: u32, steps: u32) -> u32 {
    bare_chacha(seed, nodes, tokens, steps).iter().sum::<u64>() as u32
}

fn bare_chacha(seed: u64, nodes: u32, tokens: u32, steps: u32) -> Vec<u64> {
    let mut net = crate::rng::stream(seed, 0);
    let mut own: Vec<_> = (1..=u64::from(nodes.max(2))).map(|s| crate::rng::stream(seed, s)).collect();
    bare(nodes, tokens, steps, move |from, nodes| {
        // The relay's own choice of peer (`Relay::forward`), then the network's latency (`Sim::send`).
        let to = crate::node::uniform(&mut own[from as usize], 0, nodes - 2);
        (to + u64::from(to >= from), crate::node::uniform(&mut net, 0, LATENCY_SPREAD_US))
    })
}

/// The storm's latencies: 100 µs and up to this much more.
const LATENCY_SPREAD_US: u64 = 4_900;

/// The bare loop; `draw(from, nodes)` gives the receiver (another node) and the latency's part above 100 µs
/// (`0..=LATENCY_SPREAD_US`) of one send. Returns the events each node handled.
fn bare(nodes: u32, tokens: u32, steps: u32, mut draw: impl FnMut(u64, u64) -> (u64, u64)) -> Vec<u64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let nodes = u64::from(nodes.max(2));
    let mut heap = BinaryHeap::new();
    let mut order = 0u64;
    let mut send = |heap: &mut BinaryHeap<Reverse<(u64, u64, u64, u64)>>, now: u64, from: u64, token: u64| {
        let (to, latency) = draw(from, nodes);
        let at = now + 100 + latency;
        order += 1;
        heap.push(Reverse((at, order, to, token + 1)));
    };
    for node in 0..nodes {
        for t in 0..u64::from(tokens) {
            send(&mut heap, 0, node, t * 1_000_000);
        }
    }
    let mut handled_by = vec![0u64; nodes as usize];
    for _ in 0..steps {
        let Some(Reverse((now, _, node, token))) = heap.pop() else { break };
        handled_by[node as usize] += 1;
        send(&mut heap, now, node, token);
    }
    std::hint::black_box(handled_by)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    /// The ChaCha8 loop does the storm's work: the same deliveries, to the same nodes, as the kernel's storm from the
    /// same seed (whose first steps are the nodes' starts).
    #[test]
    fn the_chacha_loop_delivers_what_the_kernel_storm_delivers() {
        let (nodes, tokens, steps) = (5, 8, 20_000);
        for seed in [1, 2, 77] {
            let mut sim =
                storm_sim(seed, nodes, tokens, steps + nodes, STORM_MAX_QUEUE).expect("a valid storm").lean(true);
            while sim.step() {}
            let kernel: Vec<u64> = sim.nodes().iter().map(|r| r.handled).collect();
            assert_eq!(kernel.iter().sum::<u64>(), u64::from(steps));
            assert_eq!(bare_chacha(seed, nodes, tokens, steps), kernel, "seed {seed}");
        }
    }

    /// The queue's limit counts the items waiting, not the one being processed (a kernel that keeps the processed
    /// item's key in the heap until its step ends must not count it). Two relays of three tokens each: the first
    /// start leaves 4 items (the other start and 3 tokens), the second 6, and from then on every delivery forwards
    /// one token, so 6 stay.
    #[test]
    fn the_queue_limit_counts_the_items_waiting() {
        let ended = |max_queue: usize| {
            let out = storm_sim(1, 2, 3, 50, max_queue).expect("a valid storm").lean(true).run();
            (out.steps, out.outcome)
        };
        let full = |max_queue| Outcome::QueueLimit { limit: max_queue };
        assert_eq!(ended(3), (1, full(3)), "the first start's third token finds 3 waiting");
        assert_eq!(ended(4), (2, full(4)));
        assert_eq!(ended(5), (2, full(5)));
        assert_eq!(ended(6), (50, Outcome::StepLimit { limit: 50 }), "6 waiting, never more");
    }
}
