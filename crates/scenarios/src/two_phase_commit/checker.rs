//! The checker's history of a run: each participant's vote, the outcome it applied and when, and since when it
//! has been in doubt. Updated after every step from the snapshot; no node keeps anything for the checker.

use super::msg::{Msg, COORDINATOR};
use super::participant::Phase;
use super::TxNode;
use faultline_sim::{Condition, Snapshot};

#[derive(Clone, Debug, Default)]
pub struct TxHistory {
    /// In doubt this long (µs), holding locks, counts as blocked (the `blocked_ms` parameter).
    pub blocked_us: u64,
    /// Per participant (index: participant − 1).
    pub participants: Vec<ParticipantHistory>,
}

#[derive(Clone, Debug, Default)]
pub struct ParticipantHistory {
    /// Its first vote and the step it was cast: yes (`Prepared`), or no (`Aborted`, or aborting before voting).
    pub vote: Option<(bool, u32)>,
    /// The first outcome it applied, and the step.
    pub outcome: Option<(bool, u32)>,
    /// Since when (true time, µs) and from which step it has been in doubt: voted yes, no outcome, up.
    pub in_doubt_since: Option<(u64, u32)>,
}

impl TxHistory {
    pub fn of(&self, participant: u32) -> Option<&ParticipantHistory> {
        self.participants.get((participant as usize).checked_sub(1)?)
    }
}

pub fn observe(h: &mut TxHistory, s: &Snapshot<'_, TxNode>) {
    // A participant's step (histories are indexed by participant − 1; other nodes have none).
    let actor = s.actor.filter(|&a| a != COORDINATOR);
    if let Some((actor, ph)) = actor.and_then(|a| Some((a, h.participants.get_mut(a as usize - 1)?))) {
        for (to, m) in s.sent() {
            match (to, m) {
                (COORDINATOR, Msg::Prepared) => _ = ph.vote.get_or_insert((true, s.step)),
                (COORDINATOR, Msg::Aborted) => _ = ph.vote.get_or_insert((false, s.step)),
                // Paxos Commit: its vote is its ballot-0 proposal for its own instance.
                (_, Msg::Phase2a { instance, ballot: 0, prepared }) if *instance == actor => {
                    _ = ph.vote.get_or_insert((*prepared, s.step))
                }
                _ => {}
            }
        }
        if let Some(TxNode::Participant(p)) = s.nodes.get(actor as usize) {
            match p.phase {
                Phase::Committed | Phase::Aborted if ph.outcome.is_none() => {
                    let commit = p.phase == Phase::Committed;
                    ph.outcome = Some((commit, s.step));
                    // Aborting before it ever voted is a "no" (committing without a vote stays no vote at all).
                    if !commit {
                        ph.vote.get_or_insert((false, s.step));
                    }
                }
                _ => {}
            }
        }
    }
    // In doubt: voted yes, no outcome yet, and up (a crashed participant is not waiting for anything).
    for (i, ph) in h.participants.iter_mut().enumerate() {
        let doubting = match (s.nodes.get(i + 1), s.conditions.get(i + 1)) {
            (Some(TxNode::Participant(p)), Some(c)) => p.phase.in_doubt() && *c != Condition::Down,
            _ => false,
        };
        match (doubting, ph.in_doubt_since) {
            (true, None) => ph.in_doubt_since = Some((s.now_us, s.step)),
            (false, Some(_)) => ph.in_doubt_since = None,
            _ => {}
        }
    }
}
