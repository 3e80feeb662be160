//! # Two-phase commit: why it blocks, and what can and cannot unblock it
//!
//! **The protocol** (Gray & Lamport, "Consensus on Transaction Commit", 2006, §3: two-phase commit). A
//! transaction touches N participants (resource managers), each holding a row lock from its first write until
//! it learns the outcome. When the initiating participant (participant 1) has done its work it forces a
//! *prepared* record to its durable log and sends `Prepared` to the coordinator (the transaction manager), which
//! sends `Prepare` to every other participant. A participant votes `Prepared` after forcing its prepared record,
//! or `Aborted` if it chose to abort while still working — allowed only before it votes yes. The coordinator
//! decides commit only when every participant voted `Prepared` (abort on any `Aborted`, or when votes do not
//! come in time), forces the decision to its log, and sends `Commit` or `Abort`; participants apply it, release
//! their locks and acknowledge. A prepared participant keeps its locks and may not decide alone.
//!
//! **The failure.** If the coordinator crashes after the prepares and before the decision reaches them, every
//! prepared participant is **blocked**: it holds its locks, in doubt, until the coordinator recovers and reads
//! its log (a decision there is sent again; none means nothing was sent, so it aborts — "presumed abort").
//!
//! **What can and cannot unblock it** (the `protocol` parameter):
//! - `2pc-ctp`, the cooperative termination protocol (Bernstein, Hadzilacos & Goodman, "Concurrency Control and
//!   Recovery in Database Systems", 1987, ch. 7): an uncertain participant that times out sends
//!   `DecisionRequest` to its peers as well. A peer that knows the outcome tells it; a peer that has not voted
//!   aborts and says so; a peer that voted yes and does not know answers `Uncertain` — it cannot help. If every
//!   reachable peer is uncertain, the group stays blocked.
//! - `3pc`, three-phase commit (Skeen, 1981; the same chapter): after every yes vote the coordinator sends
//!   `PreCommit` and waits for acknowledgements before it sends `Commit`; a participant that times out while
//!   uncertain aborts, and one that times out pre-committed commits. No participant blocks when processes only
//!   crash and the network is timely — but a partition, a long pause or a lost `PreCommit` (`loss_pct`) lets one
//!   side commit while the other aborts.
//! - `paxos-commit`, Paxos Commit (Gray & Lamport §4): each participant's vote is the value of its own Paxos
//!   instance, chosen by 2F+1 acceptors (`acceptor_faults` = F). A participant votes by sending `Phase2a` for
//!   ballot 0 — its own — to F+1 acceptors, which report what they accepted to the coordinator (`Phase2b`,
//!   bundled). The coordinator commits when every instance chose `Prepared`; it writes nothing, since the
//!   acceptors hold the outcome. If it is slow or dead, a backup coordinator (asked by an uncertain participant)
//!   takes over with a higher ballot: Paxos phase 1 on the acceptors, then phase 2 with, for every open
//!   instance, the vote accepted in the highest ballot, or `Aborted` where none was. Nobody blocks while one
//!   coordinator and F+1 acceptors are up; with more acceptors down it blocks again.
//!
//! **Broken variants**, each a parameter a sweep finds: `abort_when_uncertain` (a participant that voted yes
//! aborts on a timeout: atomicity lost) and `force_decision = false` (the coordinator sends the decision before
//! it is on its log, and forgets it in a crash: after recovery it presumes abort although participants
//! committed).
//!
//! **Invariants**: atomicity (no participant commits while another aborts) and validity (commit only if every
//! participant voted `Prepared`) are violations; `blocked` (a participant in doubt, holding its locks, for longer
//! than `blocked_ms`) is an observation.
//!
//! **Message counts** (pinned by a test). Gray & Lamport count, for a failure-free commit with the initiating
//! participant's `Prepared` starting the protocol and acknowledgements not counted, 3N−1 messages and 4 message
//! delays with the coordinator on its own node (N = 5: 14), 3N−3 when it shares the initiating participant's
//! node. Here the coordinator always has its own node: 3N−1 and 4 delays, plus N acknowledgements. For Paxos
//! Commit the same accounting gives `BeginCommit`, N−1 `Prepare`, N(F+1) votes, F+1 bundled `Phase2b` and N
//! decisions: (N+1)(F+3)−2 messages and 5 message delays (N = 5, F = 1: 22), as here.
//!
//! **Simplifications**: one transaction; the participant list is known to all (the coordinator would send it
//! with `Prepare` for cooperative termination); participants write their outcome record without an fsync delay
//! (only the prepared and decision records are forced, and those are what the protocol depends on); 3PC uses
//! the per-participant timeout rules above rather than electing a new coordinator, and its guarantee is for
//! crash-stop failures (a restarted participant follows the same rules); Paxos Commit has one fixed backup
//! coordinator rather than an elected leader, and a leader whose ballot is refused simply tries a higher one
//! after its timeout. Sagas are the `saga` scenario.

