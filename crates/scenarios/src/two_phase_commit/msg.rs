//! Messages and timers, named as in Gray & Lamport's "Consensus on Transaction Commit" (2006) — `Prepare`,
//! `Prepared`, `Aborted`, `Commit`, `Abort` — plus the acknowledgement that lets the coordinator forget a
//! transaction, the cooperative termination protocol's `DecisionRequest` and its "cannot help" answer
//! (Bernstein, Hadzilacos & Goodman, ch. 7), three-phase commit's `PreCommit` and its acknowledgement, and
//! Paxos Commit's `BeginCommit` and the Paxos phase messages (`Phase1a/1b/2a/2b`) of Gray & Lamport §4.

use faultline_sim::{Describe, Label, NodeId};
use serde::Serialize;

/// What an acceptor has accepted for one instance: the ballot and the vote (`true`: Prepared).
pub type Accepted = Option<(u64, bool)>;

/// Node 0 is the coordinator (the transaction manager); participants (resource managers) are nodes 1..=N.
pub const COORDINATOR: NodeId = 0;

/// Which node is which: the coordinator (0), participants 1..=N, then — for Paxos Commit only — 2F+1 acceptors
/// and a backup coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub participants: u32,
    /// 2F+1 acceptors (0 for the other protocols).
    pub acceptors: u32,
}

impl Layout {
    pub fn participants(self) -> std::ops::RangeInclusive<NodeId> {
        1..=self.participants
    }

    pub fn acceptors(self) -> std::ops::RangeInclusive<NodeId> {
        self.participants + 1..=self.participants + self.acceptors
    }

    /// A majority of the acceptors: F+1.
    pub fn quorum(self) -> usize {
        self.acceptors as usize / 2 + 1
    }

    /// The F+1 acceptors a participant sends its ballot-0 vote to (Gray & Lamport's normal case).
    pub fn first_quorum(self) -> std::ops::Range<NodeId> {
        self.participants + 1..self.participants + 1 + self.quorum() as NodeId
    }

    /// The backup coordinator (Paxos Commit only).
    pub fn backup(self) -> Option<NodeId> {
        (self.acceptors > 0).then_some(self.participants + self.acceptors + 1)
    }

    /// The coordinators a participant may ask for the outcome.
    pub fn leaders(self) -> impl Iterator<Item = NodeId> {
        std::iter::once(COORDINATOR).chain(self.backup())
    }

    /// Which acceptor (0-based) `id` is.
    pub fn acceptor_index(self, id: NodeId) -> Option<usize> {
        self.acceptors().contains(&id).then(|| (id - self.participants - 1) as usize)
    }

    /// `coordinator`, `participant 2`, `acceptor 1`, `backup coordinator`: as the diagram's lanes are named.
    pub fn name(self, id: NodeId) -> String {
        if id == COORDINATOR {
            "coordinator".into()
        } else if id <= self.participants {
            format!("participant {id}")
        } else if let Some(i) = self.acceptor_index(id) {
            format!("acceptor {}", i + 1)
        } else {
            "backup coordinator".into()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// Coordinator → participant: vote on the transaction.
    Prepare,
    /// Participant → coordinator: "yes" — its prepared record is on its durable log; it holds its locks and
    /// will do what the coordinator decides. The initiating participant's `Prepared` starts the protocol.
    Prepared,
    /// Participant → coordinator: "no" — it aborted (allowed only before it votes yes).
    Aborted,
    /// The decision, from the coordinator (or, with cooperative termination, from a peer that knows it).
    Commit,
    Abort,
    /// Participant → coordinator: it applied the decision; the coordinator may forget the transaction.
    Ack,
    /// An uncertain participant asks for the outcome: the coordinator, and with cooperative termination its peers.
    DecisionRequest,
    /// A peer's answer to `DecisionRequest` when it is uncertain too: it cannot help.
    Uncertain,
    /// Three-phase commit: every participant voted yes; the coordinator will commit unless it fails.
    PreCommit,
    PreCommitAck,
    /// Paxos Commit: the initiating participant asks the coordinator to begin (it votes through the acceptors).
    BeginCommit,
    /// Paxos Commit, a vote as a Paxos phase 2a message for the voter's own instance: ballot 0 is the
    /// participant's own (no phase 1 needed); a coordinator taking over uses a higher ballot.
    Phase2a { instance: NodeId, ballot: u64, prepared: bool },
    /// An acceptor accepted these votes in this ballot (at ballot 0 bundled: all instances, or an abort at once).
    Phase2b { ballot: u64, accepted: Vec<(NodeId, bool)> },
    /// A coordinator taking over asks the acceptors to promise a higher ballot, for every instance at once.
    Phase1a { ballot: u64 },
    /// The promise, with what the acceptor has accepted so far per instance (ballot, prepared).
    Phase1b { ballot: u64, accepted: Vec<Accepted> },
}

impl Msg {
    /// The message that carries an outcome.
    pub fn decision(commit: bool) -> Msg {
        if commit {
            Msg::Commit
        } else {
            Msg::Abort
        }
    }
}

impl Describe for Msg {
    fn describe(&self) -> Label {
        match self {
            Msg::Prepare => "Prepare",
            Msg::Prepared => "Prepared",
            Msg::Aborted => "Aborted",
            Msg::Commit => "Commit",
            Msg::Abort => "Abort",
            Msg::Ack => "Ack",
            Msg::DecisionRequest => "DecisionRequest",
            Msg::Uncertain => "Uncertain",
            Msg::PreCommit => "PreCommit",
            Msg::PreCommitAck => "PreCommit ack",
            Msg::BeginCommit => "BeginCommit",
            Msg::Phase2a { instance, ballot, prepared } => {
                return format!("2a #{instance} b{ballot}: {}", if *prepared { "Prepared" } else { "Aborted" }).into()
            }
            Msg::Phase2b { ballot, accepted } => {
                let votes: Vec<String> = accepted
                    .iter()
                    .map(|(i, p)| format!("#{i} {}", if *p { "Prepared" } else { "Aborted" }))
                    .collect();
                return format!("2b b{ballot}: {}", votes.join(", ")).into();
            }
            Msg::Phase1a { ballot } => return format!("1a b{ballot}").into(),
            Msg::Phase1b { ballot, .. } => return format!("1b b{ballot}").into(),
        }
        .into()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// A participant's work on the transaction is done.
    WorkDone,
    /// A forced write to the durable log completed (its fsync returned).
    LogForced,
    /// A participant waited too long (for `Prepare`, or for the outcome after voting yes).
    Timeout,
    /// The coordinator waited too long for votes (or for `PreCommit` acknowledgements).
    VoteTimeout,
    /// The coordinator sends the decision again to participants that have not acknowledged it.
    Resend,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::WorkDone => "work done",
            Timer::LogForced => "log forced",
            Timer::Timeout => "timeout",
            Timer::VoteTimeout => "vote timeout",
            Timer::Resend => "resend",
        }
        .into()
    }
}

faultline_sim::choice! {
    /// Which commit protocol runs (the `protocol` parameter).
    pub enum Protocol {
        /// Two-phase commit: a prepared participant waits for the coordinator, however long.
        TwoPc = "2pc",
        /// Two-phase commit with the cooperative termination protocol: an uncertain participant asks its peers.
        Ctp = "2pc-ctp",
        /// Three-phase commit with the timeout rules: uncertain → abort, pre-committed → commit.
        ThreePc = "3pc",
        /// Paxos Commit: each vote is chosen by Paxos on 2F+1 acceptors; a backup coordinator can finish.
        PaxosCommit = "paxos-commit",
    }
}
