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
    /// A stop-the-world pause (garbage collection, VM migration, swapping): the node handles nothing for `for_us`; messages and
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
    /// The node's timeout fires now (an election timeout, say); what that means is up to the node.
    Timeout { node: NodeId },
    /// Message `id` (numbered in send order) is lost, if it is still in flight.
    DropMessage { id: u64 },
    /// Message `id` arrives `by_us` later, if it is still in flight.
    DelayMessage { id: u64, by_us: u64 },
}

impl Fault {
    /// Apply a link fault to a list of cut (one-way) links; other faults leave it alone. The kernel and any view
    /// that draws cut links use this one definition.
    pub fn apply_to_links(&self, cut: &mut Vec<(NodeId, NodeId)>) {
        match *self {
            Fault::Cut { from, to, both } => {
                for link in [(from, to), (to, from)].into_iter().take(if both { 2 } else { 1 }) {
                    if !cut.contains(&link) {
                        cut.push(link);
                    }
                }
            }
            Fault::Heal { from, to, both } => cut.retain(|&l| l != (from, to) && (!both || l != (to, from))),
            Fault::HealAll => cut.clear(),
            _ => {}
        }
    }

    /// The nodes a fault names, to check them against the run's node count.
    pub fn nodes(&self) -> Vec<NodeId> {
        match *self {
            Fault::Crash { node }
            | Fault::Restart { node }
            | Fault::Pause { node, .. }
            | Fault::ClockDrift { node, .. }
            | Fault::ClockJump { node, .. }
            | Fault::Timeout { node } => vec![node],
            Fault::Cut { from, to, .. } | Fault::Heal { from, to, .. } => vec![from, to],
            Fault::HealAll | Fault::DropMessage { .. } | Fault::DelayMessage { .. } => vec![],
        }
    }