pub mod acceptor;
pub mod chapters;
pub mod checker;
pub mod coordinator;
pub mod disk;
pub mod msg;
pub mod participant;
pub mod spec;

use checker::TxHistory;
use coordinator::{Coordinator, CoordinatorConfig};
use disk::Disk;
use faultline_sim::{
    Aggregate, Breach, Broken, Counterpart, Fault, FaultPlan, Invariant, Model, NetConfig, NodeId, NodeInfo, ParamError, Sample, Params, ScenarioInfo, Section, SeriesSpec, Setup, Severity, Snapshot, Translated, View,
    US_PER_MS,
};
use acceptor::Acceptor;
use msg::{Layout, Msg, Protocol, Timer, COORDINATOR};
use participant::{Participant, ParticipantConfig};
use rand::RngExt;

const MS: u64 = US_PER_MS;

faultline_sim::choice! {
    /// Which faults `random_faults` draws.
    pub enum FaultMix {
        /// Crashes that restart, and pauses.
        CrashRestart = "crash-restart",
        /// Crashes that never restart (the failure model three-phase commit is built for).
        CrashStop = "crash-stop",
        /// Links cut between the coordinator and some participants, healed later.
        Partitions = "partitions",
        /// All of the above.
        All = "all",
        /// The coordinator crashes for good, and with Paxos Commit up to F acceptors too (one per fault after
        /// the first): what Paxos Commit survives and two-phase commit does not.
        Coordinator = "coordinator",
    }
}

faultline_sim::params! {
    /// Every knob of the scenario, typed: the URL, the UI, the CLI `--set` and the docs read [`PARAMS`].
    pub struct TxParams in PARAMS {
        protocol: Protocol = choice("2pc", Protocol::OPTIONS, "2pc; 2pc-ctp: uncertain participants ask their peers; 3pc: a pre-commit round and timeout rules; paxos-commit: votes chosen by Paxos on 2F+1 acceptors."),
        participants: u32 = int(3, 2, 7, "", "How many participants (resource managers) the transaction touches."),
        no_voter: u32 = int(0, 0, 7, "", "The participant that chooses to abort while working and votes no (0: none)."),
        work_ms: u64 = int(50, 1, 10_000, "ms", "How long each participant works, holding its row lock, before it can vote."),
        acceptor_faults: u32 = int(1, 1, 3, "", "F for Paxos Commit: 2F+1 acceptors, any F of which may fail."),
        fsync_ms: u64 = int(5, 0, 1_000, "ms", "The time to force a record to a durable log (prepared record, decision)."),
        latency_min_ms: u64 = int(2, 0, 5_000, "ms", "Smallest one-way network latency."),
        latency_max_ms: u64 = int(10, 0, 5_000, "ms", "Largest one-way network latency."),
        loss_pct: u32 = int(0, 0, 50, "%", "Chance that any message is lost (timeouts and DecisionRequests recover)."),
        timeout_ms: u64 = int(300, 10, 60_000, "ms", "How long a participant waits for Prepare, or for the outcome after voting yes, before it acts."),
        vote_timeout_ms: u64 = int(200, 10, 60_000, "ms", "How long the coordinator waits for votes (and 3PC acknowledgements)."),
        blocked_ms: u64 = int(1_000, 10, 600_000, "ms", "In doubt this long, holding locks, counts as blocked (an observation)."),
        coordinator_crash_ms: u64 = int(0, 0, 600_000, "ms", "Crash the coordinator at this time (0: never)."),
        coordinator_restart_ms: u64 = int(0, 0, 600_000, "ms", "Restart the crashed coordinator at this time (0: never)."),
        abort_when_uncertain: bool = bool(false, "Broken: a participant that voted yes aborts when it times out."),
        force_decision: bool = bool(true, "The coordinator forces its decision to its log before sending it (false: broken)."),
        random_faults: u32 = int(0, 0, 200, "", "Random faults drawn from the seed (see fault_mix)."),
        fault_mix: FaultMix = choice("crash-restart", FaultMix::OPTIONS, "Which faults random_faults draws."),
        run_ms: u64 = int(3_000, 100, 600_000, "ms", "Time horizon of the run."),
    }
}

