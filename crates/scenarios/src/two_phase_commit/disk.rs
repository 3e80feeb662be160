//! What survives a crash: each node's durable log.

/// A participant's log: its prepared record (forced before it votes yes), three-phase commit's pre-commit
/// record, and the outcome it applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParticipantLog {
    pub prepared: bool,
    pub precommitted: bool,
    pub outcome: Option<bool>,
}

/// The coordinator's log: the decision (forced before it is sent) and three-phase commit's pre-commit record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoordinatorLog {
    pub decision: Option<bool>,
    pub precommit: bool,
}

/// The durable state of any node of the scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Disk {
    #[default]
    Empty,
    Participant(ParticipantLog),
    Coordinator(CoordinatorLog),
}

/// `commit` / `abort`.
pub fn outcome(commit: bool) -> &'static str {
    if commit {
        "commit"
    } else {
        "abort"
    }
}
