//! The checker's history of a leader-lease run, recorded from each step's snapshot: since when each node believes
//! it leads, which version each leader read, which writes the storage accepted — so that no node keeps anything
//! for the invariants.

use super::msg::{session_of, Msg};
use super::LeaseNode;
use crate::guarded::{Believers, Writes};
use faultline_sim::Snapshot;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaseHistory {
    /// Since when each node believes it leads.
    pub leaders: Believers,
    pub writes: Writes,
}

pub fn observe(h: &mut LeaseHistory, s: &Snapshot<'_, LeaseNode>) {
    if let Some(a) = s.actor {
        match &s.nodes[a as usize] {
            LeaseNode::Candidate(c) => h.leaders.update(a, c.leads(), s.step),
            LeaseNode::Storage(st) => {
                for (to, m) in s.sent() {
                    match *m {
                        Msg::ReadOk { version, req, .. } => h.writes.read((to, session_of(req)), version, s.step),
                        Msg::WriteOk { version, req } => {
                            h.writes.wrote((to, session_of(req)), version, st.store.data.value, s.step)
                        }
                        _ => {}
                    }
                }
            }
            LeaseNode::Database(_) => {}
        }
    }
    // A crashed node leads nothing.
    h.leaders.forget_crashed(s.conditions);
}
