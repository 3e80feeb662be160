//! Find a failure for the learner: a deterministic swarm search for a run that breaks an invariant, and a
//! shrinker that makes it as small as it will go while it still breaks the same invariant.
//!
//! - **Search.** Candidate `i` of search seed `S` is a run seed and a swarm-drawn fault plan (a random subset of
//!   the fault kinds at random times: [`crate::fault::swarm`], after TigerBeetle's VOPR), both derived from
//!   `(S, i)` alone. Whoever runs the candidates — one thread, a rayon pool, a row of Web Workers — reports the
//!   lowest-numbered failing one, so the answer never depends on how the work was split.
//! - **Shrinking** (after delta debugging, Zeller & Hildebrandt 2002, and the shrinkers of QuickCheck and
//!   Hypothesis): cut the run to just past the breach, drop faults in halves and one by one, lower the counts a
//!   scenario lets shrink (clients, servers), shorten pauses, outages and partitions, and move faults later. A
//!   change is kept only when the run still breaks the same invariant and is no larger than the original on any
//!   [`Measures`], and smaller on one of them in order, so shrinking always ends.

use crate::fault::{swarm, Fault, FaultEntry, FaultPlan};
use crate::params::{ParamKind, ParamValue, Params};
use crate::scenario::{repro_command, RunError, RunOptions, Scenario};
use crate::trace::{EventKind, Trace};

/// Shrinking tries at most this many runs (the CLI and the browser alike, so that they shrink to the same run).
pub const SHRINK_RUNS: u64 = 20_000;

/// What candidates are drawn for: the run's node count, how long it lasts, how many messages it sends (measured
/// on the scenario's canonical seed with no faults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub nodes: u32,
    pub horizon_us: u64,
    pub messages: u64,
}

impl Shape {
    pub fn probe(s: &dyn Scenario, p: &Params) -> Result<Shape, RunError> {
        let t = s.run(p, s.canonical_seed(), &FaultPlan::new(), &RunOptions::default())?;
        let messages = t.events.iter().filter(|e| matches!(e.kind, EventKind::Send { .. })).count() as u64;
        Ok(Shape { nodes: t.nodes.len() as u32, horizon_us: t.end_us.max(1), messages: messages.max(1) })
    }
}

/// SplitMix64: candidate `i`'s seeds from the search seed, independent of how the work is split.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Candidate `i` of search seed `search_seed`: its run seed and its swarm fault plan.
pub fn candidate(search_seed: u64, i: u64, shape: &Shape) -> (u64, FaultPlan) {
    let base = mix(search_seed ^ mix(i));
    (base % 1_000_000, swarm(shape.nodes, shape.horizon_us, shape.messages, mix(base)))
}

/// A run that broke an invariant, with its inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub seed: u64,
    pub params: Params,
    pub faults: FaultPlan,
    pub invariant: String,
    pub message: String,
    /// The step (counted from 1) and the time of the first breach of `invariant`.
    pub breach_step: u32,
    pub breach_us: u64,
    /// The whole run's length in steps.
    pub steps: u32,
}

/// What "smaller" means for a counterexample, compared in this order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Measures {
    /// Faults in the plan, counting a crash and its restart (a cut and its heal) as one.
    pub faults: usize,
    /// The values of the scenario's size parameters (clients, servers), in its order.
    pub sizes: Vec<i64>,
    /// How long the faults last in all: pauses, delays, outages and partitions, in µs.
    pub fault_us: u64,
    pub steps: u32,
}

impl Measures {
    /// Whether `self` is at most `other` on every measure.
    pub fn within(&self, other: &Measures) -> bool {
        self.faults <= other.faults
            && self.sizes.len() == other.sizes.len()
            && self.sizes.iter().zip(&other.sizes).all(|(a, b)| a <= b)
            && self.fault_us <= other.fault_us
            && self.steps <= other.steps
    }
}

/// An entry that ends an earlier fault (a restart, a heal) rather than starting one.
fn is_end(f: &Fault) -> bool {
    matches!(f, Fault::Restart { .. } | Fault::Heal { .. } | Fault::HealAll)
}

