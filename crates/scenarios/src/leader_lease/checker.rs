//! The checker's history of a leader-lease run, recorded from each step's snapshot: since when each node believes
//! it leads, which version each leader read, which writes the storage accepted — so that no node keeps anything
//! for the invariants.

use super::msg::{session_of, Msg};
use super::LeaseNode;
use faultline_sim::{Condition, NodeId, Snapshot};

/// A write that silently overwrote another leader's update.
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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaseHistory {
    /// Per node: since which step it believes it leads, if it does.
    pub leading_since: Vec<Option<u32>>,
    /// The version each (node, session) last read, and when.
    pub last_read: Vec<((NodeId, u32), u64, u32)>,
    /// Who wrote each accepted version (index = version − 1), and when.
    pub accepted: Vec<(NodeId, u32)>,
    pub lost_updates: Vec<LostUpdate>,
}

pub fn observe(h: &mut LeaseHistory, s: &Snapshot<'_, LeaseNode>) {
    if h.leading_since.len() < s.nodes.len() {
        h.leading_since.resize(s.nodes.len(), None);
    }
    if let Some(a) = s.actor {
        match &s.nodes[a as usize] {
            LeaseNode::Candidate(c) => {
                let since = &mut h.leading_since[a as usize];
                match (c.leads(), *since) {
                    (true, None) => *since = Some(s.step),
                    (false, _) => *since = None,
                    (true, Some(_)) => {}
                }
            }
            LeaseNode::Storage(st) => {
                for (to, m) in s.sent() {
                    match *m {
                        Msg::ReadOk { version, req, .. } => {
                            let who = (to, session_of(req));
                            h.last_read.retain(|(w, _, _)| *w != who);
                            h.last_read.push((who, version, s.step));
                        }
                        Msg::WriteOk { version, req } => {
                            let who = (to, session_of(req));
                            let read = h.last_read.iter().find(|(w, _, _)| *w == who).copied();
                            if let Some((_, read_version, read_step)) = read.filter(|r| r.1 + 1 != version) {
                                let (overwritten, overwritten_step) =
                                    h.accepted.get(read_version as usize).copied().unwrap_or((to, s.step));
                                h.lost_updates.push(LostUpdate {
                                    writer: to,
                                    value: st.data.value,
                                    based_on_version: read_version,
                                    read_step,
                                    overwritten,
                                    overwritten_step,
                                    step: s.step,
                                });
                            }
                            h.accepted.push((to, s.step));
                        }
                        _ => {}
                    }
                }
            }
            LeaseNode::Database(_) => {}
        }
    }
    // A crashed node leads nothing.
    for (i, c) in s.conditions.iter().enumerate() {
        if *c == Condition::Down {
            if let Some(since) = h.leading_since.get_mut(i) {
                *since = None;
            }
        }
    }
}
