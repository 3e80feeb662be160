//! Exhaustive checking: every state a small configuration can reach, breadth first, so that the first breach
//! found is one of the shortest (after TLC and stateright's BFS checker).
//!
//! A [`Space`] says where a system starts, which actions each state enables and what each leads to; states are
//! told apart by a 64-bit fingerprint (the trace's hash, [`crate::hash`]). The engine keeps the
//! fingerprints it has seen with the parent and the action that reached each, so the shortest counterexample is
//! rebuilt by replaying those actions from the start. It stops with a clear message at its bounds: a depth, a
//! number of states, a number of bytes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A state space to explore.
pub trait Space {
    type State: Clone;
    type Action: Clone;
    fn init(&self) -> Vec<Self::State>;
    /// The actions `state` enables, appended to `out`.
    fn actions(&self, state: &Self::State, out: &mut Vec<Self::Action>);
    /// Where `action` leads from `state` (`None`: nowhere after all).
    fn next(&self, state: &Self::State, action: &Self::Action) -> Option<Self::State>;
    fn fingerprint(&self, state: &Self::State) -> u64;
    /// The first invariant `state` breaks: its name and what is wrong, in words.
    fn violation(&self, state: &Self::State) -> Option<(String, String)>;
    /// One line for a step of a counterexample.
    fn describe(&self, state: &Self::State, action: &Self::Action) -> String;
    /// About how many bytes one state of the frontier takes (for the memory bound).
    fn state_bytes(&self, _state: &Self::State) -> usize {
        std::mem::size_of::<Self::State>()
    }
}

/// Where an exhaustive check stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// The deepest level explored, counting the initial state as depth 1 (as TLC and stateright do).
    pub max_depth: u32,
    pub max_states: u64,
    /// The visited set and the frontier together, estimated.
    pub max_bytes: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds { max_depth: 1_000, max_states: 20_000_000, max_bytes: 1 << 30 }
    }
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report<A> {
    pub unique_states: u64,
    /// Successor states computed, repeats included.
    pub generated: u64,
    /// The deepest level reached (the initial state is depth 1).
    pub max_depth: u32,
    /// Why it stopped early: a bound, named with its value (`None`: the space was explored to the end, or to the
    /// counterexample).
    pub stopped: Option<String>,
    pub counterexample: Option<Counterexample<A>>,
}

/// A shortest path to a breach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample<A> {
    pub invariant: String,
    pub message: String,
    /// Which initial state it starts from, and the actions taken, each with its description.
    pub init: usize,
    pub actions: Vec<A>,
    pub steps: Vec<String>,
}

impl<A> Report<A> {
    /// The same report with each action as its description.
    pub fn described(self) -> Report<String> {
        Report {
            unique_states: self.unique_states,
            generated: self.generated,
            max_depth: self.max_depth,
            stopped: self.stopped,
            counterexample: self.counterexample.map(|c| Counterexample {
                invariant: c.invariant,
                message: c.message,
                init: c.init,
                actions: c.steps.clone(),
                steps: c.steps,
            }),
        }
    }
}

/// A specification to check exhaustively that is not a simulated scenario (a TLA+ module written as a
/// [`Space`]): `faultline check ID` runs it.
pub trait Spec: Sync {
    fn id(&self) -> &'static str;
    fn summary(&self) -> &'static str;
    fn params(&self) -> &'static [crate::ParamSpec];
    fn check(&self, params: &crate::Params, bounds: Bounds, progress: &mut dyn FnMut(u64, u32)) -> Report<String>;
}

/// Fingerprints are hashes already: use them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A visited state: the fingerprint of its parent and the index of the action (among its parent's) that reached
/// it; an initial state has no parent and names its index among the initial states.
#[derive(Clone, Copy)]
struct Seen {
    parent: Option<u64>,
    action: u32,
}

/// Bytes per visited entry: key, value and the table's own overhead, roughly.
const SEEN_BYTES: u64 = 40;

