//! Messages and timers of the retry storm: clients read a row's version and write it back conditionally
//! (optimistic concurrency), or call a service that may be failing; every message names its client, so that the
//! trace keeps the followed clients in full and the others as a digest.

use faultline_sim::{Describe, NodeId};

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Read the row's version.
    Read { client: Client },
    Version { client: Client, version: u64 },
    /// Write the row if it is still at `expected` (a conditional update).
    Write { client: Client, expected: u64 },
    /// The write succeeded.
    Written { client: Client },
    /// Someone wrote first: the row is at `version` now.
    Conflict { client: Client, version: u64 },
    /// The service failed the call (it is having an outage) or shed it (too busy).
    Failed { client: Client },
}

impl Msg {
    pub fn client(&self) -> Client {
        match *self {
            Msg::Read { client }
            | Msg::Version { client, .. }
            | Msg::Write { client, .. }
            | Msg::Written { client }
            | Msg::Conflict { client, .. }
            | Msg::Failed { client } => client,
        }
    }
}

impl Describe for Msg {
    fn describe(&self) -> String {
        let c = self.client() + 1;
        match self {
            Msg::Read { .. } => format!("read (client {c})"),
            Msg::Version { version, .. } => format!("version {version}"),
            Msg::Write { expected, .. } => format!("write if version {expected} (client {c})"),
            Msg::Written { .. } => "written".into(),
            Msg::Conflict { version, .. } => format!("conflict: now {version}"),
            Msg::Failed { .. } => "503".into(),
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
    /// The service finishes a call.
    Done { client: Client },
    Sample,
}

impl Describe for Timer {
    fn describe(&self) -> String {
        match self {
            Timer::Next { client } | Timer::Done { client } => format!("client {}", client + 1),
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
