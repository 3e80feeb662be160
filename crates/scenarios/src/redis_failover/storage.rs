//! The resource the lock protects: a counter clients read, increment and write back. With fencing it also hands
//! out the tokens, from a durable sequence of its own — a lock holder asks for one before it reads — and refuses
//! any read or write whose token is older than the newest it has issued. The tokens come from here because
//! Redis's own counter would be replicated asynchronously too, and a failover could hand one out twice. The node
//! is the lock scenarios' shared [`GuardedStorage`]; this file says how the scenario's messages map onto it.

use super::msg::{Msg, Timer};
use super::FailoverDisk;
use crate::guarded::{Fence, GuardedStorage};

pub type Storage = GuardedStorage<Msg, Timer, FailoverDisk>;

pub fn storage(fencing: bool) -> Storage {
    GuardedStorage::new(if fencing { Fence::NewestIssued } else { Fence::Off }, "client", "token")
}

crate::guarded_storage!(Msg, FailoverDisk::Storage, token, newest, tokens: Token / TokenOk);