/// The index of the fault entry `j` ends: the latest earlier crash of its node, or cut (of its link).
fn start_of(plan: &[FaultEntry], j: usize) -> Option<usize> {
    let matches = |f: &Fault| match (&plan[j].fault, f) {
        (Fault::Restart { node }, Fault::Crash { node: n }) => node == n,
        (Fault::Heal { from, to, .. }, Fault::Cut { from: f, to: t, .. }) => (from, to) == (f, t),
        (Fault::HealAll, Fault::Cut { .. }) => true,
        _ => false,
    };
    (0..j).rev().find(|&i| plan[i].at_us <= plan[j].at_us && matches(&plan[i].fault))
}

impl Failure {
    pub fn measures(&self, s: &dyn Scenario) -> Measures {
        let e = self.faults.entries();
        let spans: u64 = (0..e.len())
            .map(|j| match e[j].fault {
                Fault::Pause { for_us, .. } => for_us,
                Fault::DelayMessage { by_us, .. } => by_us,
                _ if is_end(&e[j].fault) => start_of(e, j).map_or(0, |i| e[j].at_us - e[i].at_us),
                _ => 0,
            })
            .sum();
        Measures {
            faults: e.iter().filter(|x| !is_end(&x.fault)).count(),
            sizes: s.info().sizes.iter().filter_map(|k| self.params.get(k)).map(int).collect(),
            fault_us: spans,
            steps: self.steps,
        }
    }

    /// The `faultline run …` command that reproduces this run.
    pub fn reproduce(&self, s: &dyn Scenario) -> String {
        repro_command(s.id(), self.seed, &self.params, &self.faults)
    }
}

fn int(v: ParamValue) -> i64 {
    match v {
        ParamValue::Int(i) => i,
        _ => 0,
    }
}

/// The first breach of `invariant` in a finished run (of any violation when `None`): its invariant, message, step
/// (from 1) and time.
fn first_breach(t: &Trace, invariant: Option<&str>) -> Option<(String, String, u32, u64)> {
    t.events.iter().find_map(|e| match &e.kind {
        EventKind::Breach(b)
            if invariant.map_or(b.severity == crate::Severity::Violation, |want| want == b.invariant) =>
        {
            Some((b.invariant.clone(), b.message.clone(), e.step + 1, e.at_us))
        }
        _ => None,
    })
}

/// Run these inputs; the failure, if the run breaks `invariant` (any violation when `None`). A run the scenario
/// refuses (a size below its range, a fault naming a node that no longer exists) is no failure.
pub fn failure(
    s: &dyn Scenario,
    params: &Params,
    seed: u64,
    faults: &FaultPlan,
    invariant: Option<&str>,
) -> Option<Failure> {
    let t = s.run(params, seed, faults, &RunOptions::LEAN).ok()?;
    let (invariant, message, breach_step, breach_us) = first_breach(&t, invariant)?;
    Some(Failure {
        seed,
        params: params.clone(),
        faults: faults.clone(),
        invariant,
        message,
        breach_step,
        breach_us,
        steps: t.steps,
    })
}

/// Try candidates `range` in order; the first that fails.
pub fn first_failure(
    s: &dyn Scenario,
    params: &Params,
    shape: &Shape,
    search_seed: u64,
    invariant: Option<&str>,
    range: std::ops::Range<u64>,
) -> Option<(u64, Failure)> {
    range.into_iter().find_map(|i| {
        let (seed, faults) = candidate(search_seed, i, shape);
        failure(s, params, seed, &faults, invariant).map(|f| (i, f))
    })
}

/// A counterexample before and after shrinking.
#[derive(Clone, Debug, PartialEq)]
pub struct Shrunk {
    pub before: Failure,
    pub after: Failure,
    /// Runs the shrinker tried.
    pub runs: u64,
    /// Whether it stopped at its budget of runs rather than at a run it could not make smaller.
    pub budget_hit: bool,
}

