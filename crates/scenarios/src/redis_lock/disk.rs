//! What the lock scenario's nodes persist — all that survives a crash: Redis its append-only file (as its
//! `persistence` allows), the storage service its records; a client nothing.

use super::redis::Keyspace;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Disk {
    /// Nothing was ever persisted (a client; Redis without persistence).
    #[default]
    Nothing,
    Redis(Aof),
    Storage(Records),
}

/// Redis's append-only file as far as it was fsynced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aof {
    pub keys: Keyspace,
    /// Redis's clock at the fsync that wrote it.
    pub synced_at_local_us: Option<i64>,
}

/// The storage service's records: it is a database that keeps everything it acknowledged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub value: i64,
    pub version: u64,
    pub highest_token: u64,
}
