//! # Raft: leader election and log replication
//!
//! **The protocol** (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", 2014, Figure 2).
//! Servers are followers, candidates or leaders. A follower that hears nothing from a leader for an election
//! timeout (drawn at random from a range) becomes a candidate: it starts a new term, votes for itself and asks
//! the others for votes. A server grants one vote per term, and only to a candidate whose log is at least as
//! up to date as its own. A candidate with votes from a majority becomes leader, appends a no-op of its term and
//! sends AppendEntries: heartbeats, and the client commands it appends to its log. An entry is committed once a
//! majority stores it — counted only for entries of the leader's own term — and then applied to the state
//! machine (here a tiny key-value store). currentTerm, votedFor and the log are durable; everything else is lost
//! in a crash and rebuilt.
//!
//! **The failures** it is built to survive, all available as faults: crashes and restarts, pauses, partitions
//! (a minority leader cut off while the majority elects a new one, one-way links), loss and delay, a forced
//! election timeout, and aligned timeouts that split the vote.
//!
//! **The broken variants**, each a parameter, each found by a seed sweep:
//! - `persist_votes = false`: a restarted server forgets whom it voted for and votes again in the same term —
//!   two leaders in one term (election safety).
//! - `count_old_terms = true`: a leader commits an entry of an earlier term by counting replicas — the
//!   paper's Figure 8: that "committed" entry can be overwritten by a later leader (state-machine safety,
//!   leader completeness).
//! - `randomize_timeouts = false`: every server times out together, every candidate votes for itself — split
//!   votes again and again: terms climb with no leader (liveness, an observation).
//!
//! **The invariants** (checked after every step, each reported in the step that breaks it): election safety,
//! log matching, leader completeness, state-machine safety.

pub mod chapters;
pub mod checker;
pub mod log;
pub mod msg;
pub mod server;

use faultline_sim::{
    Aggregate, Breach, Broken, Fault, FaultPlan, Invariant, Model, NetConfig, NodeInfo, ParamError, Sample,
    ScenarioInfo, Section, SeriesSpec, Setup, Severity, Snapshot, View,
};
use checker::RaftHistory;
use msg::name;
use rand::{RngExt, SeedableRng};
use faultline_sim::ChaCha8Rng;
use server::{Config, Role, Server, MS};

pub struct Raft;

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct RaftParams in PARAMS {
        servers: u32 = int(5, 3, 7, "", "How many servers form the cluster."),
        election_min_ms: u64 = int(150, 10, 10_000, "ms", "Shortest election timeout."),
        election_max_ms: u64 = int(300, 10, 10_000, "ms", "Longest election timeout; each timeout is drawn between the two."),
        heartbeat_ms: u64 = int(50, 5, 5_000, "ms", "How often a leader sends AppendEntries (keep it well below the election timeout)."),
        latency_min_ms: u64 = int(1, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(10, 0, 5_000, "ms", "Largest one-way network latency."),
        loss_pct: u32 = int(0, 0, 50, "%", "Chance that any message is lost."),
        request_ms: u64 = int(100, 0, 10_000, "ms", "A client hands the leader a command this often (0: never)."),
        randomize_timeouts: bool = bool(true, "Draw election timeouts at random (false: all equal, votes split)."),
        persist_votes: bool = bool(true, "votedFor survives a crash (false: a restarted server votes twice in a term)."),
        count_old_terms: bool = bool(false, "Commit earlier-term entries by counting replicas (the paper's Figure 8 bug)."),
        max_batch: usize = int(16, 1, 64, "", "Most entries one AppendEntries carries."),
        leader_noop: bool = bool(true, "A new leader appends a no-op of its term, committing earlier entries sooner."),
        random_faults: u32 = int(0, 0, 200, "", "Random faults drawn from the seed: crashes with restarts, partitions, pauses."),
        run_ms: u64 = int(5_000, 100, 600_000, "ms", "Time horizon of the run."),
    }
}

