//! The kernel as a state space for the exhaustive checker ([`crate::check`]), over the real node code.
//!
//! From each state the choices are: which pending item comes next — a delivery may overtake another when both
//! arrive within the network's latency spread (`latency_max − latency_min`) of the earliest pending item, while
//! timers, restarts and resumes are never late (nothing pending may be overtaken by more than that spread, and
//! nothing may overtake a timer that is due) — and, while the path's crash budget lasts, which node crashes
//! now; a crashed node may restart at any point. A state is the whole world: nodes, their clocks, disks and
//! timers, the pending items and their times, the RNG positions, the checker's history; it is fingerprinted
//! with the trace hasher over its `Debug` form, leaving out the counters that only number things (steps, queue
//! order) so that interleavings that reach the same world meet.

use super::{Item, Sim};
use crate::check::Space;
use crate::fault::{Fault, FaultPlan};
use crate::node::Node;
use crate::trace::{Condition, EventKind, Severity};
use std::cmp::Reverse;
use std::fmt::Debug;
use std::fmt::Write as _;
use std::hash::{Hash as _, Hasher as _};

/// A state of the explored run.
#[derive(Clone)]
pub struct World<N: Node, H> {
    sim: Sim<N, H>,
    crashes_left: u32,
    violation: Option<(String, String)>,
}

/// One choice: fire the pending item in this slab slot, or strike with a fault now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    Fire { index: u32, at_us: u64 },
    Strike(Fault),
}

/// The run from `start` as a [`Space`].
pub struct Explore<N: Node, H> {
    start: Sim<N, H>,
    spread_us: u64,
    crashes: u32,
}

impl<N: Node + 'static, H: Clone + Default + Debug + 'static> Explore<N, H> {
    /// Explore the run `start` (set up, not stepped) with up to `crashes` crashes on any path.
    pub fn new(start: Sim<N, H>, crashes: u32) -> Self {
        let spread_us = start.net.latency_max_us.saturating_sub(start.net.latency_min_us);
        Explore { start, spread_us, crashes }
    }

