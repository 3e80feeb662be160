//! Messages and timers, named as in Gray & Lamport's "Consensus on Transaction Commit" (2006) — `Prepare`,
//! `Prepared`, `Aborted`, `Commit`, `Abort` — plus the acknowledgement that lets the coordinator forget a
//! transaction, the cooperative termination protocol's `DecisionRequest` and its "cannot help" answer
//! (Bernstein, Hadzilacos & Goodman, ch. 7), and three-phase commit's `PreCommit` and its acknowledgement.

use faultline_sim::{Describe, NodeId};
use serde::Serialize;

/// Node 0 is the coordinator (the transaction manager); participants (resource managers) are nodes 1..=N.
pub const COORDINATOR: NodeId = 0;

/// `coordinator`, `participant 2`: as the diagram's lanes are named.
pub fn name(id: NodeId) -> String {
    if id == COORDINATOR {
        "coordinator".into()
    } else {
        format!("participant {id}")
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
    fn describe(&self) -> String {
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
        }
        .to_string()
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
    fn describe(&self) -> String {
        match self {
            Timer::WorkDone => "work done",
            Timer::LogForced => "log forced",
            Timer::Timeout => "timeout",
            Timer::VoteTimeout => "vote timeout",
            Timer::Resend => "resend",
        }
        .to_string()
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
    }
}