pub const CANONICAL_SEED: u64 = 1;

pub const ATOMICITY: &str = "atomicity";
pub const VALIDITY: &str = "validity";
pub const BLOCKED: &str = "blocked";

faultline_sim::node_enum! {
    /// The scenario's node kinds.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum TxNode / TxLook (Msg, Timer, Disk) {
        Coordinator(Coordinator),
        Participant(Participant),
        Acceptor(Acceptor),
    }
}

/// `participant 2`, for participant index 1 (the checker's histories are indexed from 0).
fn participant(index: usize) -> String {
    format!("participant {}", index + 1)
}

fn atomicity(s: &Snapshot<'_, TxNode>, h: &TxHistory, out: &mut Vec<Breach>) {
    for (i, a) in h.participants.iter().enumerate() {
        let Some((commit, step)) = a.outcome.filter(|(_, st)| *st == s.step) else { continue };
        if let Some((j, (_, other))) = h
            .participants
            .iter()
            .enumerate()
            .find_map(|(j, b)| b.outcome.filter(|(c, _)| *c != commit).map(|o| (j, o)))
        {
            let (did, other_did) = if commit { ("committed", "aborted") } else { ("aborted", "committed") };
            out.push(Breach {
                severity: Severity::Violation,
                message: format!(
                    "{} {did} while {} had {other_did} (step {other}): atomicity lost — every participant must reach \
                     the same outcome.",
                    participant(i),
                    participant(j)
                ),
                steps: vec![other, step],
            });
        }
    }
}

fn validity(s: &Snapshot<'_, TxNode>, h: &TxHistory, out: &mut Vec<Breach>) {
    for (i, a) in h.participants.iter().enumerate() {
        let Some((true, step)) = a.outcome.filter(|(_, st)| *st == s.step) else { continue };
        if let Some(j) = h.participants.iter().position(|b| !matches!(b.vote, Some((true, _)))) {
            let vote = match h.participants[j].vote {
                Some((_, st)) => format!("voted no (step {st})"),
                None => "never voted".to_string(),
            };
            out.push(Breach {
                severity: Severity::Violation,
                message: format!(
                    "{} committed, but {} {vote}: a transaction may commit only if every participant voted Prepared.",
                    participant(i),
                    participant(j)
                ),
                steps: h.participants[j].vote.map(|(_, st)| st).into_iter().chain([step]).collect(),
            });
        }
    }
}

fn blocked(s: &Snapshot<'_, TxNode>, h: &TxHistory, out: &mut Vec<Breach>) {
    let threshold_us = h.blocked_us;
    for (i, a) in h.participants.iter().enumerate() {
        let Some((since, step)) = a.in_doubt_since else { continue };
        if s.now_us.saturating_sub(since) >= threshold_us {
            out.push(Breach {
                severity: Severity::Observation,
                message: format!(
                    "{} is blocked: it voted yes at {}, and {} later it still holds its locks with no outcome — it may \
                     not decide alone.",
                    participant(i),
                    faultline_sim::fault::fmt_us(since as i64),
                    faultline_sim::fault::fmt_us(threshold_us as i64)
                ),
                steps: vec![step, s.step],
            });
        }
    }
}