pub const CANONICAL_SEED: u64 = 1;

pub const ELECTION_SAFETY: &str = "election-safety";
pub const LOG_MATCHING: &str = "log-matching";
pub const LEADER_COMPLETENESS: &str = "leader-completeness";
pub const STATE_MACHINE_SAFETY: &str = "state-machine-safety";
pub const SPLIT_VOTES: &str = "no-leader";
/// Terms that may pass with no leader before the liveness observation is raised.
pub const LEADERLESS_TERMS: u64 = 6;

fn servers<'a>(s: &'a Snapshot<'_, Server>) -> &'a [Server] {
    s.nodes
}

fn election_safety(s: &Snapshot<'_, Server>, h: &RaftHistory, out: &mut Vec<Breach>) {
    if h.changed.led != Some(s.step) {
        return;
    }
    for a in servers(s) {
        let Some(&(term, step)) = h.of(a.id).led.last().filter(|(_, st)| *st == s.step) else { continue };
        for b in servers(s).iter().filter(|b| b.id != a.id) {
            if let Some(&(_, other)) = h.of(b.id).led.iter().find(|(t, _)| *t == term) {
                out.push(Breach {
                    severity: Severity::Violation,
                    message: format!(
                        "{} and {} were both leaders of term {term}: at most one leader may be elected in a term.",
                        name(b.id),
                        name(a.id)
                    ),
                    steps: vec![other, step],
                });
            }
        }
    }
}

fn log_matching(s: &Snapshot<'_, Server>, h: &RaftHistory, out: &mut Vec<Breach>) {
    if h.changed.log != Some(s.step) {
        return;
    }
    for a in servers(s).iter().filter(|a| h.of(a.id).log_changed_step == s.step) {
        for b in servers(s).iter().filter(|b| b.id != a.id) {
            // The highest index at which both logs hold an entry of the same term...
            let common = a.log.len().min(b.log.len());
            let Some(j) = (0..common).rev().find(|&i| a.log[i].term == b.log[i].term) else { continue };
            // ...must have identical logs up to it. Prefix hashes compare in O(1); a mismatch is confirmed
            // entry by entry before it is reported.
            if h.of(a.id).prefix.get(j) == h.of(b.id).prefix.get(j) {
                continue;
            }
            if let Some(d) = (0..=j).find(|&i| a.log[i] != b.log[i]) {
                out.push(Breach {
                    severity: Severity::Violation,
                    message: format!(
                        "{} and {} both hold an entry of term {} at index {}, but their logs differ at index {}: \
                         logs that agree on an entry must agree on everything before it.",
                        name(a.id),
                        name(b.id),
                        a.log[j].term,
                        j + 1,
                        d + 1
                    ),
                    steps: vec![h.of(a.id).log_changed_step, h.of(b.id).log_changed_step],
                });
            }
        }
    }
}

