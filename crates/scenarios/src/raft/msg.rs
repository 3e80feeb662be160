//! The vocabulary of Raft (Figure 2 of the paper): RequestVote and AppendEntries, their replies, and the
//! timers a server runs.

use faultline_sim::{Describe, NodeId};
use serde::Serialize;
use std::fmt::{self, Write};

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

/// `no-op`, `a=7`.
impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::Noop => f.write_str("no-op"),
            Cmd::Set { key, value } => write!(f, "{}={value}", (b'a' + key) as char),
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
            Msg::AppendEntries { term, prev_log_index, entries, leader_commit, .. } => {
                // One string for the whole label: a long batch is written entry by entry, not joined from one
                // string per entry (this label is the largest share of a recorded Raft run's time).
                let mut s = format!("AppendEntries t{term} [");
                for (i, e) in entries.iter().enumerate() {
                    let sep = if i == 0 { "" } else { " " };
                    let _ = write!(s, "{sep}t{}:{}", e.term, e.cmd);
                }
                let _ = write!(s, "] after {prev_log_index}, commit {leader_commit}");
                s
            }
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