pub fn invariants() -> [Invariant<TxNode, TxHistory>; 3] {
    [
        Invariant { name: ATOMICITY, check: atomicity },
        Invariant { name: VALIDITY, check: validity },
        Invariant { name: BLOCKED, check: blocked },
    ]
}

/// Random faults drawn from the seed (a stream of their own), of the kinds `fault_mix` names, within the first
/// half of the run.
pub fn random_faults(p: &TxParams, seed: u64) -> FaultPlan {
    let nodes = layout(p).backup().map_or(p.participants + 1, |b| b + 1);
    let horizon = p.run_ms * MS;
    let mut rng = faultline_sim::rng::stream(seed, 0x2bc);
    let mut plan = FaultPlan::new();
    let window = (horizon / 2).min(400 * MS);
    if p.fault_mix == FaultMix::Coordinator && p.random_faults > 0 {
        plan.push(rng.random_range(0..=window), Fault::Crash { node: COORDINATOR });
        let mut acceptors: Vec<NodeId> = layout(p).acceptors().collect();
        for _ in 1..p.random_faults.min(p.acceptor_faults + 1) {
            if acceptors.is_empty() {
                break;
            }
            let node = acceptors.swap_remove(rng.random_range(0..acceptors.len()));
            plan.push(rng.random_range(0..=window), Fault::Crash { node });
        }
        plan.sort_by_time();
        return plan;
    }
    for _ in 0..p.random_faults {
        // Most faults strike while the transaction runs: in its first few hundred milliseconds.
        let at = rng.random_range(0..=window);
        let node = rng.random_range(0..nodes);
        let dur = rng.random_range(10 * MS..=(horizon / 4).max(20 * MS));
        let kind = match p.fault_mix {
            FaultMix::CrashRestart => [0, 0, 3][rng.random_range(0..3usize)],
            FaultMix::CrashStop => 1,
            FaultMix::Partitions => 2,
            FaultMix::All => rng.random_range(0..4u32),
            FaultMix::Coordinator => 1,
        };
        match kind {
            0 => {
                plan.push(at, Fault::Crash { node });
                plan.push(at + dur, Fault::Restart { node });
            }
            1 => _ = plan.push(at, Fault::Crash { node }),
            2 => {
                // The coordinator loses some participants, one way or both.
                let to = rng.random_range(1..=p.participants);
                let both = rng.random_bool(0.5);
                plan.push(at, Fault::Cut { from: COORDINATOR, to, both });
                plan.push(at + dur, Fault::Heal { from: COORDINATOR, to, both });
            }
            _ => _ = plan.push(at, Fault::Pause { node, for_us: dur }),
        }
    }
    plan.sort_by_time();
    plan
}

/// The node layout for these parameters: acceptors and a backup coordinator for Paxos Commit only.
fn layout(p: &TxParams) -> Layout {
    let acceptors = if p.protocol == Protocol::PaxosCommit { 2 * p.acceptor_faults + 1 } else { 0 };
    Layout { participants: p.participants, acceptors }
}