/// Leader completeness: an entry committed in a term is in the logs of the leaders of all later terms. Checked
/// both ways round: when a leader is elected (against every commit recorded before), and when a commit is recorded
/// (against every leader of a later term, as its log was when it was elected: a stale leader may record a commit
/// after a newer leader was elected without the entry).
fn leader_completeness(s: &Snapshot<'_, Server>, h: &RaftHistory, out: &mut Vec<Breach>) {
    // The term of entry `index` in a log given as its entries' terms (0: no such entry).
    let term_in = |log: &[u64], index: u64| (index as usize).checked_sub(1).and_then(|i| log.get(i)).copied();
    if h.changed.led != Some(s.step) && h.changed.commit != Some(s.step) {
        return;
    }
    // A leader elected in this step must hold every entry committed in an earlier term.
    for l in servers(s) {
        let Some(&(term, _)) = h.of(l.id).led.last().filter(|(_, st)| *st == s.step) else { continue };
        for other in servers(s) {
            for &(index, entry_term, commit_term, step) in &h.of(other.id).committed {
                if commit_term < term && l.term_at(index) != entry_term {
                    out.push(Breach {
                        severity: Severity::Violation,
                        message: format!(
                            "{} became leader of term {term} without entry {index} (term {entry_term}), which {} had \
                             seen committed in term {commit_term}: a leader must hold every committed entry.",
                            name(l.id),
                            name(other.id)
                        ),
                        steps: vec![step, s.step],
                    });
                    return;
                }
            }
        }
    }
    // A commit recorded in this step must be in the log of every leader of a later term, as it was elected: a
    // stale leader may record a commit after a newer leader was elected without the entry.
    for other in servers(s) {
        if h.of(other.id).committed.last().is_none_or(|c| c.3 != s.step) {
            continue;
        }
        for &(index, entry_term, commit_term, step) in h.of(other.id).committed.iter().rev().take_while(|c| c.3 == s.step)
        {
            for l in servers(s) {
                for (&(term, elected_step), log) in h.of(l.id).led.iter().zip(&h.of(l.id).led_logs) {
                    if term > commit_term && term_in(log, index) != Some(entry_term) {
                        out.push(Breach {
                            severity: Severity::Violation,
                            message: format!(
                                "{} recorded entry {index} (term {entry_term}) as committed in term {commit_term}, \
                                 but {} had already become leader of term {term} without it: a leader must hold every \
                                 committed entry.",
                                name(other.id),
                                name(l.id)
                            ),
                            steps: vec![elected_step, step],
                        });
                        return;
                    }
                }
            }
        }
    }
}

fn state_machine_safety(s: &Snapshot<'_, Server>, h: &RaftHistory, out: &mut Vec<Breach>) {
    if h.changed.apply != Some(s.step) {
        return;
    }
    for a in servers(s) {
        for &(index, step) in h.of(a.id).reapplied_differently.iter().filter(|(_, st)| *st == s.step) {
            out.push(Breach {
                severity: Severity::Violation,
                message: format!("{} applied two different commands at index {index}.", name(a.id)),
                steps: vec![step],
            });
        }
        if h.of(a.id).applied_step != s.step {
            continue;
        }
        // Compare only what was applied in this step with what the others applied at those indices.
        let from = h.of(a.id).applied_from.max(1) as usize - 1;
        for b in servers(s).iter().filter(|b| b.id != a.id) {
            let end = h.of(a.id).applied.len().min(h.of(b.id).applied.len());
            if let Some(i) = (from..end).find(|&i| h.of(a.id).applied[i] != h.of(b.id).applied[i]) {
                let (x, y) = (h.of(a.id).applied[i], h.of(b.id).applied[i]);
                out.push(Breach {
                    severity: Severity::Violation,
                    message: format!(
                        "{} applied {} (term {}) at index {}, but {} applied {} (term {}) there: a committed entry \
                         was lost.",
                        name(b.id),
                        y.cmd,
                        y.term,
                        i + 1,
                        name(a.id),
                        x.cmd,
                        x.term
                    ),
                    steps: vec![h.of(b.id).applied_step, h.of(a.id).applied_step],
                });
            }
        }
    }
}

fn liveness(s: &Snapshot<'_, Server>, h: &RaftHistory, out: &mut Vec<Breach>) {
    // Most steps have a leader: only without one is every term ever led looked at.
    if servers(s).iter().any(|x| x.role == Role::Leader) {
        return;
    }
    let top = servers(s).iter().map(|x| x.term).max().unwrap_or(0);
    let last_led = servers(s).iter().flat_map(|x| h.of(x.id).led.iter().map(|(t, _)| *t)).max().unwrap_or(0);
    if top >= last_led + LEADERLESS_TERMS {
        out.push(Breach {
            severity: Severity::Observation,
            message: format!(
                "terms {}..{top} passed without electing a leader: candidates keep splitting the vote.",
                last_led + 1
            ),
            steps: vec![s.step],
        });
    }
}