    /// One line for a learner, with node names.
    pub fn describe(&self, name: &dyn Fn(NodeId) -> String) -> String {
        let arrow = |both: bool| if both { "<->" } else { "->" };
        match *self {
            Fault::Crash { node } => format!("{} crashes", name(node)),
            Fault::Restart { node } => format!("{} restarts", name(node)),
            Fault::Pause { node, for_us } => {
                format!("{} is paused (stop-the-world) for {}", name(node), fmt_us(for_us as i64))
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
            Fault::Timeout { node } => format!("{}'s timeout fires now", name(node)),
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

/// A run's fault plan. In JSON (traces, exports) it is its compact text form (see [`FaultPlan::to_compact`]):
/// short, readable, and the same text the URL and the CLI's `--faults` take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan(pub Vec<FaultEntry>);

impl Serialize for FaultPlan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_compact())
    }
}

impl<'de> Deserialize<'de> for FaultPlan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (plan, errors) = FaultPlan::parse_compact(&text);
        match errors.into_iter().next() {
            None => Ok(plan),
            Some(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

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

    /// Put the entries in the order of their times (stable: faults at one time keep their order).
    pub fn sort_by_time(&mut self) {
        sort_by_time(&mut self.0);
    }

    /// This plan carried into another run: the faults that name only nodes `keep` accepts, moved by `shift_us`
    /// (never before 0). Faults on message ids are left behind: another run numbers its messages differently.
    pub fn carried(&self, keep: impl Fn(NodeId) -> bool, shift_us: i64) -> FaultPlan {
        FaultPlan(
            self.0
                .iter()
                .filter(|e| !matches!(e.fault, Fault::DropMessage { .. } | Fault::DelayMessage { .. }))
                .filter(|e| e.fault.nodes().into_iter().all(&keep))
                .map(|e| FaultEntry { at_us: e.at_us.saturating_add_signed(shift_us), fault: e.fault.clone() })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Random faults of every kind the kernel has, drawn from a seed on a stream of their own (so the run's other
/// randomness is the same with or without them): a crash of any node with a restart, a pause, clock drift, a
/// clock jump, a partition of one node from all others that heals, a delay of one message. Each fault is one
/// draw of a time in `0..=window_us`, a node, a duration, and a kind (crashes are twice as likely as the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultMix {
    pub nodes: NodeId,
    pub window_us: u64,
    /// Durations of outages, pauses and partitions, and delays of messages.
    pub min_dur_us: u64,
    pub max_dur_us: u64,
    /// Clock jumps are up to this long, either way.
    pub max_jump_us: u64,
    /// Drift is between 1% and this, either way.
    pub max_drift_ppm: i64,
    /// Roughly how many messages a run sends: a delay picks one of them.
    pub messages: u64,
    /// The RNG stream the faults are drawn on.
    pub stream: u64,
}

impl FaultMix {
    pub fn draw(&self, count: u32, seed: u64) -> FaultPlan {
        use rand::RngExt;
        let mut plan = FaultPlan::new();
        if count == 0 || self.nodes == 0 {
            return plan;
        }
        let mut rng = crate::rng::stream(seed, self.stream);
        let sign = |rng: &mut crate::ChaCha8Rng| if rng.random_bool(0.5) { 1 } else { -1 };
        for _ in 0..count {
            let at = rng.random_range(0..=self.window_us);
            let node = rng.random_range(0..self.nodes);
            let dur = rng.random_range(self.min_dur_us..=self.max_dur_us.max(self.min_dur_us));
            match rng.random_range(0..7u32) {
                0 | 1 => {
                    plan.push(at, Fault::Crash { node });
                    plan.push(at + dur, Fault::Restart { node });
                }
                2 => {
                    plan.push(at, Fault::Pause { node, for_us: dur });
                }
                3 => {
                    let ppm = rng.random_range(10_000..=self.max_drift_ppm.max(10_000)) * sign(&mut rng);
                    plan.push(at, Fault::ClockDrift { node, ppm });
                }
                4 => {
                    let by_us = rng.random_range(1_000..=self.max_jump_us.max(1_000)) as i64 * sign(&mut rng);
                    plan.push(at, Fault::ClockJump { node, by_us });
                }
                5 => {
                    for other in (0..self.nodes).filter(|&o| o != node) {
                        plan.push(at, Fault::Cut { from: node, to: other, both: true });
                    }
                    plan.push(at + dur, Fault::HealAll);
                }
                _ => {
                    plan.push(at, Fault::DelayMessage { id: rng.random_range(0..self.messages.max(1)), by_us: dur });
                }
            }
        }
        plan.sort_by_time();
        plan
    }
}

/// Sort fault entries by their times, stably. Every caller shares this one function: each `sort_by_key` with a
/// closure of its own is a sort compiled again, about 4 KB of the page's wasm apiece.
pub fn sort_by_time(entries: &mut [FaultEntry]) {
    entries.sort_by_key(|e| e.at_us);
}

/// A swarm-drawn fault plan for a counterexample search (after TigerBeetle's VOPR): each plan enables a random
/// subset of the fault kinds — crash with restart, crash for good, pause, clock drift, clock jump, a one-way cut, a
/// partition both ways, a message delay, a message drop — and draws 1 to 8 faults of those kinds at random times
/// within the horizon.
/// The same seed gives the same plan.
pub fn swarm(nodes: NodeId, horizon_us: u64, messages: u64, seed: u64) -> FaultPlan {
    use rand::RngExt;
    let mut plan = FaultPlan::new();
    if nodes == 0 || horizon_us == 0 {
        return plan;
    }
    let mut rng = crate::rng::stream(seed, 0x5a4d);
    let kinds: Vec<u32> = loop {
        let k: Vec<u32> = (0..9u32).filter(|_| rng.random_bool(0.5)).collect();
        if !k.is_empty() {
            break k;
        }
    };
    let count = rng.random_range(1..=8u32);
    let span = |rng: &mut crate::ChaCha8Rng| rng.random_range(1_000..=(horizon_us / 4).max(1_000));
    for _ in 0..count {
        let at = rng.random_range(0..horizon_us);
        let node = rng.random_range(0..nodes);
        // Another node for a one-way cut (itself only where there is no other).
        let other = (node + 1 + rng.random_range(0..nodes.max(2) - 1)) % nodes;
        match kinds[rng.random_range(0..kinds.len())] {
            0 => {
                let d = span(&mut rng);
                plan.push(at, Fault::Crash { node });
                plan.push(at + d, Fault::Restart { node });
            }
            1 => {
                plan.push(at, Fault::Crash { node });
            }
            2 => {
                let for_us = span(&mut rng);
                plan.push(at, Fault::Pause { node, for_us });
            }
            3 => {
                let ppm = rng.random_range(10_000..=500_000i64) * if rng.random_bool(0.5) { 1 } else { -1 };
                plan.push(at, Fault::ClockDrift { node, ppm });
            }
            4 => {
                let by_us = span(&mut rng) as i64 * if rng.random_bool(0.5) { 1 } else { -1 };
                plan.push(at, Fault::ClockJump { node, by_us });
            }
            5 if node != other => {
                let d = span(&mut rng);
                plan.push(at, Fault::Cut { from: node, to: other, both: false });
                plan.push(at + d, Fault::Heal { from: node, to: other, both: false });
            }
            6 => {
                let d = span(&mut rng);
                for o in (0..nodes).filter(|&o| o != node) {
                    plan.push(at, Fault::Cut { from: node, to: o, both: true });
                }
                plan.push(at + d, Fault::HealAll);
            }
            8 => {
                plan.push(at, Fault::DropMessage { id: rng.random_range(0..messages.max(1)) });
            }
            _ => {
                let by_us = span(&mut rng);
                plan.push(at, Fault::DelayMessage { id: rng.random_range(0..messages.max(1)), by_us });
            }
        }
    }
    plan.sort_by_time();
    plan
}

/// `1.5 ms`, `800 ms`, `2.25 s`: times for people, from microseconds (integer arithmetic only: no float
/// formatting code in the browser bundle).
pub fn fmt_us(us: i64) -> String {
    Us(us).to_string()
}

/// [`fmt_us`] as a value that writes itself (`format!("after {}", Us(t))`): no string of its own on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Us(pub i64);

impl std::fmt::Display for Us {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let abs = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        if abs >= 1_000_000 {
            write!(f, "{} s", Decimal(abs / 1_000, 3))
        } else if abs >= 1_000 || abs == 0 {
            write!(f, "{} ms", Decimal(abs, 3))
        } else {
            write!(f, "{abs} µs")
        }
    }
}

/// `value / 10^places` written out, trailing zeros of the fraction dropped: `decimal(1500, 3)` is `1.5`.
pub fn decimal(value: u64, places: u32) -> String {
    Decimal(value, places).to_string()
}

/// [`decimal`] as a value that writes itself: `Decimal(1500, 3)` displays as `1.5`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal(pub u64, pub u32);

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Decimal(value, places) = *self;
        let Some(unit) = 10u64.checked_pow(places) else { return write!(f, "{value}") };
        let (whole, mut frac) = (value / unit, value % unit);
        if frac == 0 {
            return write!(f, "{whole}");
        }
        // Drop the fraction's trailing zeros, then pad it back to its place: 1050 with 3 places is `1.05`.
        let mut width = places as usize;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        write!(f, "{whole}.{frac:0width$}")
    }
}

fn fmt_signed_us(us: i64) -> String {
    if us >= 0 {
        format!("+{}", fmt_us(us))
    } else {
        fmt_us(us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A swarm plan is a function of its seed, stays within the nodes and the horizon, and different seeds
    /// enable different subsets of the kinds.
    #[test]
    fn swarm_plans_are_deterministic_bounded_and_varied() {
        let kinds = |p: &FaultPlan| {
            let mut k: Vec<std::mem::Discriminant<Fault>> =
                p.entries().iter().map(|e| std::mem::discriminant(&e.fault)).collect();
            k.sort_by_key(|d| format!("{d:?}"));
            k.dedup();
            k.len()
        };
        let mut shapes = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let p = swarm(5, 1_000_000, 50, seed);
            assert_eq!(p, swarm(5, 1_000_000, 50, seed));
            assert!(!p.is_empty() && p.entries().len() <= 8 * 5, "{}", p.to_compact());
            assert!(p.entries().iter().all(|e| e.fault.nodes().iter().all(|&n| n < 5)));
            assert!(p.entries().windows(2).all(|w| w[0].at_us <= w[1].at_us));
            shapes.insert(kinds(&p));
        }
        assert!(shapes.len() >= 4, "plans of many shapes: {shapes:?}");
    }

    #[test]
    fn formats_times_for_people() {
        assert_eq!(fmt_us(0), "0 ms");
        assert_eq!(fmt_us(250), "250 µs");
        assert_eq!(fmt_us(1_500), "1.5 ms");
        assert_eq!(fmt_us(800_000), "800 ms");
        assert_eq!(fmt_us(2_250_000), "2.25 s");
        assert_eq!(fmt_us(-3_000), "-3 ms");
        assert_eq!(fmt_us(17_039), "17.039 ms");
        assert_eq!(fmt_us(1_000_999), "1 s");
        assert_eq!(fmt_us(1_384_000), "1.384 s");
        assert_eq!(decimal(1_050, 2), "10.5");
        assert_eq!(fmt_us(1_050), "1.05 ms");
        assert_eq!(fmt_us(1_005), "1.005 ms");
        assert_eq!(fmt_us(-1_000_001), "-1 s");
        assert_eq!(format!("waited {} and {}", Us(12_340), Decimal(7, 3)), "waited 12.34 ms and 0.007");
        assert_eq!(decimal(5, 25), "5", "a place count past u64's digits writes the value as it is");
        // Every value with 1 to 4 places agrees with the plain arithmetic: the digits of value / 10^places with
        // the fraction's trailing zeros cut.
        for places in 1..=4u32 {
            for value in (0..30_000u64).step_by(7) {
                let unit = 10u64.pow(places);
                let frac = format!("{:0w$}", value % unit, w = places as usize);
                let frac = frac.trim_end_matches('0');
                let want =
                    if frac.is_empty() { (value / unit).to_string() } else { format!("{}.{frac}", value / unit) };
                assert_eq!(decimal(value, places), want, "{value} with {places} places");
            }
        }
    }

    #[test]
    fn plan_round_trips_through_json() {
        let mut plan = FaultPlan::new();
        plan.push(30_000, Fault::Pause { node: 0, for_us: 800_000 })
            .push(5, Fault::Cut { from: 1, to: 2, both: false });
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(json, r#""pause:0:800000@30000,cut:1>2@5""#);
        let back: FaultPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, plan);
    }
}

/// The compact text form of a fault plan, for URLs and the CLI's `--fault`: entries `KIND:ARGS@TIME_US` joined by
/// commas, e.g. `pause:0:800000@30000,cut:1=2@5000,drop:17@42000`.
///
/// | entry | meaning |
/// |---|---|
/// | `crash:N@T`, `restart:N@T` | node N crashes / restarts |
/// | `pause:N:D@T` | node N pauses for D µs |
/// | `drift:N:PPM@T`, `jump:N:US@T` | node N's clock drifts / jumps |
/// | `cut:A>B@T`, `cut:A=B@T` | cut the link A→B (one way) or both ways |
/// | `heal:A>B@T`, `heal:A=B@T`, `healall@T` | heal it again |
/// | `drop:ID@T`, `delay:ID:US@T` | drop or delay message ID if still in flight |
/// | `timeout:N@T` | node N's timeout fires (an election timeout, say) |
impl FaultPlan {
    pub fn to_compact(&self) -> String {
        self.0.iter().map(|e| format!("{}@{}", compact(&e.fault), e.at_us)).collect::<Vec<_>>().join(",")
    }

    /// One fault without a time, as the embedding API and a click give it: `crash:0`, `pause:1:500000`.
    pub fn parse_fault(text: &str) -> Option<Fault> {
        parse_entry(&format!("{}@0", text.trim())).map(|e| e.fault)
    }

    /// Parse the compact form. Entries that do not parse are left out and described, one message each.
    pub fn parse_compact(text: &str) -> (FaultPlan, Vec<String>) {
        let mut plan = FaultPlan::new();
        let mut errors = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if plan.0.len() >= MAX_FAULTS {
                errors.push(format!("more than {MAX_FAULTS} faults; the rest are ignored"));
                break;
            }
            match parse_entry(entry) {
                Some(e) => plan.0.push(e),
                None => errors.push(format!(
                    "fault `{entry}` is not of the form kind:args@time_us (crash:0@1000, pause:0:800000@30000, \
                     cut:0=1@5000, drop:12@40000)"
                )),
            }
        }
        (plan, errors)
    }
}

fn compact(f: &Fault) -> String {
    let link = |from, to, both| format!("{from}{}{to}", if both { '=' } else { '>' });
    match *f {
        Fault::Crash { node } => format!("crash:{node}"),
        Fault::Restart { node } => format!("restart:{node}"),
        Fault::Pause { node, for_us } => format!("pause:{node}:{for_us}"),
        Fault::ClockDrift { node, ppm } => format!("drift:{node}:{ppm}"),
        Fault::ClockJump { node, by_us } => format!("jump:{node}:{by_us}"),
        Fault::Cut { from, to, both } => format!("cut:{}", link(from, to, both)),
        Fault::Heal { from, to, both } => format!("heal:{}", link(from, to, both)),
        Fault::HealAll => "healall".into(),
        Fault::Timeout { node } => format!("timeout:{node}"),
        Fault::DropMessage { id } => format!("drop:{id}"),
        Fault::DelayMessage { id, by_us } => format!("delay:{id}:{by_us}"),
    }
}

fn parse_entry(entry: &str) -> Option<FaultEntry> {
    let (body, at) = entry.rsplit_once('@')?;
    let at_us: u64 = at.parse().ok()?;
    let mut parts = body.split(':');
    let kind = parts.next()?;
    let args: Vec<&str> = parts.collect();
    let num = |i: usize| -> Option<u64> { args.get(i)?.parse().ok() };
    let int = |i: usize| -> Option<i64> { args.get(i)?.parse().ok() };
    let node = |i: usize| -> Option<NodeId> { args.get(i)?.parse().ok() };
    let link = |i: usize| -> Option<(NodeId, NodeId, bool)> {
        let a = args.get(i)?;
        let (sep, both) = if a.contains('=') { ('=', true) } else { ('>', false) };
        let (x, y) = a.split_once(sep)?;
        Some((x.parse().ok()?, y.parse().ok()?, both))
    };
    let fault = match (kind, args.len()) {
        ("crash", 1) => Fault::Crash { node: node(0)? },
        ("restart", 1) => Fault::Restart { node: node(0)? },
        ("pause", 2) => Fault::Pause { node: node(0)?, for_us: num(1)? },
        ("drift", 2) => Fault::ClockDrift { node: node(0)?, ppm: int(1)? },
        ("jump", 2) => Fault::ClockJump { node: node(0)?, by_us: int(1)? },
        ("cut", 1) => {
            let (from, to, both) = link(0)?;
            Fault::Cut { from, to, both }
        }
        ("heal", 1) => {
            let (from, to, both) = link(0)?;
            Fault::Heal { from, to, both }
        }
        ("healall", 0) => Fault::HealAll,
        ("timeout", 1) => Fault::Timeout { node: node(0)? },
        ("drop", 1) => Fault::DropMessage { id: num(0)? },
        ("delay", 2) => Fault::DelayMessage { id: num(0)?, by_us: num(1)? },
        _ => return None,
    };
    Some(FaultEntry { at_us, fault })
}

#[cfg(test)]
mod compact_tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let mut plan = FaultPlan::new();
        plan.push(1, Fault::Crash { node: 0 })
            .push(2, Fault::Restart { node: 0 })
            .push(3, Fault::Pause { node: 1, for_us: 800_000 })
            .push(4, Fault::ClockDrift { node: 2, ppm: -150_000 })
            .push(5, Fault::ClockJump { node: 2, by_us: -1_000_000 })
            .push(6, Fault::Cut { from: 0, to: 3, both: false })
            .push(7, Fault::Cut { from: 1, to: 2, both: true })
            .push(8, Fault::Heal { from: 1, to: 2, both: true })
            .push(9, Fault::HealAll)
            .push(9, Fault::Timeout { node: 4 })
            .push(10, Fault::DropMessage { id: 42 })
            .push(11, Fault::DelayMessage { id: 43, by_us: 5_000 });
        let text = plan.to_compact();
        assert_eq!(
            text,
            "crash:0@1,restart:0@2,pause:1:800000@3,drift:2:-150000@4,jump:2:-1000000@5,cut:0>3@6,cut:1=2@7,\
             heal:1=2@8,healall@9,timeout:4@9,drop:42@10,delay:43:5000@11"
        );
        let (back, errors) = FaultPlan::parse_compact(&text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back, plan);
    }

    #[test]
    fn bad_entries_are_named_and_skipped() {
        let (plan, errors) = FaultPlan::parse_compact("crash:0@5,explode:1@2,pause:0@3,crash:x@1,cut:1-2@4,crash:1");
        assert_eq!(plan.entries().len(), 1);
        assert_eq!(errors.len(), 5);
        assert!(errors[0].contains("`explode:1@2`"), "{errors:?}");
        assert_eq!(FaultPlan::parse_compact("").0, FaultPlan::new());
    }

    #[test]
    fn a_single_fault_without_a_time() {
        assert_eq!(FaultPlan::parse_fault("crash:2"), Some(Fault::Crash { node: 2 }));
        assert_eq!(FaultPlan::parse_fault("delay:7:100"), Some(Fault::DelayMessage { id: 7, by_us: 100 }));
        assert_eq!(FaultPlan::parse_fault("crash:2@5"), None);
        assert_eq!(FaultPlan::parse_fault("nonsense"), None);
    }
}
