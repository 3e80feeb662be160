//! The checker's history of a leader-lease run, recorded from each step's snapshot: since when each node believes
//! it leads, which version each leader read, which writes the storage accepted — so that no node keeps anything
//! for the invariants.

use super::msg::{session_of, Msg};
use super::LeaseNode;
use crate::lost_update::Writes;
use faultline_sim::{Condition, Snapshot};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaseHistory {
    /// Per node: since which step it believes it leads, if it does.
    pub leading_since: Vec<Option<u32>>,
    pub writes: Writes,
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
                        Msg::ReadOk { version, req, .. } => h.writes.read((to, session_of(req)), version, s.step),
                        Msg::WriteOk { version, req } => {
                            h.writes.wrote((to, session_of(req)), version, st.data.value, s.step)
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
