//! The `no-lost-update` check shared by the scenarios whose protected resource is a counter that a holder reads,
//! increments and writes back (the leader lease, the Redis failover): a write the storage accepts must be based
//! on the version the writer read being the latest. Fed from the storage's replies in the checker's `observe`.

use faultline_sim::{Breach, NodeId, Severity};

/// A write that silently overwrote someone else's update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    pub writer: NodeId,
    pub value: i64,
    pub based_on_version: u64,
    pub read_step: u32,
    pub overwritten: NodeId,
    pub overwritten_step: u32,
    pub step: u32,
}

/// What the storage answered: who last read which version, and who wrote each accepted version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writes {
    /// The version each reader (a node and its session) last read, and when.
    last_read: Vec<((NodeId, u32), u64, u32)>,
    /// Who wrote each accepted version (index = version − 1), and when.
    accepted: Vec<(NodeId, u32)>,
    pub lost: Vec<LostUpdate>,
}

impl Writes {
    /// The storage answered a read by `reader` with `version`.
    pub fn read(&mut self, reader: (NodeId, u32), version: u64, step: u32) {
        self.last_read.retain(|(w, _, _)| *w != reader);
        self.last_read.push((reader, version, step));
    }

    /// The storage accepted a write by `writer` that made `version` (holding `value`).
    pub fn wrote(&mut self, writer: (NodeId, u32), version: u64, value: i64, step: u32) {
        let read = self.last_read.iter().find(|(w, _, _)| *w == writer).copied();
        if let Some((_, read_version, read_step)) = read.filter(|r| r.1 + 1 != version) {
            let (overwritten, overwritten_step) =
                self.accepted.get(read_version as usize).copied().unwrap_or((writer.0, step));
            self.lost.push(LostUpdate {
                writer: writer.0,
                value,
                based_on_version: read_version,
                read_step,
                overwritten,
                overwritten_step,
                step,
            });
        }
        self.accepted.push((writer.0, step));
    }

    /// The lost updates of this step, as violations; `name` says who a node is (`node 2`, `client 1`).
    pub fn breaches(&self, step: u32, name: impl Fn(NodeId) -> String, out: &mut Vec<Breach>) {
        for l in self.lost.iter().rev().take_while(|l| l.step == step) {
            out.push(Breach {
                severity: Severity::Violation,
                message: format!(
                    "{} wrote counter = {} computed from version {} (read at step {}), but {} had written a newer \
                     version at step {}: that update is lost.",
                    name(l.writer),
                    l.value,
                    l.based_on_version,
                    l.read_step,
                    name(l.overwritten),
                    l.overwritten_step
                ),
                steps: vec![l.read_step, l.overwritten_step, l.step],
            });
        }
    }
}
