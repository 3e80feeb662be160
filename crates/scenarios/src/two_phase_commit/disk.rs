//! What survives a crash: each node's durable log.

/// A participant's log: its prepared record (forced before it votes yes), three-phase commit's pre-commit
/// record, and the outcome it applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParticipantLog {
    pub prepared: bool,
    pub precommitted: bool,
    pub outcome: Option<bool>,
}

/// The coordinator's log: the decision (forced before it is sent), three-phase commit's pre-commit record, and
/// (Paxos Commit) the highest ballot it started, so that it never starts one twice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoordinatorLog {
    pub decision: Option<bool>,
    pub precommit: bool,
    pub ballot: u64,
}

/// A Paxos Commit acceptor's state, written before every reply: the highest ballot promised, and per instance
/// (participant − 1) the ballot and vote last accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcceptorLog {
    pub promised: u64,
    pub accepted: Vec<super::msg::Accepted>,
}

/// The durable state of any node of the scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Disk {
    #[default]
    Empty,
    Participant(ParticipantLog),
    Coordinator(CoordinatorLog),
    Acceptor(AcceptorLog),
}

/// `commit` / `abort`.
pub fn outcome(commit: bool) -> &'static str {
    if commit {
        "commit"
    } else {
        "abort"
    }
}