/// Explore `space` breadth first within `bounds`; `progress(unique, depth)` is told after every level.
pub fn check<S: Space>(space: &S, bounds: Bounds, mut progress: impl FnMut(u64, u32)) -> Report<S::Action> {
    let mut seen: HashMap<u64, Seen, BuildHasherDefault<Identity>> = HashMap::default();
    let mut frontier: Vec<(S::State, u64)> = Vec::new();
    let mut report = Report { unique_states: 0, generated: 0, max_depth: 0, stopped: None, counterexample: None };
    let mut breach = None;
    for (i, s) in space.init().into_iter().enumerate() {
        report.generated += 1;
        let fp = space.fingerprint(&s);
        if seen.insert(fp, Seen { parent: None, action: i as u32 }).is_none() {
            if let Some(v) = space.violation(&s) {
                breach = Some((fp, v));
                break;
            }
            frontier.push((s, fp));
        }
    }
    report.max_depth = u32::from(!seen.is_empty());
    let mut actions = Vec::new();
    let mut frontier_bytes: u64 = frontier.iter().map(|(s, _)| space.state_bytes(s) as u64).sum();
    'levels: while breach.is_none() && !frontier.is_empty() {
        if report.max_depth >= bounds.max_depth {
            report.stopped = Some(format!("stopped at the depth limit of {}", bounds.max_depth));
            break;
        }
        let mut next = Vec::new();
        let mut next_bytes = 0u64;
        for (state, fp) in &frontier {
            actions.clear();
            space.actions(state, &mut actions);
            for (k, a) in actions.iter().enumerate() {
                report.generated += 1;
                let Some(n) = space.next(state, a) else { continue };
                let nfp = space.fingerprint(&n);
                if seen.contains_key(&nfp) {
                    continue;
                }
                seen.insert(nfp, Seen { parent: Some(*fp), action: k as u32 });
                if let Some(v) = space.violation(&n) {
                    breach = Some((nfp, v));
                    report.max_depth += 1;
                    break 'levels;
                }
                next_bytes += space.state_bytes(&n) as u64;
                next.push((n, nfp));
                if seen.len() as u64 >= bounds.max_states {
                    report.stopped = Some(format!("stopped at the limit of {} states", bounds.max_states));
                    break 'levels;
                }
                if seen.len() as u64 * SEEN_BYTES + frontier_bytes + next_bytes > bounds.max_bytes {
                    report.stopped = Some(format!("stopped at the memory limit of {} MB", bounds.max_bytes >> 20));
                    break 'levels;
                }
            }
        }
        if !next.is_empty() {
            report.max_depth += 1;
        }
        progress(seen.len() as u64, report.max_depth);
        frontier = next;
        frontier_bytes = next_bytes;
    }
    report.unique_states = seen.len() as u64;
    if let Some((fp, (invariant, message))) = breach {
        report.counterexample = Some(rebuild(space, &seen, fp, invariant, message));
    }
    report
}

/// The path to `fp`: its action indices from the visited map, replayed from the start for the actions and their
/// descriptions.
fn rebuild<S: Space>(
    space: &S,
    seen: &HashMap<u64, Seen, BuildHasherDefault<Identity>>,
    mut fp: u64,
    invariant: String,
    message: String,
) -> Counterexample<S::Action> {
    let mut indices = Vec::new();
    let init = loop {
        let Some(s) = seen.get(&fp) else { break 0 };
        match s.parent {
            Some(p) => {
                indices.push(s.action as usize);
                fp = p;
            }
            None => break s.action as usize,
        }
    };
    indices.reverse();
    let mut cx = Counterexample { invariant, message, init, actions: Vec::new(), steps: Vec::new() };
    let Some(mut state) = space.init().into_iter().nth(init) else { return cx };
    let mut enabled = Vec::new();
    for k in indices {
        enabled.clear();
        space.actions(&state, &mut enabled);
        let Some(a) = enabled.get(k).cloned() else { break };
        cx.steps.push(space.describe(&state, &a));
        let Some(n) = space.next(&state, &a) else { break };
        cx.actions.push(a);
        state = n;
    }
    cx
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two counters that each count to `max`; the invariant says they never both reach it.
    struct Counters {
        max: u8,
    }

    impl Space for Counters {
        type State = (u8, u8);
        type Action = bool;
        fn init(&self) -> Vec<(u8, u8)> {
            vec![(0, 0)]
        }
        fn actions(&self, s: &(u8, u8), out: &mut Vec<bool>) {
            if s.0 < self.max {
                out.push(false);
            }
            if s.1 < self.max {
                out.push(true);
            }
        }
        fn next(&self, s: &(u8, u8), second: &bool) -> Option<(u8, u8)> {
            Some(if *second { (s.0, s.1 + 1) } else { (s.0 + 1, s.1) })
        }
        fn fingerprint(&self, s: &(u8, u8)) -> u64 {
            crate::hash::fingerprint(s)
        }
        fn violation(&self, s: &(u8, u8)) -> Option<(String, String)> {
            (s.0 == self.max && s.1 == self.max && self.max > 2).then(|| ("apart".into(), format!("{s:?}")))
        }
        fn describe(&self, _: &(u8, u8), second: &bool) -> String {
            format!("counter {} counts", u8::from(*second) + 1)
        }
    }

    #[test]
    fn every_state_once_and_the_depth_of_the_longest_shortest_path() {
        let r = check(&Counters { max: 2 }, Bounds::default(), |_, _| {});
        assert_eq!((r.unique_states, r.max_depth, r.stopped, r.counterexample), (9, 5, None, None));
    }

    #[test]
    fn the_counterexample_is_a_shortest_path_replayed_from_the_start() {
        let r = check(&Counters { max: 3 }, Bounds::default(), |_, _| {});
        let cx = r.counterexample.expect("both reach 3");
        assert_eq!((cx.invariant.as_str(), cx.actions.len(), r.max_depth), ("apart", 6, 7));
        assert_eq!(cx.steps.iter().filter(|s| s.contains("counter 2")).count(), 3);
    }

    #[test]
    fn a_bound_ends_the_check_with_its_value() {
        let r = check(&Counters { max: 100 }, Bounds { max_depth: 4, ..Bounds::default() }, |_, _| {});
        assert_eq!((r.max_depth, r.stopped.as_deref()), (4, Some("stopped at the depth limit of 4")));
        let r = check(&Counters { max: 100 }, Bounds { max_states: 50, ..Bounds::default() }, |_, _| {});
        assert_eq!((r.unique_states, r.stopped.as_deref()), (50, Some("stopped at the limit of 50 states")));
    }
}
