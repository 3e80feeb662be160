//! The checker's history of a lock run: how each lease ended, which releases removed a lock their sender had not
//! set, which reads and writes the storage accepted, and since when each client believes it holds the lock. It is
//! recorded from each step's snapshot — the node that acted, its state, and the effects it emitted — so that no
//! node keeps a copy of anything for the invariants (real Redis does not know who set a key in which incarnation;
//! a storage service does not know which update was lost).

use super::msg::{incarnation_of, Msg};
use super::LockNode;
use faultline_sim::{Condition, NodeId, Snapshot};

/// How a lease ended, for the checker to name the cause of two clients holding the lock at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaseEnd {
    /// Its TTL ran out by Redis's clock.
    Expired,
    /// A release from `by` deleted it.
    Released { by: NodeId },
    /// Redis restarted without it on disk.
    LostInRestart,
}

/// The lease Redis holds, as the checker saw it set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseSeen {
    pub value: String,
    pub owner: NodeId,
    /// The incarnation of the client process whose SET made it.
    pub owner_incarnation: u32,
    pub set_step: u32,
}

/// A release that deleted a lock its sender had not set in its current incarnation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignRelease {
    pub by: NodeId,
    /// The release was a plain `DEL` (not compare-and-delete).
    pub plain: bool,
    pub owner: NodeId,
    /// The owner is the releaser itself, in an earlier or later incarnation.
    pub other_incarnation: bool,
    pub value: String,
    pub set_step: u32,
    pub step: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRecord {
    pub from: NodeId,
    pub value: i64,
    pub token: Option<u64>,
    pub step: u32,
}

/// The version a reader last read, per client incarnation (a restarted client is another reader).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRecord {
    pub from: NodeId,
    pub incarnation: u32,
    pub version: u64,
    pub step: u32,
}

/// A write that silently overwrote someone else's update: the invariant this scenario is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    pub writer: NodeId,
    pub value: i64,
    pub token: Option<u64>,
    pub based_on_version: u64,
    pub read_step: u32,
    /// Who wrote the version the writer did not see, with which token, and at which step.
    pub overwritten: NodeId,
    pub overwritten_token: Option<u64>,
    pub overwritten_step: u32,
    pub step: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockHistory {
    pub lease: Option<LeaseSeen>,
    /// (value, how it ended, step), for every lease that ended.
    pub ended: Vec<(String, LeaseEnd, u32)>,
    pub foreign_releases: Vec<ForeignRelease>,
    /// Every write the storage accepted, in order: write `k` made version `k + 1`.
    pub accepted: Vec<WriteRecord>,
    pub last_read: Vec<ReadRecord>,
    pub lost_updates: Vec<LostUpdate>,
    /// Per node: the step since which it believes it holds the lock (clients only).
    pub believing_since: Vec<Option<u32>>,
    /// Each node's condition after the previous step: a restart is a step that finds it down.
    pub conditions: Vec<Condition>,
}

/// Record what the step did.
pub fn observe(h: &mut LockHistory, s: &Snapshot<'_, LockNode>) {
    if h.believing_since.len() < s.nodes.len() {
        h.believing_since.resize(s.nodes.len(), None);
    }
    if let Some(a) = s.actor {
        let restarted = h.conditions.get(a as usize) == Some(&Condition::Down);
        match &s.nodes[a as usize] {
            LockNode::Redis(r) => observe_redis(h, s, r.mem.lock.as_ref().map(|l| l.value.as_str()), restarted),
            LockNode::Storage(st) => observe_storage(h, s, st.value, st.fencing.then_some(st.highest_token)),
            LockNode::Client(c) => {
                let since = &mut h.believing_since[a as usize];
                match (c.believes_it_holds(), *since) {
                    (true, None) => *since = Some(s.step),
                    (false, _) => *since = None,
                    (true, Some(_)) => {}
                }
            }
        }
    }
    // A crashed client believes nothing any more.
    for (i, c) in s.conditions.iter().enumerate() {
        if *c == Condition::Down {
            h.believing_since[i] = None;
        }
    }
    h.conditions.clear();
    h.conditions.extend_from_slice(s.conditions);
}

fn observe_redis(h: &mut LockHistory, s: &Snapshot<'_, LockNode>, held: Option<&str>, restarted: bool) {
    if let Some(seen) = h.lease.take_if(|l| Some(l.value.as_str()) != held) {
        let released = s.sent().find_map(|(to, m)| match m {
            Msg::Released { deleted: true, req } => Some((to, *req)),
            _ => None,
        });
        let how = match released {
            Some((by, req)) => {
                let other_incarnation = seen.owner == by && seen.owner_incarnation != incarnation_of(req);
                if seen.owner != by || other_incarnation {
                    let plain = match s.nodes.get(by as usize) {
                        Some(LockNode::Client(c)) => !c.cfg.safe_release,
                        _ => true,
                    };
                    h.foreign_releases.push(ForeignRelease {
                        by,
                        plain,
                        owner: seen.owner,
                        other_incarnation,
                        value: seen.value.clone(),
                        set_step: seen.set_step,
                        step: s.step,
                    });
                }
                LeaseEnd::Released { by }
            }
            None if restarted => LeaseEnd::LostInRestart,
            None => LeaseEnd::Expired,
        };
        h.ended.push((seen.value, how, s.step));
    }
    for (to, m) in s.sent() {
        if let (Msg::SetOk { req, .. }, Some(value)) = (m, held) {
            let owner_incarnation = incarnation_of(*req);
            h.lease = Some(LeaseSeen { value: value.to_string(), owner: to, owner_incarnation, set_step: s.step });
        }
    }
}

