//! Messages and timers of Redlock: a client's SET NX PX to each master in turn, its release to all, and the
//! storage the lock protects.

use faultline_sim::{Describe, Label};
use crate::guarded::CounterLabels;
use serde::Serialize;

/// A request id: the client's incarnation in the high half, a sequence number in the low half.
pub type Req = u64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// `SET resource <value> NX PX <ttl>` on one master.
    Set { value: String, ttl_us: u64, req: Req },
    SetOk { req: Req },
    SetNil { req: Req },
    /// Release on one master: delete the key if it holds `value` (a Lua script).
    Unlock { value: String },
    /// With a token source: the next fencing token (a consensus-backed counter; see the module doc).
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
            Msg::Set { value, ttl_us, .. } => format!("SET resource {value} NX PX {}", ttl_us / 1_000).into(),
            Msg::SetOk { .. } => "OK".into(),
            Msg::SetNil { .. } => "(nil)".into(),
            Msg::Unlock { value } => format!("DEL resource if it is {value}").into(),
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
    /// Try to take the lock (first, or again after a random delay).
    Try,
    /// No answer from the master being asked within the per-node timeout: go on to the next.
    NodeTimeout(Req),
    /// The holder's validity time is over (its own clock).
    ValidityOver,
    /// The holder's computation is done: write.
    Work,
    /// No answer from the storage.
    GiveUp(Req),
    /// A master's key expires (its own clock).
    Expire,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Try => "try to take the lock".into(),
            Timer::NodeTimeout(_) => "no answer: next master".into(),
            Timer::ValidityOver => "the lock's validity time is over (its own clock)".into(),
            Timer::Work => "work done: write the result".into(),
            Timer::GiveUp(_) => "no reply: give up".into(),
            Timer::Expire => "the key's TTL runs out (its own clock)".into(),
        }
    }
}
