//! The vocabulary of the Redis-lock scenario: what clients, Redis and the storage service say to each other.
//!
//! Every request carries a request id and every reply names the request it answers, so a client can tell a reply
//! to what it asked just now from a late reply to something it asked before (a real client gets this from its TCP
//! connection; a restarted client has a new connection and never sees its old replies). The id's high half is the
//! client's *incarnation*, drawn when the process starts, so a restarted client is a new client.

use faultline_sim::{Describe, Label};
use crate::guarded::CounterLabels;
use serde::Serialize;

/// A request id: `incarnation << 32 | sequence number`.
pub type Req = u64;

/// The incarnation of the client process that sent request `req`.
pub fn incarnation_of(req: Req) -> u32 {
    (req >> 32) as u32
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    Read,
    Write,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// `SET lock <value> NX PX <px_ms>`: take the lock if nobody has it, as a lease of `px_ms`.
    Set {
        value: String,
        px_ms: u64,
        req: Req,
    },
    /// The SET succeeded. With fencing, the same script also ran `INCR` on a counter and returns it: the
    /// fencing token (`SET … NX PX` alone returns no such number).
    SetOk {
        token: Option<u64>,
        req: Req,
    },
    /// The SET found the key taken: `(nil)`.
    SetNil {
        req: Req,
    },
    /// Release the lock. `Some(value)`: the safe script (delete only if the key still holds my value);
    /// `None`: a plain `DEL lock`, whoever holds it.
    Release {
        value: Option<String>,
        req: Req,
    },
    /// How many keys the release deleted.
    Released {
        deleted: bool,
        req: Req,
    },
    /// Read the protected counter (with my fencing token, when fencing is on).
    Read {
        token: Option<u64>,
        req: Req,
    },
    ReadOk {
        value: i64,
        version: u64,
        req: Req,
    },
    /// Write the counter (with my fencing token, when fencing is on).
    Write {
        token: Option<u64>,
        value: i64,
        req: Req,
    },
    WriteOk {
        version: u64,
        req: Req,
    },
    /// The storage refused a request whose token is lower than the highest it has seen.
    Rejected {
        op: Op,
        token: u64,
        highest: u64,
        req: Req,
    },
}

impl Msg {
    /// The request this message answers (`None` for a request).
    pub fn reply_to(&self) -> Option<Req> {
        match self {
            Msg::SetOk { req, .. }
            | Msg::SetNil { req }
            | Msg::Released { req, .. }
            | Msg::ReadOk { req, .. }
            | Msg::WriteOk { req, .. }
            | Msg::Rejected { req, .. } => Some(*req),
            Msg::Set { .. } | Msg::Release { .. } | Msg::Read { .. } | Msg::Write { .. } => None,
        }
    }
}


/// The storage's messages, as the other lock scenarios label theirs (its refusal says which request it refused).
const LABELS: CounterLabels = CounterLabels("token");

impl Describe for Msg {
    fn describe(&self) -> Label {
        match self {
            Msg::Set { value, px_ms, .. } => format!("SET lock {value} NX PX {px_ms}").into(),
            Msg::SetOk { token: Some(t), .. } => format!("OK, token {t} (INCR)").into(),
            Msg::SetOk { token: None, .. } => "OK".into(),
            Msg::SetNil { .. } => "(nil): taken".into(),
            Msg::Release { value: Some(v), .. } => format!("DEL lock if it is {v}").into(),
            Msg::Release { value: None, .. } => "DEL lock".into(),
            Msg::Released { deleted, .. } => format!("(integer) {}", u8::from(*deleted)).into(),
            Msg::Read { token, .. } => LABELS.read(*token),
            Msg::ReadOk { value, version, .. } => LABELS.read_ok(*value, *version),
            Msg::Write { token, value, .. } => LABELS.write(*token, *value),
            Msg::WriteOk { version, .. } => LABELS.write_ok(*version),
            Msg::Rejected { op, token, highest, .. } => {
                format!("REJECTED {}: token {token} < {highest}", if *op == Op::Read { "read" } else { "write" }).into()
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// Client: time to begin a round: take a new lock value and try for the lock.
    Begin,
    /// Client: the backoff after a refused SET is over.
    Retry,
    /// Client: the computation between read and write is done.
    WorkDone,
    /// Client: no reply came to its request in time.
    ReplyTimeout,
    /// Redis: the lease of the key holding `value` may be over.
    Expire { value: String },
    /// Redis with `appendfsync everysec`: the once-a-second fsync of the append-only file.
    Fsync,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Begin => "begin: try to take the lock".into(),
            Timer::Retry => "backoff over: retry".into(),
            Timer::WorkDone => "work done: write the result".into(),
            Timer::ReplyTimeout => "no reply in time".into(),
            Timer::Expire { value } => format!("TTL of {value} due").into(),
            Timer::Fsync => "fsync the AOF (everysec)".into(),
        }
    }
}