    /// The live pending items: (time, queue order, slab slot, whether it is a delivery).
    fn pending(sim: &Sim<N, H>) -> Vec<(u64, u64, u32, bool)> {
        let mut v: Vec<(u64, u64, u32, bool)> = sim
            .queue
            .iter()
            .filter_map(|&Reverse(key)| {
                let (at, seq, index) = (key.at(), key.seq(), key.place());
                let live = match sim.slab.get(index as usize)? {
                    Some(Item::Timer { node, id, .. }) => {
                        sim.slots[*node as usize].live_timers.iter().any(|(t, _)| t == id)
                    }
                    Some(_) => true,
                    None => false,
                };
                let delivery = matches!(sim.slab[index as usize], Some(Item::Deliver { .. }));
                (live && at <= sim.limits.horizon_us).then_some((at, seq, index, delivery))
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// The fault plan that replays a path of choices in an ordinary run: each fault at the time it struck, and
    /// each delivery that was overtaken held back (`delay`) until the time it came.
    pub fn replay_plan(&self, choices: &[Choice]) -> FaultPlan {
        let mut sim = self.start.clone();
        let mut plan = FaultPlan::new();
        for c in choices {
            match c {
                Choice::Fire { index, at_us } => {
                    let id = match sim.slab.get(*index as usize) {
                        Some(Some(Item::Deliver { id, .. })) => Some(*id),
                        _ => None,
                    };
                    if let Some(id) = id.filter(|_| sim.now > *at_us) {
                        plan.push(0, Fault::DelayMessage { id, by_us: sim.now - at_us });
                    }
                    fire(&mut sim, *index, *at_us);
                }
                Choice::Strike(f) => {
                    plan.push(sim.now, f.clone());
                    strike(&mut sim, f.clone());
                }
            }
        }
        plan.sort_by_time();
        plan
    }
}

/// Fire one pending item as the kernel's own step would.
fn fire<N: Node, H: Clone + Default>(sim: &mut Sim<N, H>, index: u32, at: u64) {
    sim.queue.retain(|k| k.0.place() != index);
    let Some(item) = sim.slab.get_mut(index as usize).and_then(Option::take) else { return };
    sim.free.push(index);
    sim.now = sim.now.max(at);
    if sim.process(item) {
        sim.after_step();
        sim.step += 1;
    }
}

fn strike<N: Node, H: Clone + Default>(sim: &mut Sim<N, H>, fault: Fault) {
    sim.record(EventKind::Fault { fault: fault.clone() });
    sim.apply_fault(fault);
    sim.after_step();
    sim.step += 1;
}

impl<N: Node + 'static, H: Clone + Default + Debug + 'static> Space for Explore<N, H> {
    type State = World<N, H>;
    type Action = Choice;

    fn init(&self) -> Vec<World<N, H>> {
        vec![World { sim: self.start.clone(), crashes_left: self.crashes, violation: None }]
    }

    fn actions(&self, w: &World<N, H>, out: &mut Vec<Choice>) {
        if w.sim.step >= w.sim.limits.max_steps {
            return;
        }
        let pending = Self::pending(&w.sim);
        if let Some(&(t0, ..)) = pending.first() {
            // The first item that may not be late (a timer, a restart, a resume) bounds what may come before it.
            let due = pending.iter().find(|p| !p.3).map_or(u64::MAX, |p| p.0);
            for &(at, _, index, delivery) in &pending {
                let within = at <= t0.saturating_add(self.spread_us);
                if within && (at <= due || (!delivery && at == due)) {
                    out.push(Choice::Fire { index, at_us: at });
                }
            }
        }
        for (node, c) in w.sim.conditions.iter().enumerate() {
            let node = node as u32;
            match c {
                Condition::Down => out.push(Choice::Strike(Fault::Restart { node })),
                _ if w.crashes_left > 0 => out.push(Choice::Strike(Fault::Crash { node })),
                _ => {}
            }
        }
    }

    fn next(&self, w: &World<N, H>, c: &Choice) -> Option<World<N, H>> {
        let mut n = w.clone();
        match c {
            Choice::Fire { index, at_us } => fire(&mut n.sim, *index, *at_us),
            Choice::Strike(f) => {
                if matches!(f, Fault::Crash { .. }) {
                    n.crashes_left -= 1;
                }
                strike(&mut n.sim, f.clone());
            }
        }
        // Only the breaches matter here: the rest of what the step recorded goes.
        n.violation = n.sim.events.drain().find_map(|e| match e.kind {
            EventKind::Breach(b) if b.severity == Severity::Violation => Some((b.invariant, b.message)),
            _ => None,
        });
        n.sim.views.clear();
        Some(n)
    }

    fn fingerprint(&self, w: &World<N, H>) -> u64 {
        let s = &w.sim;
        let mut h = crate::hash::DebugHasher::new();
        let _ = write!(h, "{:?}{:?}{}{:?}", s.nodes, s.conditions, s.now, s.history);
        for slot in &s.slots {
            let timers: Vec<&N::Timer> = slot.live_timers.iter().map(|(_, t)| t).collect();
            let _ = write!(h, "{:?}{}{:?}{:?}", slot.clock, slot.paused_until, timers, slot.disk);
            let _ = write!(h, "{}{}", slot.rng.get_word_pos(), slot.deferred.len());
        }
        let _ = write!(h, "{}{:?}{:?}{:?}{}", s.net_rng.get_word_pos(), s.cut, s.doomed, s.delayed, w.crashes_left);
        for (at, _, index, _) in Self::pending(s) {
            if let Some(Some(item)) = s.slab.get(index as usize) {
                let _ = write!(h, "{at}");
                match item {
                    Item::Deliver { from, to, msg, fate, .. } => write!(h, "d{from}{to}{msg:?}{fate:?}"),
                    Item::Timer { node, timer, .. } => write!(h, "t{node}{timer:?}"),
                    other => write!(h, "{other:?}"),
                }
                .ok();
            }
        }
        w.violation.hash(&mut h);
        h.finish()
    }

    fn violation(&self, w: &World<N, H>) -> Option<(String, String)> {
        w.violation.clone()
    }

    fn describe(&self, w: &World<N, H>, c: &Choice) -> String {
        let name = |n: u32| w.sim.slots.get(n as usize).map_or_else(|| format!("node {n}"), |s| s.info.name.clone());
        match c {
            Choice::Fire { index, at_us } => {
                let when = crate::fault::fmt_us(w.sim.now.max(*at_us) as i64);
                match w.sim.slab.get(*index as usize) {
                    Some(Some(Item::Deliver { from, to, msg, .. })) => {
                        use crate::node::Describe;
                        let late = if w.sim.now > *at_us { " (held back)" } else { "" };
                        format!("{when}: {} → {}: {}{late}", name(*from), name(*to), msg.describe())
                    }
                    Some(Some(Item::Timer { node, timer, .. })) => {
                        use crate::node::Describe;
                        format!("{when}: {}: timer {}", name(*node), timer.describe())
                    }
                    Some(Some(Item::Start { node })) => format!("{when}: {} starts", name(*node)),
                    Some(Some(Item::Resume { node })) => format!("{when}: {} resumes", name(*node)),
                    Some(Some(Item::Fault(f))) => format!("{when}: {}", f.describe(&|n| name(n))),
                    _ => format!("{when}: nothing"),
                }
            }
            Choice::Strike(f) => {
                format!("{}: {}", crate::fault::fmt_us(w.sim.now as i64), f.describe(&|n| name(n)))
            }
        }
    }

    fn state_bytes(&self, w: &World<N, H>) -> usize {
        std::mem::size_of::<Sim<N, H>>()
            + w.sim.nodes.len() * (std::mem::size_of::<N>() + 256)
            + w.sim.slab.len() * std::mem::size_of::<Option<Item<N::Msg, N::Timer>>>()
    }
}