fn setup(p: &TxParams, seed: u64) -> Setup<TxNode> {
    let layout = layout(p);
    let coordinator = |rank| {
        TxNode::Coordinator(Coordinator::new(CoordinatorConfig {
            layout,
            protocol: p.protocol,
            rank,
            fsync_us: p.fsync_ms * MS,
            vote_timeout_us: p.vote_timeout_ms * MS,
            resend_us: p.timeout_ms * MS,
            force_decision: p.force_decision,
        }))
    };
    let info = |id: NodeId, role: &str| NodeInfo { name: layout.name(id), role: role.into() };
    let mut nodes = vec![(info(COORDINATOR, "coordinator"), coordinator(0))];
    for id in layout.participants() {
        let cfg = ParticipantConfig {
            id,
            layout,
            protocol: p.protocol,
            work_us: p.work_ms * MS,
            fsync_us: p.fsync_ms * MS,
            timeout_us: p.timeout_ms * MS,
            votes_no: p.no_voter == id,
            initiator: id == 1,
            abort_when_uncertain: p.abort_when_uncertain,
        };
        nodes.push((info(id, "participant"), TxNode::Participant(Participant::new(cfg))));
    }
    for id in layout.acceptors() {
        nodes.push((info(id, "acceptor"), TxNode::Acceptor(Acceptor::new(layout))));
    }
    if let Some(id) = layout.backup() {
        nodes.push((info(id, "coordinator"), coordinator(1)));
    }
    let net = NetConfig {
        loss_ppm: p.loss_pct * 10_000,
        ..NetConfig::with_latency_us(p.latency_min_ms * MS, p.latency_max_ms * MS)
    };
    Setup::new(nodes, net, parameter_faults(p, seed), p.run_ms * MS)
}

/// The faults the parameters plan: the random ones and the coordinator's crash and restart.
fn parameter_faults(p: &TxParams, seed: u64) -> FaultPlan {
    let mut faults = random_faults(p, seed);
    if p.coordinator_crash_ms > 0 {
        faults.push(p.coordinator_crash_ms * MS, Fault::Crash { node: COORDINATOR });
        if p.coordinator_restart_ms > p.coordinator_crash_ms {
            faults.push(p.coordinator_restart_ms * MS, Fault::Restart { node: COORDINATOR });
        }
        faults.sort_by_time();
    }
    faults
}

/// The same business transaction as a saga, for the compare view: a step per participant (a trip has at most
/// five), the participant that votes no is the step that cannot be done, the same latency, and every fault on
/// the coordinator (now the orchestrator) or a participant (now a service). A saga step does its work when it is
/// asked, with no working phase before a vote, so the faults move `work_ms` earlier to strike at the same point
/// of the transaction. Acceptors and the backup coordinator have no counterpart.
fn as_saga(params: &Params, seed: u64, faults: &FaultPlan) -> Translated {
    let p = TxParams::from(params);
    let steps = p.participants.min(5);
    let fail_step = if p.no_voter <= steps { p.no_voter } else { 0 };
    let mut all = faults.clone();
    all.0.extend(parameter_faults(&p, seed).0);
    all.sort_by_time();
    let carried = all.carried(|n| n <= steps, -((p.work_ms * MS) as i64));
    let mut left = Vec::new();
    if p.participants > steps {
        left.push(format!("participants {} to {}", steps + 1, p.participants));
    }
    if carried.entries().len() < all.entries().len() {
        left.push(format!("{} faults on nodes a saga does not have", all.entries().len() - carried.entries().len()));
    }
    let mut note = format!("faults {} ms earlier: a saga step has no working phase", p.work_ms);
    if !left.is_empty() {
        note = format!("{note}; left out: {}", left.join(", "));
    }
    Translated {
        sets: format!(
            "steps={steps},fail_step={fail_step},latency_min_ms={},latency_max_ms={},loss_pct={},run_ms={}",
            p.latency_min_ms, p.latency_max_ms, p.loss_pct, p.run_ms
        ),
        faults: carried,
        note,
    }
}

