//! The vocabulary of Raft (Figure 2 of the paper): RequestVote and AppendEntries, their replies, and the
//! timers a server runs.

use faultline_sim::label::{Out, Piece};
use faultline_sim::{label, Describe, Label, NodeId};
use serde::Serialize;
use std::fmt;

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

/// `no-op`, `a=7`: the text of its label piece ([`Piece`] below), for a breach's message.
impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(self.size());
        self.put(&mut text);
        f.write_str(&text)
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
    fn describe(&self) -> Label {
        match self {
            Msg::RequestVote { term, last_log_index, last_log_term } => {
                label!("RequestVote t", term, " (log ", last_log_index, "@t", last_log_term, ")")
            }
            Msg::Vote { term, granted: true } => label!("vote granted t", term),
            Msg::Vote { term, granted: false } => label!("vote denied t", term),
            Msg::AppendEntries { term, prev_log_index, entries, leader_commit, .. } if entries.is_empty() => {
                label!("heartbeat t", term, " (prev ", prev_log_index, ", commit ", leader_commit, ")")
            }
            Msg::AppendEntries { term, prev_log_index, entries, leader_commit, .. } => label!(
                "AppendEntries t",
                term,
                " [",
                Batch(entries),
                "] after ",
                prev_log_index,
                ", commit ",
                leader_commit
            ),
            Msg::Appended { term, success: true, matched } => label!("ok t", term, ", matched ", matched),
            Msg::Appended { term, success: false, matched } => label!("mismatch t", term, ", retry from ", matched),
        }
    }
}

/// A batch of entries in a label: `t3:a=7 t3:no-op` (its label is the largest share of a recorded Raft run's
/// time, and is written in one piece, not joined from one string per entry).
struct Batch<'a>(&'a [Entry]);

impl Piece for Batch<'_> {
    fn size(&self) -> usize {
        let entry = |e: &Entry| 2 + e.term.size() + e.cmd.size();
        self.0.iter().map(entry).sum::<usize>() + self.0.len().saturating_sub(1)
    }
    fn put(&self, out: &mut impl Out) {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push('t');
            e.term.put(out);
            out.push(':');
            e.cmd.put(out);
        }
    }
}

/// `no-op`, `a=7`.
impl Piece for Cmd {
    fn size(&self) -> usize {
        match self {
            Cmd::Noop => "no-op".len(),
            Cmd::Set { key, value } => ((b'a' + key) as char).len_utf8() + 1 + value.size(),
        }
    }
    fn put(&self, out: &mut impl Out) {
        match self {
            Cmd::Noop => out.push_str("no-op"),
            Cmd::Set { key, value } => {
                out.push((b'a' + key) as char);
                out.push('=');
                value.put(out);
            }
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
    fn describe(&self) -> Label {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message's label, word for word, kept inline when it fits (else in one allocation of its size).
    #[test]
    fn every_message_is_labelled_inline_when_it_fits() {
        let entries = vec![Entry { term: 3, cmd: Cmd::Set { key: 0, value: 7 } }, Entry { term: 12, cmd: Cmd::Noop }];
        let append = |entries: Vec<Entry>| Msg::AppendEntries {
            term: 12,
            prev_log_index: 5,
            prev_log_term: 3,
            entries,
            leader_commit: 4,
        };
        let cases = [
            (Msg::RequestVote { term: 2, last_log_index: 10, last_log_term: 1 }, "RequestVote t2 (log 10@t1)"),
            (Msg::Vote { term: 2, granted: true }, "vote granted t2"),
            (Msg::Vote { term: 2, granted: false }, "vote denied t2"),
            (append(vec![]), "heartbeat t12 (prev 5, commit 4)"),
            (append(entries), "AppendEntries t12 [t3:a=7 t12:no-op] after 5, commit 4"),
            (Msg::Appended { term: 1, success: true, matched: 100 }, "ok t1, matched 100"),
            (Msg::Appended { term: 1, success: false, matched: 0 }, "mismatch t1, retry from 0"),
        ];
        for (msg, label) in cases {
            let s = msg.describe();
            assert_eq!(s, label);
            assert_eq!(matches!(s, Label::Inline(_)), s.len() <= faultline_sim::label::INLINE, "{s}");
        }
        // A breach's message writes a command as its label does.
        assert_eq!(Cmd::Set { key: 1, value: 90 }.to_string(), "b=90");
        assert_eq!(Cmd::Noop.to_string(), "no-op");
    }
}