fn observe_storage(h: &mut LockHistory, s: &Snapshot<'_, LockNode>, value: i64, token: Option<u64>) {
    for (to, m) in s.sent() {
        match *m {
            Msg::ReadOk { version, req, .. } => {
                let incarnation = incarnation_of(req);
                h.last_read.retain(|r| (r.from, r.incarnation) != (to, incarnation));
                h.last_read.push(ReadRecord { from: to, incarnation, version, step: s.step });
            }
            Msg::WriteOk { version, req } => {
                let incarnation = incarnation_of(req);
                let read = h.last_read.iter().find(|r| (r.from, r.incarnation) == (to, incarnation));
                // The write made `version`; it was based on `version - 1` unless the writer read something older.
                if let Some(read) = read.filter(|r| r.version + 1 != version) {
                    // The first write this writer did not see made version `read.version + 1`.
                    let unseen = h.accepted.get(read.version as usize);
                    h.lost_updates.push(LostUpdate {
                        writer: to,
                        value,
                        token,
                        based_on_version: read.version,
                        read_step: read.step,
                        overwritten: unseen.map_or(to, |w| w.from),
                        overwritten_token: unseen.and_then(|w| w.token),
                        overwritten_step: unseen.map_or(read.step, |w| w.step),
                        step: s.step,
                    });
                }
                h.accepted.push(WriteRecord { from: to, value, token, step: s.step });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis_lock::disk::Disk;
    use crate::redis_lock::msg::{Req, Timer};
    use crate::redis_lock::storage::Storage;
    use faultline_sim::{Node, TestCtx};

    /// Client incarnations: 1 and 3 are client 1 before and after a restart, 2 is client 2.
    const A: Req = 1 << 32;
    const B: Req = 2 << 32;
    const A2: Req = 3 << 32;

    /// Run the storage's handler (node 0) and show the checker the step, as the kernel does.
    fn deliver(h: &mut LockHistory, nodes: &mut [LockNode], from: NodeId, msg: Msg, step: u32) {
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
        nodes[0].on_msg(&mut t.ctx(), from, msg);
        let conditions = vec![Condition::Up; nodes.len()];
        let s = Snapshot { nodes, conditions: &conditions, step, now_us: 0, actor: Some(0), effects: &t.effects };
        observe(h, &s);
    }

    fn storage() -> Vec<LockNode> {
        let names = vec!["storage".into(), "client 1".into(), "client 2".into()];
        vec![LockNode::Storage(Storage::new(false, names))]
    }

    #[test]
    fn a_write_based_on_an_old_read_is_a_lost_update() {
        let (mut h, mut nodes) = (LockHistory::default(), storage());
        deliver(&mut h, &mut nodes, 1, Msg::Read { token: None, req: A | 1 }, 5);
        deliver(&mut h, &mut nodes, 2, Msg::Read { token: None, req: B | 1 }, 20);
        deliver(&mut h, &mut nodes, 2, Msg::Write { token: None, value: 1, req: B | 2 }, 30);
        assert!(h.lost_updates.is_empty(), "client 2 wrote on what it read");
        deliver(&mut h, &mut nodes, 1, Msg::Write { token: None, value: 1, req: A | 2 }, 40);
        assert_eq!(
            h.lost_updates,
            vec![LostUpdate {
                writer: 1,
                value: 1,
                token: None,
                based_on_version: 0,
                read_step: 5,
                overwritten: 2,
                overwritten_token: None,
                overwritten_step: 30,
                step: 40
            }]
        );
    }

    /// A restarted client reads the new version; the write its earlier incarnation sent before the crash still
    /// counts as based on what *that* incarnation read.
    #[test]
    fn a_late_write_from_an_earlier_incarnation_is_judged_by_its_own_read() {
        let (mut h, mut nodes) = (LockHistory::default(), storage());
        deliver(&mut h, &mut nodes, 1, Msg::Read { token: None, req: A | 1 }, 1);
        deliver(&mut h, &mut nodes, 2, Msg::Read { token: None, req: B | 1 }, 2);
        deliver(&mut h, &mut nodes, 2, Msg::Write { token: None, value: 1, req: B | 2 }, 3);
        deliver(&mut h, &mut nodes, 1, Msg::Read { token: None, req: A2 | 1 }, 4);
        deliver(&mut h, &mut nodes, 1, Msg::Write { token: None, value: 1, req: A | 2 }, 5);
        assert_eq!(h.lost_updates.len(), 1, "{:?}", h.lost_updates);
    }
}