static NARRATIVE: &[Section] = &[
    Section {
        title: "The protocol",
        body: "Each participant works on the transaction holding a row lock. Participant 1 finishes first: it forces \
               a prepared record to its log and sends Prepared to the coordinator, which sends Prepare to the others. \
               Each votes Prepared (after forcing its prepared record) or Aborted. The coordinator commits only if \
               every vote is yes, forces the decision to its log, sends it, and each participant applies it, \
               releases its lock and acknowledges.",
    },
    Section {
        title: "What to watch",
        body: "The bars are the locks: blue while a participant works, amber once it has voted yes and is in doubt. \
               Crash the coordinator (click its name) after the Prepare messages: every prepared participant stays \
               amber — blocked, holding its locks, asking a coordinator that does not answer. A small disk under a \
               lane marks a record forced to that node's log (what survives its crash). The charts count the \
               locks held and the participants in doubt. Compare (c) shows the same failure as a saga.",
    },
    Section {
        title: "Why it blocks",
        body: "A participant that voted yes has promised to do what the coordinator decides, and the coordinator may \
               already have decided commit and told someone. So it may neither commit nor abort alone: it waits. \
               Cooperative termination (2pc-ctp) helps only if some peer knows the outcome or has not voted; if \
               every reachable peer is in doubt too, they all stay blocked. Three-phase commit (3pc) never blocks \
               when processes only crash and messages arrive in time — and breaks atomicity when a partition or \
               a pause splits the participants. Paxos Commit (paxos-commit) puts each vote in the hands of 2F+1 \
               acceptors instead of one coordinator: a backup coordinator can read the votes from any F+1 of them \
               and finish, so it blocks only if F+1 acceptors, or both coordinators, are down.",
    },
    Section {
        title: "Break it",
        body: "abort_when_uncertain = true: a participant that voted yes gives up on a timeout and aborts, while \
               the others commit. force_decision = false: the coordinator sends Commit before the decision is on \
               its log; crash it in that window and it comes back with no decision and aborts the participants \
               that have not heard. protocol = 3pc with fault_mix = partitions, or with loss_pct = 10 (a lost \
               PreCommit is a partition in miniature): one side commits, the other aborts. The other protocols \
               stay atomic when messages are lost.",
    },
    Section {
        title: "Source",
        body: "Jim Gray and Leslie Lamport, \"Consensus on Transaction Commit\" (ACM TODS, 2006), §3 (two-phase \
               commit, the message counts); Philip Bernstein, Vassos Hadzilacos and Nathan Goodman, \"Concurrency \
               Control and Recovery in Database Systems\" (1987), ch. 7 (the cooperative termination protocol, \
               three-phase commit); Dale Skeen, \"Nonblocking Commit Protocols\" (SIGMOD 1981); Gray & Lamport §4 \
               (Paxos Commit, its message counts). Simplified: one transaction, outcome records written without an \
               fsync delay, 3PC by its timeout rules, Paxos Commit with one fixed backup coordinator.",
    },
];

static SERIES: &[SeriesSpec] = &[
    SeriesSpec { metric: "locks held", label: "participants holding locks", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "in doubt", label: "participants in doubt", aggregate: Aggregate::Sum },
    SeriesSpec { metric: "lock-held ms", label: "lock-held ms (sum of released holds)", aggregate: Aggregate::Sum },
];

static INFO: ScenarioInfo = ScenarioInfo {
    id: "two-phase-commit",
    title: "Two-phase commit: blocking, and what can unblock it",
    summary: "a coordinator crash leaves prepared participants holding locks; cooperative termination and 3PC help until a partition; Paxos Commit does not block",
    narrative: NARRATIVE,
    params: PARAMS,
    canonical_seed: CANONICAL_SEED,
    chapters: chapters::CHAPTERS,
    counterpart: Some(Counterpart { scenario: "saga", label: "the saga", translate: as_saga }),
    pause_label: "paused",
    views: &[View::Charts(SERIES)],
    samples: &[
        Sample::golden("commit", ""),
        Sample::golden("coordinator-crash", "latency_min_ms=10,latency_max_ms=10,fsync_ms=20,coordinator_crash_ms=100"),
        Sample::check("ctp-random-faults", "protocol=2pc-ctp,random_faults=6,fault_mix=all"),
        Sample::check("3pc-partitions", "protocol=3pc,random_faults=4,fault_mix=partitions"),
        Sample::check("no-vote", "no_voter=2,participants=5"),
        Sample::check("paxos-commit", "protocol=paxos-commit,random_faults=6,fault_mix=all"),
        Sample::bench("seven", "participants=7,random_faults=4"),
    ],
    broken: &[
        Broken { sets: "abort_when_uncertain=true,random_faults=4,fault_mix=all", invariants: &[ATOMICITY], seeds: 2_000 },
        Broken {
            sets: "force_decision=false,fsync_ms=50,random_faults=6,fault_mix=all",
            invariants: &[ATOMICITY],
            seeds: 5_000,
        },
        Broken { sets: "protocol=3pc,random_faults=4,fault_mix=partitions", invariants: &[ATOMICITY], seeds: 2_000 },
        Broken { sets: "coordinator_crash_ms=100,latency_min_ms=10,latency_max_ms=10,fsync_ms=20", invariants: &[BLOCKED], seeds: 5 },
    ],
    holds: &["", "protocol=2pc-ctp", "protocol=paxos-commit"],
    sizes: &["participants", "random_faults"],
    ..ScenarioInfo::DEFAULT
};

