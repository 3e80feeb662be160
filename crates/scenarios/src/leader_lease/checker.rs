//! The checker's history of a leader-lease run, recorded from each step's snapshot: since when each node believes
//! it leads, which version each leader read, which writes the storage accepted — so that no node keeps anything
//! for the invariants.

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
            // A reader is a node in one session (the request's high half).
            LeaseNode::Storage(st) => h.writes.observe(s.sent(), st.store.data.value, s.step, Writes::process_of),
            LeaseNode::Database(_) => {}
        }
    }
    // A crashed node leads nothing.
    h.leaders.forget_crashed(s.conditions);
}
