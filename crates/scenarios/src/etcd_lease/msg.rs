//! Messages and timers of the etcd lock: the session's lease and its keep-alives, the lock's transaction and the
//! wait for the next-lower key to go, and the storage the lock protects.

use faultline_sim::{Describe, Label};
use crate::guarded::CounterLabels;
use serde::Serialize;

/// A request id: the client's incarnation in the high half, a sequence number in the low half.
pub type Req = u64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// `LeaseGrant(ttl)`.
    LeaseGrant { ttl_us: u64, req: Req },
    LeaseGranted { lease: u64, req: Req },
    /// `LeaseKeepAlive(id)`: answered with the TTL left, or not found once the lease has expired.
    KeepAlive { lease: u64, req: Req },
    KeepAliveOk { ttl_us: u64, req: Req },
    LeaseNotFound { req: Req },
    /// The lock's transaction: `if CreateRevision(key) == 0 then Put(key, "", lease) else Get(key)`, then the
    /// owner: the key under the prefix with the lowest create revision.
    LockTxn { key: String, lease: u64, req: Req },
    TxnOk { my_rev: u64, owner_rev: u64, req: Req },
    /// Watch the key under the prefix with the highest create revision below `before` until it is deleted;
    /// answered at once when there is none.
    WaitDeletes { before: u64, req: Req },
    /// None older remains: the lock is the sender's.
    NoneOlder { req: Req },
    /// The watched key is gone (deleted, or its lease expired).
    Deleted { key: String, req: Req },
    /// `Delete(key)`: the unlock.
    Delete { key: String },
    Read { token: Option<u64>, req: Req },
    ReadOk { value: i64, version: u64, req: Req },
    Write { token: Option<u64>, value: i64, req: Req },
    WriteOk { version: u64, req: Req },
    Rejected { token: u64, newest: u64, req: Req },
}


/// The storage's messages say `revision` for the number a request carries.
const LABELS: CounterLabels = CounterLabels("revision");

impl Describe for Msg {
    fn describe(&self) -> Label {
        match self {
            Msg::LeaseGrant { ttl_us, .. } => format!("LeaseGrant(ttl {} s)", ttl_us / 1_000_000).into(),
            Msg::LeaseGranted { lease, .. } => format!("lease {lease:x}").into(),
            Msg::KeepAlive { lease, .. } => format!("LeaseKeepAlive({lease:x})").into(),
            Msg::KeepAliveOk { ttl_us, .. } => format!("TTL {}", faultline_sim::fault::fmt_us(*ttl_us as i64)).into(),
            Msg::LeaseNotFound { .. } => "lease not found".into(),
            Msg::LockTxn { key, .. } => format!("Txn: if CreateRevision({key}) == 0 then Put").into(),
            Msg::TxnOk { my_rev, owner_rev, .. } => format!("created at revision {my_rev}; owner: revision {owner_rev}").into(),
            Msg::WaitDeletes { before, .. } => format!("watch the key before revision {before}").into(),
            Msg::NoneOlder { .. } => "no older key: the lock is yours".into(),
            Msg::Deleted { key, .. } => format!("DELETE {key}").into(),
            Msg::Delete { key } => format!("Delete({key})").into(),
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
    /// A client's next step: start its session.
    Start,
    /// Send a keep-alive (every TTL/3).
    KeepAlive,
    /// The session's deadline: no keep-alive answered for a TTL, so the lease is gone as far as it knows.
    SessionOver,
    /// The holder's computation is done: write.
    Work,
    /// No reply from the storage.
    GiveUp(Req),
    /// etcd's lease expiry check.
    Expire,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Start => "open a session".into(),
            Timer::KeepAlive => "keep the lease alive".into(),
            Timer::SessionOver => "no keep-alive answered for a TTL: the session is over".into(),
            Timer::Work => "work done: write the result".into(),
            Timer::GiveUp(_) => "no reply: give up".into(),
            Timer::Expire => "expire leases".into(),
        }
    }
}