impl Shrunk {
    /// `5 faults, 41,230 steps → 1 fault, 96 steps`.
    pub fn summary(&self, s: &dyn Scenario) -> String {
        let one = |m: &Measures| {
            let f = if m.faults == 1 { "fault" } else { "faults" };
            format!("{} {f}, {} steps", m.faults, thousands(u64::from(m.steps)))
        };
        format!("{} → {}", one(&self.before.measures(s)), one(&self.after.measures(s)))
    }
}

/// `41230` → `41,230`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let first = digits.len() - (digits.len() - 1) / 3 * 3;
    let mut out = digits[..first].to_string();
    for group in digits.as_bytes()[first..].chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(group).unwrap_or_default());
    }
    out
}

/// The shrinker's state: the original's measures bound every change, and each kept change makes the current
/// counterexample smaller in [`Measures`] order (ties broken by faults striking later).
struct Shrinker<'a> {
    s: &'a dyn Scenario,
    bound: Measures,
    best: Failure,
    key: (Measures, i64),
    runs: u64,
    max_runs: u64,
}

impl Shrinker<'_> {
    fn key(&self, f: &Failure) -> (Measures, i64) {
        let later: u64 = f.faults.entries().iter().map(|e| e.at_us).sum();
        (f.measures(self.s), -(later as i64))
    }

    fn spent(&self) -> bool {
        self.runs >= self.max_runs
    }

    /// Keep `params` and `faults` if they still break the invariant and are smaller; true if kept.
    fn attempt(&mut self, params: &Params, faults: FaultPlan) -> bool {
        if self.spent() {
            return false;
        }
        self.runs += 1;
        let Some(f) = failure(self.s, params, self.best.seed, &faults, Some(&self.best.invariant)) else {
            return false;
        };
        let key = self.key(&f);
        if key.0.within(&self.bound) && key < self.key {
            self.best = f;
            self.key = key;
            return true;
        }
        false
    }

    fn with_faults(&mut self, faults: Vec<FaultEntry>) -> bool {
        let params = self.best.params.clone();
        self.attempt(&params, FaultPlan(faults))
    }

    /// End the run just past the breach, and drop the faults after it.
    fn cut_horizon(&mut self) -> bool {
        let mut params = self.best.params.clone();
        if let Some(key) = self.s.info().horizon {
            if let Some(spec) = params.spec(key) {
                let ms = (self.best.breach_us / 1_000 + 1) as i64;
                let floor = match spec.kind {
                    ParamKind::Int { min, .. } => min,
                    _ => ms,
                };
                // A failed set (an out-of-range value) leaves the horizon as it was.
                let _ = params.set_value(key, ParamValue::Int(ms.max(floor)));
            }
        }
        let breach = self.best.breach_us;
        let faults: Vec<FaultEntry> =
            self.best.faults.entries().iter().filter(|e| e.at_us <= breach).cloned().collect();
        // Already cut (a later round of the loop): nothing to try.
        if params == self.best.params && faults.len() == self.best.faults.entries().len() {
            return false;
        }
        self.attempt(&params, FaultPlan(faults))
    }

    /// Delta debugging over the plan's entries: drop chunks of halves, quarters, … down to single entries.
    fn drop_faults(&mut self) -> bool {
        let mut progress = false;
        let mut chunk = self.best.faults.entries().len().div_ceil(2).max(1);
        loop {
            let mut i = 0;
            while i < self.best.faults.entries().len() && !self.spent() {
                let mut fewer = self.best.faults.entries().to_vec();
                fewer.drain(i..(i + chunk).min(fewer.len()));
                if self.with_faults(fewer) {
                    progress = true;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 || self.spent() {
                return progress;
            }
            chunk /= 2;
        }
    }

    /// Lower each size parameter: to its minimum, else by halves of the way there.
    fn lower_sizes(&mut self) -> bool {
        let mut progress = false;
        for &key in self.s.info().sizes {
            let Some(spec) = self.best.params.spec(key) else { continue };
            let ParamKind::Int { min, .. } = spec.kind else { continue };
            loop {
                let now = self.best.params.get(key).map_or(min, int);
                if now <= min || self.spent() {
                    break;
                }
                let kept = [min, now - (now - min + 1) / 2, now - 1].into_iter().filter(|&v| v < now).any(|v| {
                    let mut p = self.best.params.clone();
                    p.set_value(key, ParamValue::Int(v)).is_ok() && {
                        // Faults on nodes the smaller run no longer has go with them.
                        let nodes = self.s.run(&p, self.best.seed, &FaultPlan::new(), &RunOptions::LEAN);
                        let count = nodes.map_or(0, |t| t.nodes.len() as u32);
                        let faults =
                            self.best.faults.entries().iter().filter(|e| e.fault.nodes().iter().all(|&n| n < count));
                        self.attempt(&p, FaultPlan(faults.cloned().collect()))
                    }
                });
                if !kept {
                    break;
                }
                progress = true;
            }
        }
        progress
    }

    /// Shorten every pause and delay, and bring every restart and heal closer to its crash or cut, by halves.
    fn shorten(&mut self) -> bool {
        let mut progress = false;
        for j in 0..self.best.faults.entries().len() {
            loop {
                let e = self.best.faults.entries().to_vec();
                let mut shorter = e.clone();
                match &mut shorter[j].fault {
                    Fault::Pause { for_us: d, .. } | Fault::DelayMessage { by_us: d, .. } if *d > 1_000 => *d /= 2,
                    f if is_end(f) => match start_of(&e, j) {
                        Some(i) if e[j].at_us - e[i].at_us > 1_000 => {
                            shorter[j].at_us = e[i].at_us + (e[j].at_us - e[i].at_us) / 2;
                        }
                        _ => break,
                    },
                    _ => break,
                }
                crate::fault::sort_by_time(&mut shorter);
                if self.spent() || !self.with_faults(shorter) {
                    break;
                }
                progress = true;
            }
        }
        progress
    }

    /// Move each fault that starts something later, halfway towards the breach (its end, if it has one, moves
    /// with it).
    fn move_later(&mut self) -> bool {
        let mut progress = false;
        for j in 0..self.best.faults.entries().len() {
            let e = self.best.faults.entries().to_vec();
            if j >= e.len() || is_end(&e[j].fault) || self.spent() {
                continue;
            }
            let by = self.best.breach_us.saturating_sub(e[j].at_us) / 2;
            if by < 1_000 {
                continue;
            }
            let mut later = e.clone();
            later[j].at_us += by;
            for (k, x) in e.iter().enumerate().skip(j + 1) {
                if is_end(&x.fault) && start_of(&e, k) == Some(j) {
                    later[k].at_us += by;
                }
            }
            crate::fault::sort_by_time(&mut later);
            progress |= self.with_faults(later);
        }
        progress
    }
}

/// Make `failure` as small as it goes in at most `max_runs` runs (see the module docs).
pub fn shrink(s: &dyn Scenario, failure: &Failure, max_runs: u64) -> Shrunk {
    let bound = failure.measures(s);
    let mut sh = Shrinker { s, bound, best: failure.clone(), key: (failure.measures(s), 0), runs: 0, max_runs };
    sh.key = sh.key(failure);
    loop {
        let mut progress = sh.cut_horizon();
        progress |= sh.drop_faults();
        progress |= sh.lower_sizes();
        progress |= sh.shorten();
        progress |= sh.move_later();
        if !progress || sh.spent() {
            break;
        }
    }
    Shrunk { before: failure.clone(), budget_hit: sh.spent(), after: sh.best, runs: sh.runs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!([0, 999, 1_000, 41_230, 1_745_408].map(thousands), ["0", "999", "1,000", "41,230", "1,745,408"]);
    }

    #[test]
    fn an_end_belongs_to_the_latest_earlier_start_of_its_node_or_link() {
        let (plan, _) = FaultPlan::parse_compact("crash:1@10,crash:2@20,restart:1@30,cut:0>1@40,heal:0>1@50");
        let e = plan.entries();
        assert_eq!((start_of(e, 2), start_of(e, 4), start_of(e, 1)), (Some(0), Some(3), None));
    }
}
