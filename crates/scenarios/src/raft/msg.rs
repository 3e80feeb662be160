//! The vocabulary of Raft (Figure 2 of the paper): RequestVote and AppendEntries, their replies, and the
//! timers a server runs.

use faultline_sim::{Describe, NodeId};
use serde::Serialize;

/// A command of the replicated state machine: a tiny key-value store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cmd {
    /// Appended by a new leader to commit entries of earlier terms (Raft §8).
    Noop,
    Set {
        key: u8,
        value: u32,
    },
}

impl Cmd {
    pub fn describe(&self) -> String {
        match self {
            Cmd::Noop => "no-op".into(),
            Cmd::Set { key, value } => format!("{}={value}", (b'a' + key) as char),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub term: u64,
    pub cmd: Cmd,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    AppendEntries {
        term: u64,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    },
    /// `matched`: the index up to which the follower's log now matches (on success), or where the leader should
    /// retry from (on failure).
    Appended {
        term: u64,
        success: bool,
        matched: u64,
    },
}

impl Describe for Msg {
    fn describe(&self) -> String {
        match self {
            Msg::RequestVote { term, last_log_index, last_log_term } => {
                format!("RequestVote t{term} (log {last_log_index}@t{last_log_term})")
            }
            Msg::Vote { term, granted: true } => format!("vote granted t{term}"),
            Msg::Vote { term, granted: false } => format!("vote denied t{term}"),
            Msg::AppendEntries { term, prev_log_index, entries, leader_commit, .. } if entries.is_empty() => {
                format!("heartbeat t{term} (prev {prev_log_index}, commit {leader_commit})")
            }
            Msg::AppendEntries { term, prev_log_index, entries, leader_commit, .. } => format!(
                "AppendEntries t{term} [{}] after {prev_log_index}, commit {leader_commit}",
                entries.iter().map(|e| format!("t{}:{}", e.term, e.cmd.describe())).collect::<Vec<_>>().join(" ")
            ),
            Msg::Appended { term, success: true, matched } => format!("ok t{term}, matched {matched}"),
            Msg::Appended { term, success: false, matched } => format!("mismatch t{term}, retry from {matched}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// No heartbeat for a whole election timeout: start an election.
    Election,
    /// A leader's heartbeat period.
    Heartbeat,
    /// A client hands the leader a command.
    ClientRequest,
}

impl Describe for Timer {
    fn describe(&self) -> String {
        match self {
            Timer::Election => "election timeout".into(),
            Timer::Heartbeat => "heartbeat".into(),
            Timer::ClientRequest => "client request".into(),
        }
    }
}

/// Who is who, for notes: `server 3`.
pub fn name(id: NodeId) -> String {
    format!("server {}", id + 1)
}
