//! Messages and timers of the cache stampede: clients (a crowd on each app server) read keys through a shared
//! cache (`GET`, and `SET` after a recompute) and recompute a missing value with a query to the database. Every
//! message of a client's request names the client, so that the trace keeps the followed clients in full and the
//! others as a digest.

use faultline_sim::{Describe, Label, NodeId};

/// A key's number (key 0 is the hottest).
pub type Key = u32;
/// A client's number, 0..clients; client `c` runs on app server `c % app_servers`.
pub type Client = u32;

/// Where each node sits: app servers `0..app_servers`, then the cache, then the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub app_servers: u32,
}

impl Layout {
    pub fn cache(&self) -> NodeId {
        self.app_servers
    }
    pub fn database(&self) -> NodeId {
        self.app_servers + 1
    }
    pub fn app_of(&self, client: Client) -> NodeId {
        client % self.app_servers
    }
    /// `app 1`, `cache`, `database`: as the diagram's lanes are named.
    pub fn name(&self, id: NodeId) -> String {
        if id < self.app_servers {
            format!("app {}", id + 1)
        } else if id == self.cache() {
            "cache".into()
        } else {
            "database".into()
        }
    }
}

/// What the cache answers to a `GET`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A fresh value: its expiry (cache time) and Δ, the time its last recompute took (XFetch's delta).
    Hit { expires_us: i64, delta_us: i64 },
    /// Expired but within the stale-while-revalidate grace window: serve it; `revalidate` goes to exactly one
    /// asker, which refreshes it in the background.
    Stale { revalidate: bool },
    Miss,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `GET key`.
    Get { client: Client, key: Key },
    /// The answer, with the generation of the value asked about (how many times the key was set).
    Got { client: Client, key: Key, lookup: Lookup, generation: u32 },
    /// `SET key value PX ttl` after a recompute that took `delta_us`.
    Set { client: Client, key: Key, ttl_us: u64, delta_us: i64 },
    /// `OK` to a `SET`.
    Stored { client: Client, key: Key },
    /// `SET lock:key NX PX lease` (the distributed single-flight): only one recompute per key in the cluster.
    Lock { client: Client, key: Key, lease_us: u64 },
    /// Whether the lock was taken.
    Locked { client: Client, key: Key, granted: bool },
    /// The recompute query, on behalf of a miss of `generation` (for the count of recomputes per expiry).
    /// `req` numbers the client's requests, so that a late result is not taken for a later request's.
    Query { client: Client, req: u32, key: Key, generation: u32 },
    /// The query's result (`ok`) or its refusal: it waited in the database's queue past the query timeout.
    Result { client: Client, req: u32, key: Key, ok: bool },
}

impl Msg {
    pub fn client(&self) -> Client {
        match *self {
            Msg::Get { client, .. }
            | Msg::Got { client, .. }
            | Msg::Set { client, .. }
            | Msg::Stored { client, .. }
            | Msg::Lock { client, .. }
            | Msg::Locked { client, .. }
            | Msg::Query { client, .. }
            | Msg::Result { client, .. } => client,
        }
    }
}

impl Describe for Msg {
    fn describe(&self) -> Label {
        let c = self.client() + 1;
        match self {
            Msg::Get { key, .. } => format!("GET k{key} (client {c})").into(),
            Msg::Got { key, lookup, .. } => match lookup {
                Lookup::Hit { .. } => format!("hit k{key}").into(),
                Lookup::Stale { revalidate: true } => format!("stale k{key}: revalidate").into(),
                Lookup::Stale { revalidate: false } => format!("stale k{key}").into(),
                Lookup::Miss => format!("miss k{key}").into(),
            },
            Msg::Set { key, ttl_us, .. } => format!("SET k{key} PX {}", ttl_us / 1_000).into(),
            Msg::Stored { .. } => "OK".into(),
            Msg::Lock { key, lease_us, .. } => format!("SET lock:k{key} NX PX {}", lease_us / 1_000).into(),
            Msg::Locked { granted: true, .. } => "OK".into(),
            Msg::Locked { granted: false, .. } => "(nil): locked".into(),
            Msg::Query { key, .. } => format!("SELECT … k{key} (client {c})").into(),
            Msg::Result { ok: true, .. } => "rows".into(),
            Msg::Result { ok: false, .. } => "error: timed out in the queue".into(),
        }
    }

    fn member(&self) -> Option<u32> {
        Some(self.client())
    }
}

/// Each node keeps its many deadlines in its own [`faultline_sim::Agenda`] and one kernel timer for the next,
/// named after the client it is for; `Sample` reads the node's numbers for the charts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    Next { client: Client },
    Sample,
}

impl Describe for Timer {
    fn describe(&self) -> Label {
        match self {
            Timer::Next { client } => format!("client {}", client + 1).into(),
            Timer::Sample => "sample".into(),
        }
    }

    fn member(&self) -> Option<u32> {
        match *self {
            Timer::Next { client } => Some(client),
            Timer::Sample => None,
        }
    }
}
