//! The checker's history of a Raft run, per server: the terms it led (and the log it was elected with), the
//! entries it learned were committed, what it applied, and hashes of its log's prefixes. It is recorded from each
//! step's snapshot — the server that acted, its state, and whether it persisted — so that no server keeps a copy
//! of anything for the invariants. It survives the server's crashes: it is the checker's, not the server's.

use super::log::Saved;
use super::msg::{Cmd, Entry};
use super::server::{Role, Server};
use faultline_sim::Snapshot;

/// What the checker knows of one server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHistory {
    /// (term, step) for every term this server led.
    pub led: Vec<(u64, u32)>,
    /// The terms of its log's entries when it was elected, one list per entry of `led`: leader completeness
    /// compares later commits against the log a leader was elected with.
    pub led_logs: Vec<Vec<u64>>,
    /// The step at which the log last changed.
    pub log_changed_step: u32,
    /// Every (term, command) this server applied, by index - 1; re-applying after a restart must agree.
    pub applied: Vec<Entry>,
    pub applied_step: u32,
    /// The first index applied in `applied_step` (the checker compares only what is new).
    pub applied_from: u64,
    /// `prefix[i]`: a hash of log entries 1..=i+1, kept in step with the log, so that two logs' prefixes compare
    /// in O(1) (the log-matching check would otherwise be quadratic over a run).
    pub prefix: Vec<u64>,
    /// Entries this server learned were committed: (index, entry term, term in which it was committed, step).
    pub committed: Vec<(u64, u64, u64, u32)>,
    /// A restarted server applied a different command at an index it had applied before: (index, step).
    pub reapplied_differently: Vec<(u64, u32)>,
    /// The server as last seen: its log as last saved, role, term, commit index and last applied index.
    log: Saved,
    role: Option<Role>,
    term: u64,
    commit: u64,
    applied_index: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaftHistory {
    pub servers: Vec<ServerHistory>,
    /// The last step in which any server's history changed, by kind: each invariant looks only at what changed in
    /// the step it checks, so in a step that changed none of what it reads it has nothing to do.
    pub changed: Changed,
}

/// The last step in which some server was elected leader, changed its log, learned of a commit, or applied entries
/// (see [`RaftHistory::changed`]). Before this, each of the four step-by-step invariants walked every server's
/// history at every step to find that nothing had changed: a fifth of a recorded Raft run's instructions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    pub led: Option<u32>,
    pub log: Option<u32>,
    pub commit: Option<u32>,
    pub apply: Option<u32>,
}

#[cfg(test)]
impl Changed {
    /// Everything changed in `step` (for tests that write a history by hand).
    pub fn all(step: u32) -> Changed {
        Changed { led: Some(step), log: Some(step), commit: Some(step), apply: Some(step) }
    }
}

impl RaftHistory {
    /// Server `id`'s history (empty before it first acted).
    pub fn of(&self, id: u32) -> &ServerHistory {
        static EMPTY: ServerHistory = ServerHistory {
            led: Vec::new(),
            led_logs: Vec::new(),
            log_changed_step: 0,
            applied: Vec::new(),
            applied_step: 0,
            applied_from: 0,
            prefix: Vec::new(),
            committed: Vec::new(),
            reapplied_differently: Vec::new(),
            log: Saved::new(),
            role: None,
            term: 0,
            commit: 0,
            applied_index: 0,
        };
        self.servers.get(id as usize).unwrap_or(&EMPTY)
    }
}

/// A hash of a log prefix, extended by one entry.
fn extend(prev: Option<u64>, e: &Entry) -> u64 {
    let cmd = match e.cmd {
        Cmd::Noop => 0,
        Cmd::Set { key, value } => (key as u64) << 32 | value as u64 | 1 << 40,
    };
    let h = (prev.unwrap_or(0xcbf2_9ce4_8422_2325) ^ e.term.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ cmd)
        .wrapping_mul(0x0000_0100_0000_01b3);
    h.rotate_left(29)
}

/// Record what the step did to the server that acted.
pub fn observe(h: &mut RaftHistory, s: &Snapshot<'_, Server>) {
    let Some(a) = s.actor else { return };
    if h.servers.len() < s.nodes.len() {
        h.servers.resize(s.nodes.len(), ServerHistory::default());
    }
    let (n, g) = (&s.nodes[a as usize], &mut h.servers[a as usize]);
    // Its log changes only when it persists (Raft writes its log before it answers): the checker follows the log
    // as saved, which shares its chunks with the save before it (a step's work, not the log's length).
    if let Some(disk) = s.persisted() {
        let same = disk.log.common_prefix(&g.log);
        if same < g.log.len() || same < disk.log.len() {
            g.prefix.truncate(same);
            for e in disk.log.iter_from(same) {
                g.prefix.push(extend(g.prefix.last().copied(), e));
            }
            g.log_changed_step = s.step;
            h.changed.log = Some(s.step);
        }
        g.log.clone_from(&disk.log);
    }
    if n.role == Role::Leader && (g.role != Some(Role::Leader) || g.term != n.term) {
        g.led.push((n.term, s.step));
        g.led_logs.push(n.log.iter().map(|e| e.term).collect());
        h.changed.led = Some(s.step);
    }
    // A restart starts its commit and apply indices over; what it applies again must agree.
    if n.commit > g.commit {
        for i in g.commit + 1..=n.commit {
            g.committed.push((i, n.term_at(i), n.term, s.step));
        }
        h.changed.commit = Some(s.step);
    }
    if n.applied > g.applied_index {
        h.changed.apply = Some(s.step);
        g.applied_from = g.applied_index + 1;
        for i in g.applied_index + 1..=n.applied {
            let Some(&e) = n.log.get(i as usize - 1) else { break };
            match g.applied.get(i as usize - 1) {
                Some(prev) if *prev != e => g.reapplied_differently.push((i, s.step)),
                Some(_) => {}
                None => g.applied.push(e),
            }
        }
        g.applied_step = s.step;
    }
    (g.role, g.term, g.commit, g.applied_index) = (Some(n.role), n.term, n.commit, n.applied);
}
