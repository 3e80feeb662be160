//! Faults as data: a plan of timed entries that is part of a run's inputs, so a seed, a URL or a CLI flag
//! reproduces them exactly (after VOPR's options and madsim's `Config`).

use crate::NodeId;
use serde::{Deserialize, Serialize};

/// At most this many entries in one plan: a longer plan is a clear error, not a slow page.
pub const MAX_FAULTS: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The process dies: it handles nothing until restarted, and loses everything it did not store durably.
    Crash { node: NodeId },
    /// The process starts again from its durable state.
    Restart { node: NodeId },
    /// A stop-the-world pause (GC, VM migration, swapping): the node handles nothing for `for_us`; messages and
    /// timers wait for it while true time runs on.
    Pause { node: NodeId, for_us: u64 },
    /// From now on the node's clock runs `ppm` parts per million fast (positive) or slow (negative).
    ClockDrift { node: NodeId, ppm: i64 },
    /// The node's clock steps by `by_us` (forwards or backwards).
    ClockJump { node: NodeId, by_us: i64 },
    /// Messages from `from` to `to` are lost (and the other way too when `both`).
    Cut { from: NodeId, to: NodeId, both: bool },
    /// Undo a cut.
    Heal { from: NodeId, to: NodeId, both: bool },
    /// Heal every cut link.
    HealAll,
    /// Message `id` (numbered in send order) is lost, if it is still in flight.
    DropMessage { id: u64 },
    /// Message `id` arrives `by_us` later, if it is still in flight.
    DelayMessage { id: u64, by_us: u64 },
}

impl Fault {
    /// The nodes a fault names, to check them against the run's node count.
    pub fn nodes(&self) -> Vec<NodeId> {
        match *self {
            Fault::Crash { node }
            | Fault::Restart { node }
            | Fault::Pause { node, .. }
            | Fault::ClockDrift { node, .. }
            | Fault::ClockJump { node, .. } => vec![node],
            Fault::Cut { from, to, .. } | Fault::Heal { from, to, .. } => vec![from, to],
            Fault::HealAll | Fault::DropMessage { .. } | Fault::DelayMessage { .. } => vec![],
        }
    }

    /// One line for a learner, with node names.
    pub fn describe(&self, name: &dyn Fn(NodeId) -> String) -> String {
        let arrow = |both: bool| if both { "<->" } else { "->" };
        match *self {
            Fault::Crash { node } => format!("{} crashes", name(node)),
            Fault::Restart { node } => format!("{} restarts from its durable state", name(node)),
            Fault::Pause { node, for_us } => {
                format!("{} is paused (stop-the-world GC) for {}", name(node), fmt_us(for_us as i64))
            }
            Fault::ClockDrift { node, ppm } => {
                format!("{}'s clock now drifts {ppm:+} ppm", name(node))
            }
            Fault::ClockJump { node, by_us } => {
                format!("{}'s clock jumps {}", name(node), fmt_signed_us(by_us))
            }
            Fault::Cut { from, to, both } => {
                format!("link {} {} {} is cut", name(from), arrow(both), name(to))
            }
            Fault::Heal { from, to, both } => {
                format!("link {} {} {} is healed", name(from), arrow(both), name(to))
            }
            Fault::HealAll => "all links are healed".to_string(),
            Fault::DropMessage { id } => format!("message #{id} is dropped"),
            Fault::DelayMessage { id, by_us } => format!("message #{id} is delayed by {}", fmt_us(by_us as i64)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultEntry {
    pub at_us: u64,
    #[serde(flatten)]
    pub fault: Fault,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultPlan(pub Vec<FaultEntry>);

impl FaultPlan {
    pub fn new() -> Self {
        FaultPlan(Vec::new())
    }

    pub fn push(&mut self, at_us: u64, fault: Fault) -> &mut Self {
        self.0.push(FaultEntry { at_us, fault });
        self
    }

    pub fn entries(&self) -> &[FaultEntry] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `1.5 ms`, `800 ms`, `2.25 s`: times for people, from microseconds.
pub fn fmt_us(us: i64) -> String {
    let abs = us.unsigned_abs();
    let sign = if us < 0 { "-" } else { "" };
    if abs >= 1_000_000 {
        format!("{sign}{} s", trim_decimals(abs as f64 / 1e6, 3))
    } else if abs >= 1_000 || abs == 0 {
        format!("{sign}{} ms", trim_decimals(abs as f64 / 1e3, 3))
    } else {
        format!("{sign}{abs} µs")
    }
}

fn fmt_signed_us(us: i64) -> String {
    if us >= 0 {
        format!("+{}", fmt_us(us))
    } else {
        fmt_us(us)
    }
}

fn trim_decimals(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_for_people() {
        assert_eq!(fmt_us(0), "0 ms");
        assert_eq!(fmt_us(250), "250 µs");
        assert_eq!(fmt_us(1_500), "1.5 ms");
        assert_eq!(fmt_us(800_000), "800 ms");
        assert_eq!(fmt_us(2_250_000), "2.25 s");
        assert_eq!(fmt_us(-3_000), "-3 ms");
    }

    #[test]
    fn plan_round_trips_through_json() {
        let mut plan = FaultPlan::new();
        plan.push(30_000, Fault::Pause { node: 0, for_us: 800_000 })
            .push(5, Fault::Cut { from: 1, to: 2, both: false });
        let json = serde_json::to_string(&plan).unwrap();
        assert!(json.contains(r#""kind":"pause""#), "{json}");
        let back: FaultPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, plan);
    }
}
