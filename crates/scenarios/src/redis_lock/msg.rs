//! The vocabulary of the Redis-lock scenario: what clients, Redis and the storage service say to each other.

use faultline_sim::Describe;
use serde::Serialize;

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
    },
    /// The SET succeeded. With fencing, Redis also hands out the next fencing token (an `INCR` in the same script).
    SetOk {
        token: Option<u64>,
    },
    /// The SET found the key taken: `(nil)`.
    SetNil,
    /// Release the lock. `Some(value)`: the safe script (delete only if the key still holds my value);
    /// `None`: a plain `DEL lock`, whoever holds it.
    Release {
        value: Option<String>,
    },
    /// How many keys the release deleted.
    Released {
        deleted: bool,
    },
    /// Read the protected counter (with my fencing token, when fencing is on).
    Read {
        token: Option<u64>,
    },
    ReadOk {
        value: i64,
        version: u64,
    },
    /// Write the counter (with my fencing token, when fencing is on).
    Write {
        token: Option<u64>,
        value: i64,
    },
    WriteOk {
        version: u64,
    },
    /// The storage refused a request whose token is lower than the highest it has seen.
    Rejected {
        op: Op,
        token: u64,
        highest: u64,
    },
}

fn with_token(s: String, token: &Option<u64>) -> String {
    match token {
        Some(t) => format!("{s} [token {t}]"),
        None => s,
    }
}

impl Describe for Msg {
    fn describe(&self) -> String {
        match self {
            Msg::Set { value, px_ms } => format!("SET lock {value} NX PX {px_ms}"),
            Msg::SetOk { token: Some(t) } => format!("OK, token {t}"),
            Msg::SetOk { token: None } => "OK".into(),
            Msg::SetNil => "(nil): taken".into(),
            Msg::Release { value: Some(v) } => format!("DEL lock if it is {v}"),
            Msg::Release { value: None } => "DEL lock".into(),
            Msg::Released { deleted } => format!("(integer) {}", u8::from(*deleted)),
            Msg::Read { token } => with_token("READ counter".into(), token),
            Msg::ReadOk { value, version } => format!("counter = {value} (v{version})"),
            Msg::Write { token, value } => with_token(format!("WRITE counter = {value}"), token),
            Msg::WriteOk { version } => format!("OK (v{version})"),
            Msg::Rejected { op, token, highest } => {
                format!("REJECTED {}: token {token} < {highest}", if *op == Op::Read { "read" } else { "write" })
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    /// Client: time to try for the lock (first attempt, or the next round).
    Begin,
    /// Client: the backoff after a refused SET is over.
    Retry,
    /// Client: the computation between read and write is done.
    WorkDone,
    /// Redis: the lease of the key holding `value` may be over.
    Expire { value: String },
}

impl Describe for Timer {
    fn describe(&self) -> String {
        match self {
            Timer::Begin => "begin: try to take the lock".into(),
            Timer::Retry => "backoff over: retry".into(),
            Timer::WorkDone => "work done: write the result".into(),
            Timer::Expire { value } => format!("TTL of {value} due"),
        }
    }
}