pub fn invariants() -> [Invariant<Server, RaftHistory>; 5] {
    [
        Invariant { name: ELECTION_SAFETY, check: election_safety },
        Invariant { name: LOG_MATCHING, check: log_matching },
        Invariant { name: LEADER_COMPLETENESS, check: leader_completeness },
        Invariant { name: STATE_MACHINE_SAFETY, check: state_machine_safety },
        Invariant { name: SPLIT_VOTES, check: liveness },
    ]
}

/// Random faults drawn from the seed (a stream of their own): crashes with restarts, partitions that heal,
/// pauses — within the first 80% of the run so that the cluster can recover.
pub fn random_faults(p: &RaftParams, seed: u64) -> FaultPlan {
    let n = p.servers;
    let count = p.random_faults;
    let horizon = p.run_ms * MS;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0xfa17);
    let mut plan = FaultPlan::new();
    for _ in 0..count {
        let at = rng.random_range(horizon / 20..=horizon * 4 / 5);
        let node = rng.random_range(0..n);
        let dur = rng.random_range(20 * MS..=(horizon / 10).max(40 * MS));
        match rng.random_range(0..4u32) {
            0 | 1 => {
                plan.push(at, Fault::Crash { node });
                plan.push(at + dur, Fault::Restart { node });
            }
            2 => {
                for other in (0..n).filter(|&o| o != node) {
                    plan.push(at, Fault::Cut { from: node, to: other, both: true });
                }
                plan.push(at + dur, Fault::HealAll);
            }
            _ => {
                plan.push(at, Fault::Pause { node, for_us: dur });
            }
        }
    }
    plan.sort_by_time();
    plan
}

fn setup(p: &RaftParams, seed: u64) -> Setup<Server> {
    let cfg = Config {
        servers: p.servers,
        election_min_us: p.election_min_ms * MS,
        election_max_us: p.election_max_ms * MS,
        heartbeat_us: p.heartbeat_ms * MS,
        request_us: p.request_ms * MS,
        randomize: p.randomize_timeouts,
        persist_votes: p.persist_votes,
        count_old_terms: p.count_old_terms,
        max_batch: p.max_batch,
        leader_noop: p.leader_noop,
    };
    let nodes =
        (0..p.servers).map(|i| (NodeInfo { name: name(i), role: "server".into() }, Server::new(i, cfg))).collect();
    let net = NetConfig {
        loss_ppm: p.loss_pct * 10_000,
        ..NetConfig::with_latency_us(p.latency_min_ms * MS, p.latency_max_ms * MS)
    };
    Setup::new(nodes, net, random_faults(p, seed), p.run_ms * MS)
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "Servers are followers, candidates or leaders. A follower that hears no leader for an election \
               timeout becomes a candidate: it starts a new term, votes for itself and asks for votes. Each server \
               grants one vote per term, only to a candidate whose log is at least as up to date as its own. A \
               majority makes a leader, which replicates client commands with AppendEntries; an entry of its term \
               stored on a majority is committed and applied.",
    },
    Section {
        title: "What to watch",
        body: "The bars above each lane show its role: amber while a candidate, green while the leader. Crash the \
               leader (click its name): the others stop hearing heartbeats, one times out first, and a new leader \
               is elected in a higher term. Cut a minority off with its leader: it keeps its role but commits \
               nothing, while the majority elects another; heal, and the stale leader steps down and its log is \
               repaired. A small disk under a lane marks a write of the persistent state (currentTerm, votedFor, \
               log[]), which Figure 2 requires before the server answers.",
    },
    Section {
        title: "Why it is safe",
        body: "Two majorities always share a server, and a server votes once per term: so one leader per term. The \
               up-to-date check on votes means a new leader holds every committed entry. Committing only entries \
               of the leader's own term (earlier ones ride along) closes the gap of the paper's Figure 8.",
    },
    Section {
        title: "Break it",
        body: "persist_votes = false: a restarted server votes a second time in the same term — two leaders. \
               count_old_terms = true: a leader commits an old entry by counting replicas, and a later leader \
               overwrites it. randomize_timeouts = false: everyone times out together and the vote splits, term \
               after term. Add random_faults to let a sweep find the interleavings.",
    },
    Section {
        title: "Source",
        body: "Diego Ongaro and John Ousterhout, \"In Search of an Understandable Consensus Algorithm\" (USENIX ATC \
               2014), Figure 2 (the rules), §5.4 (safety) and Figure 8 (committing entries from earlier terms).",
    },
];