pub struct TwoPhaseCommit;

impl Model for TwoPhaseCommit {
    type Node = TxNode;
    type Params = TxParams;
    type History = TxHistory;

    fn info(&self) -> &'static ScenarioInfo {
        &INFO
    }

    fn validate(&self, p: &TxParams) -> Result<(), ParamError> {
        ParamError::check_order("latency_min_ms", p.latency_min_ms, "latency_max_ms", p.latency_max_ms)?;
        ParamError::check_order("no_voter", p.no_voter, "participants", p.participants)
    }

    fn setup(&self, p: &TxParams, seed: u64) -> Setup<TxNode> {
        setup(p, seed)
    }

    fn history(&self, p: &TxParams) -> TxHistory {
        let participants = vec![checker::ParticipantHistory::default(); p.participants as usize];
        TxHistory { blocked_us: p.blocked_ms * MS, participants }
    }

    fn observe(history: &mut TxHistory, step: &Snapshot<'_, TxNode>) {
        checker::observe(history, step)
    }

    fn invariants(&self) -> Vec<Invariant<TxNode, TxHistory>> {
        invariants().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use checker::ParticipantHistory;

    fn check(h: &TxHistory, step: u32) -> Vec<Breach> {
        let nodes: Vec<TxNode> = Vec::new();
        let snapshot = Snapshot { nodes: &nodes, conditions: &[], step, now_us: 0, actor: None, effects: &[] };
        let mut out = Vec::new();
        for inv in invariants() {
            (inv.check)(&snapshot, h, &mut out);
        }
        out
    }

    fn participant(vote: Option<(bool, u32)>, outcome: Option<(bool, u32)>) -> ParticipantHistory {
        ParticipantHistory { vote, outcome, in_doubt_since: None }
    }

    /// A commit by a participant whose peer voted no, or never voted, breaks validity; a commit while a peer had
    /// aborted breaks atomicity — each reported in the step of the commit, with the steps that caused it.
    #[test]
    fn validity_and_atomicity_name_the_steps_that_broke_them() {
        let h = TxHistory {
            blocked_us: 1,
            participants: vec![participant(Some((true, 3)), Some((true, 9))), participant(None, None)],
        };
        let b = check(&h, 9);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].message, "participant 1 committed, but participant 2 never voted: a transaction may commit only if every participant voted Prepared.");
        assert_eq!(b[0].steps, [9]);
        let h = TxHistory {
            blocked_us: 1,
            participants: vec![participant(Some((true, 3)), Some((true, 9))), participant(Some((false, 5)), Some((false, 5)))],
        };
        let b = check(&h, 9);
        assert_eq!(b.len(), 2, "{b:?}");
        assert!(b[0].message.starts_with("participant 1 committed while participant 2 had aborted (step 5)"), "{}", b[0].message);
        assert_eq!(b[0].steps, [5, 9]);
        assert_eq!(b[1].steps, [5, 9], "validity points at the no vote and the commit");
        assert!(check(&h, 10).is_empty(), "reported in the step that broke it, not after");
    }
}
