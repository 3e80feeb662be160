//! Messages and timers of the retry storm: clients read a row's version and write it back conditionally
//! (optimistic concurrency), or call a service that may be failing; every message names its client, so that the
//! trace keeps the followed clients in full and the others as a digest.

use faultline_sim::{Describe, Label, NodeId};

/// A client's number, 0..clients.
pub type Client = u32;

/// Node 0 is the clients (a crowd), node 1 the service that owns the row.
pub const CLIENTS: NodeId = 0;
pub const SERVICE: NodeId = 1;

pub fn name(id: NodeId) -> String {
    match id {
        CLIENTS => "clients".into(),
        _ => "service".into(),
    }
}

/// A message of one call: the client it is for and the number of that client's call (a reply to a call the
/// client gave up on is recognised and ignored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub client: Client,
    pub call: u32,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Read the row's version.
    Read,
    Version(u64),
    /// Write the row if it is still at this version (a conditional update).
    Write(u64),
    /// The write succeeded.
    Written,
    /// Someone wrote first: the row is at this version now.
    Conflict(u64),
    /// The service failed the call (it is having an outage).
    Failed,
}

impl Msg {
    pub fn client(&self) -> Client {
        self.client
    }

    /// The reply to this call.
    pub fn reply(&self, kind: Kind) -> Msg {
        Msg { client: self.client, call: self.call, kind }
    }
}

impl Describe for Msg {
    fn describe(&self) -> Label {
        let c = self.client + 1;
        match self.kind {
            Kind::Read => format!("read (client {c})").into(),
            Kind::Version(v) => format!("version {v}").into(),
            Kind::Write(v) => format!("write if version {v} (client {c})").into(),
            Kind::Written => "written".into(),
            Kind::Conflict(v) => format!("conflict: now {v}").into(),
            Kind::Failed => "503".into(),
        }
    }

    fn member(&self) -> Option<u32> {
        Some(self.client())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The clients' next due entry (a backoff that ends, a call that times out), for this client.
    Next { client: Client },
    /// The service answers a call it was slow to serve.
    Done { client: Client },
    Sample,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Next { client } | Timer::Done { client } => format!("client {}", client + 1).into(),
            Timer::Sample => "sample".into(),
        }
    }

    fn member(&self) -> Option<u32> {
        match *self {
            Timer::Next { client } | Timer::Done { client } => Some(client),
            Timer::Sample => None,
        }
    }
}