/// The charts: each metric the servers report, and how the chart combines the servers' values.
static SERIES: &[SeriesSpec] = &[
    SeriesSpec { metric: "term", label: "term", aggregate: Aggregate::Max },
    SeriesSpec { metric: "leader", label: "leader", aggregate: Aggregate::Latest },
    SeriesSpec { metric: "committed", label: "committed", aggregate: Aggregate::Max },
    SeriesSpec { metric: "ms without a leader", label: "ms without a leader", aggregate: Aggregate::Latest },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "raft",
    title: "Raft: leader election and log replication",
    summary: "terms, votes, split votes, partitions and log repair; broken variants elect two leaders or lose commits",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    views: &[
        View::Ring {
            legend: "F/C/L = follower / candidate / leader, with its term · the arc is the election timer · cells are \
                     log entries coloured by term, pale while uncommitted · click a server or a link",
        },
        View::Charts(SERIES),
    ],
    samples: &[
        Sample::golden("first-election", "request_ms=0,run_ms=1000"),
        Sample::check("canonical", ""),
        Sample::check("random-faults", "random_faults=20"),
        Sample::check("forgetful-voters", "servers=3,random_faults=40,persist_votes=false"),
        Sample::check("lossy", "loss_pct=10,servers=7"),
        Sample::bench("load", "request_ms=20,run_ms=10000"),
        // The longest, busiest run the knobs allow within the step limit (200,000 steps, logs of 10,000 entries):
        // the page's memory and seeks at their worst.
        Sample::long_run("busiest", "request_ms=20,run_ms=600000"),
    ],
    broken: &[
        Broken { sets: "servers=3,random_faults=40,persist_votes=false", invariants: &[ELECTION_SAFETY], seeds: 3_000 },
        // The paper's Figure 8 shows in a harsh setting: three servers, many faults, one entry per AppendEntries.
        Broken {
            sets: "count_old_terms=true,servers=3,random_faults=80,run_ms=10000,request_ms=20,max_batch=1,leader_noop=false",
            invariants: &[STATE_MACHINE_SAFETY, LEADER_COMPLETENESS],
            seeds: 5_000,
        },
        Broken { sets: "randomize_timeouts=false", invariants: &[SPLIT_VOTES], seeds: 10 },
    ],
    sizes: &["servers", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

impl Model for Raft {
    type Node = Server;
    type Params = RaftParams;
    type History = RaftHistory;

    fn observe(history: &mut RaftHistory, step: &Snapshot<'_, Server>) {
        checker::observe(history, step)
    }

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &RaftParams) -> Result<(), ParamError> {
        ParamError::check_order("election_min_ms", p.election_min_ms, "election_max_ms", p.election_max_ms)?;
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)
    }

    fn setup(&self, p: &RaftParams, seed: u64) -> Setup<Server> {
        setup(p, seed)
    }

    fn invariants(&self) -> Vec<Invariant<Server, RaftHistory>> {
        invariants().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use checker::ServerHistory;
    use faultline_sim::{Condition, NodeId};
    use msg::{Cmd, Entry};

    fn server(id: NodeId) -> Server {
        Server::new(id, server::test_config(3))
    }

    /// Leader completeness at `step`, of a history written by hand as if everything in it had changed in `step`.
    fn check(nodes: &[Server], h: &RaftHistory, step: u32) -> Vec<Breach> {
        let conditions = vec![Condition::Up; nodes.len()];
        let mut out = Vec::new();
        let snapshot = Snapshot { nodes, conditions: &conditions, step, now_us: 0, actor: None, effects: &[] };
        let h = RaftHistory { changed: checker::Changed::all(step), ..h.clone() };
        leader_completeness(&snapshot, &h, &mut out);
        out
    }

    fn led(term: u64, step: u32, log: Vec<u64>) -> ServerHistory {
        let mut h = ServerHistory::default();
        h.led.push((term, step));
        h.led_logs.push(log);
        h
    }

    /// Server 1 led term 1 and is cut off; server 2 is elected in term 2 with an empty log. Then server 1,
    /// still believing it leads term 1, records entry 1 as committed: the check must catch it at that step.
    #[test]
    fn a_stale_leader_recording_a_commit_after_a_newer_election_is_caught() {
        let mut stale = server(0);
        stale.log = vec![Entry { term: 1, cmd: Cmd::Noop }].into();
        let nodes = [stale, server(1)];
        let mut h = RaftHistory { servers: vec![led(1, 3, vec![]), led(2, 10, vec![])], ..Default::default() };
        assert!(check(&nodes, &h, 11).is_empty(), "nothing committed yet");
        h.servers[0].committed.push((1, 1, 1, 12));
        let b = check(&nodes, &h, 12);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].steps, vec![10, 12]);
        assert!(b[0].message.starts_with("server 1 recorded entry 1 (term 1) as committed in term 1, but server 2"));
        // Had the newer leader been elected with the entry, nothing is wrong.
        h.servers[1].led_logs[0] = vec![1];
        assert!(check(&nodes, &h, 12).is_empty());
    }

    #[test]
    fn a_leader_elected_without_an_earlier_commit_is_caught() {
        let mut old = ServerHistory::default();
        old.committed.push((1, 1, 1, 5));
        let h = RaftHistory { servers: vec![old, led(2, 9, vec![])], ..Default::default() };
        let b = check(&[server(0), server(1)], &h, 9);
        assert_eq!(b.len(), 1, "{b:?}");
        assert!(b[0].message.starts_with("server 2 became leader of term 2 without entry 1"), "{}", b[0].message);
    }

    /// The checker records a leadership, a log change and a commit from the server's state and its persisted
    /// write alone: the server keeps nothing for it.
    #[test]
    fn the_checker_records_from_the_snapshot() {
        let mut s = server(0);
        s.term = 2;
        s.role = server::Role::Leader;
        s.log = vec![Entry { term: 2, cmd: Cmd::Noop }].into();
        s.commit = 1;
        s.applied = 1;
        let nodes = [s.clone()];
        let conditions = [Condition::Up];
        let persisted = [faultline_sim::Effect::Persist(server::Disk { term: 2, voted_for: Some(0), log: s.log[..].into() })];
        let mut h = RaftHistory::default();
        let snapshot = Snapshot { nodes: &nodes, conditions: &conditions, step: 7, now_us: 0, actor: Some(0), effects: &persisted };
        checker::observe(&mut h, &snapshot);
        let g = h.of(0);
        assert_eq!((g.led.clone(), g.led_logs.clone()), (vec![(2, 7)], vec![vec![2]]));
        assert_eq!((g.log_changed_step, g.prefix.len()), (7, 1));
        assert_eq!(g.committed, vec![(1, 2, 2, 7)]);
        assert_eq!((g.applied.len(), g.applied_step, g.applied_from), (1, 7, 1));
        assert_eq!(h.changed, checker::Changed::all(7), "each kind of change is stamped with its step");
        // A step in which the server only answered (no election, log write, commit or apply) stamps nothing.
        let quiet = Snapshot { step: 8, effects: &[], ..snapshot };
        checker::observe(&mut h, &quiet);
        assert_eq!(h.changed, checker::Changed::all(7));
    }
}
