//! Messages and timers of the leader lease: the UPDATE on the leader row and its answer, and the leader's
//! read-modify-write of the protected counter.

use faultline_sim::fault::fmt_us;
use faultline_sim::{Describe, Label, NodeId};
use crate::guarded::CounterLabels;
use serde::Serialize;

/// A request id: the sender's session in the high half (its process and its stint as leader: see
/// `Candidate::session`), a sequence number in the low half. Replies carry it back; a node ignores replies to
/// requests it no longer waits for.
pub type Req = u64;

pub fn req_id(session: u32, seq: u32) -> Req {
    (u64::from(session) << 32) | u64::from(seq)
}

/// The session a request came from.
pub fn session_of(req: Req) -> u32 {
    (req >> 32) as u32
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// `UPDATE leader SET holder = me, expires_at = $now + ttl WHERE expires_at < $now OR holder = me`, with
    /// `$now` the sender's own clock reading, or `None`: `now()` in SQL, the database's clock.
    /// `me` is the sender's session: a restarted node is a new holder.
    Acquire { now_us: Option<i64>, req: Req },
    /// One row updated: the sender holds the lease until `expires_at_us` (in the clock `$now` came from), in
    /// lease generation `generation` (bumped whenever the holder changes).
    Granted { expires_at_us: i64, generation: u64, req: Req },
    /// No row updated: `holder` holds it until `expires_at_us`.
    Refused { holder: NodeId, expires_at_us: i64, req: Req },
    /// Read the counter; with fencing, carrying the leader's generation.
    Read { generation: Option<u64>, req: Req },
    ReadOk { value: i64, version: u64, req: Req },
    /// Write the counter back.
    Write { generation: Option<u64>, value: i64, req: Req },
    WriteOk { version: u64, req: Req },
    /// Fenced off: the request's generation is older than one the storage has seen.
    Rejected { generation: u64, highest: u64, req: Req },
}


/// The storage's messages say `gen` for the number a request carries.
const LABELS: CounterLabels = CounterLabels("gen");

impl Describe for Msg {
    fn describe(&self) -> Label {
        match self {
            Msg::Acquire { now_us: Some(t), .. } => format!("UPDATE leader … WHERE expires_at < {} OR holder = me", fmt_us(*t)).into(),
            Msg::Acquire { now_us: None, .. } => "UPDATE leader … WHERE expires_at < now() OR holder = me".into(),
            Msg::Granted { expires_at_us, generation, .. } => {
                format!("1 row: leader until {}, gen {generation}", fmt_us(*expires_at_us)).into()
            }
            Msg::Refused { holder, expires_at_us, .. } => {
                format!("0 rows: node {} holds it until {}", holder + 1, fmt_us(*expires_at_us)).into()
            }
            Msg::Read { generation, .. } => LABELS.read(*generation),
            Msg::ReadOk { value, version, .. } => LABELS.read_ok(*value, *version),
            Msg::Write { generation, value, .. } => LABELS.write(*generation, *value),
            Msg::WriteOk { version, .. } => LABELS.write_ok(*version),
            Msg::Rejected { generation, highest, .. } => LABELS.rejected(*generation, *highest),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// Try to take or renew the lease (every ttl/3 by the node's own clock).
    Renew,
    /// The leader's computation between reading and writing is done: write the result.
    Work,
    /// Its lease runs out by its own clock: it stops acting as leader.
    LeaseOver,
    /// Give up on the request `Req` (no reply in time).
    GiveUp(Req),
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Renew => "renew the lease".into(),
            Timer::Work => "work done: write the result".into(),
            Timer::LeaseOver => "the lease runs out (its own clock)".into(),
            Timer::GiveUp(_) => "no reply: give up".into(),
        }
    }
}
