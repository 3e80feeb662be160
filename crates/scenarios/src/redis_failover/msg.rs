//! Messages and timers of the failover scenario: clients and the lock, Sentinel and the Redis nodes, replication,
//! and the storage the lock protects.

use faultline_sim::{Describe, Label, NodeId};
use crate::guarded::CounterLabels;
use serde::Serialize;

/// A request id: the client's boot count in the high half, a sequence number in the low half.
pub type Req = u64;

/// One write in the replication stream, with the absolute expiry Redis propagates (`PEXPIREAT`, in the
/// primary's clock).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    /// A full resynchronisation starts: drop everything.
    Reset,
    Set { value: String, owner: NodeId, expires_at_us: i64 },
    Del { value: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// `SENTINEL get-master-addr-by-name`.
    GetMaster { req: Req },
    /// `number`: which Redis, for people (`redis 2`).
    Master { node: NodeId, number: u32, req: Req },
    /// `SET lock <value> NX PX <ttl>`.
    Set { value: String, ttl_us: u64, req: Req },
    /// `OK`, at this replication offset.
    SetOk { offset: u64, req: Req },
    /// `(nil)`: the key exists.
    SetNil { req: Req },
    /// `-READONLY` (a replica) or `-LOADING` (a new primary that waits out the TTL): ask again elsewhere or later.
    Refused { why: &'static str, req: Req },
    /// `WAIT 1 <timeout>`: reply when one replica has acknowledged `offset`, or at the timeout.
    Wait { offset: u64, req: Req },
    Waited { replicas: u32, req: Req },
    /// Compare-and-delete.
    Del { value: String, req: Req },
    Deleted { n: u32, req: Req },
    /// The replication stream, from `from_offset` on.
    Replicate { ops: Vec<(u64, Op)> },
    ReplAck { offset: u64 },
    /// A replica asks its primary for a full copy (`PSYNC`).
    Sync,
    Ping,
    Pong,
    /// A Redis node that (re)started asks Sentinel what it is.
    Hello,
    /// `REPLICAOF NO ONE`: become the primary.
    Promote,
    /// `REPLICAOF <master>`.
    Follow { master: NodeId, number: u32 },
    /// The fencing token the storage issues to a lock holder (its own durable sequence).
    Token { req: Req },
    TokenOk { token: u64, req: Req },
    Read { token: Option<u64>, req: Req },
    ReadOk { value: i64, version: u64, req: Req },
    Write { token: Option<u64>, value: i64, req: Req },
    WriteOk { version: u64, req: Req },
    Rejected { token: u64, newest: u64, req: Req },
}


/// The storage's messages say `token` for the number a request carries.
const LABELS: CounterLabels = CounterLabels("token");

impl Describe for Msg {
    fn describe(&self) -> Label {
        match self {
            Msg::GetMaster { .. } => "get-master-addr-by-name".into(),
            Msg::Master { number, .. } => format!("master is redis {number}").into(),
            Msg::Set { value, ttl_us, .. } => format!("SET lock {value} NX PX {}", ttl_us / 1_000).into(),
            Msg::SetOk { offset, .. } => format!("OK (offset {offset})").into(),
            Msg::SetNil { .. } => "(nil): taken".into(),
            Msg::Refused { why, .. } => format!("-{why}").into(),
            Msg::Wait { .. } => "WAIT 1".into(),
            Msg::Waited { replicas, .. } => format!("(integer) {replicas}").into(),
            Msg::Del { value, .. } => format!("DEL lock if it is {value}").into(),
            Msg::Deleted { n, .. } => format!("(integer) {n}").into(),
            Msg::Replicate { ops } => match ops.last() {
                Some((offset, _)) => format!("replication to offset {offset}").into(),
                None => "replication: nothing new".into(),
            },
            Msg::ReplAck { offset } => format!("REPLCONF ACK {offset}").into(),
            Msg::Sync => "PSYNC".into(),
            Msg::Ping => "PING".into(),
            Msg::Pong => "PONG".into(),
            Msg::Hello => "hello: what am I?".into(),
            Msg::Promote => "REPLICAOF NO ONE".into(),
            Msg::Follow { number, .. } => format!("REPLICAOF redis {number}").into(),
            Msg::Token { .. } => "next fencing token".into(),
            Msg::TokenOk { token, .. } => format!("token {token}").into(),
            Msg::Read { token: t, .. } => LABELS.read(*t),
            Msg::ReadOk { value, version, .. } => LABELS.read_ok(*value, *version),
            Msg::Write { token: t, value, .. } => LABELS.write(*t, *value),
            Msg::WriteOk { version, .. } => LABELS.write_ok(*version),
            Msg::Rejected { token, newest, .. } => LABELS.rejected(*token, *newest),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// A client's next step: start, or retry after a backoff.
    Try,
    /// The client's lease ends by its own clock (it stops believing it holds the lock).
    LeaseOver,
    /// The holder's computation is done: write.
    Work,
    /// No reply to request `Req`.
    GiveUp(Req),
    /// The primary sends its replication stream.
    ReplTick,
    /// A `WAIT` times out.
    WaitTimeout(Req),
    /// Sentinel pings the primary and checks how long it has been silent.
    Ping,
    /// The primary's active expiry of the lock key (propagated to the replica as a `DEL`).
    Expire,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Try => "try to take the lock".into(),
            Timer::LeaseOver => "the lease runs out (its own clock)".into(),
            Timer::Work => "work done: write the result".into(),
            Timer::GiveUp(_) => "no reply: give up".into(),
            Timer::ReplTick => "send the replication stream".into(),
            Timer::WaitTimeout(_) => "WAIT times out".into(),
            Timer::Ping => "ping the primary".into(),
            Timer::Expire => "the key's TTL runs out (its own clock)".into(),
        }
    }
}
