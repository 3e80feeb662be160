//! The storage the lock protects: a counter. With fencing it remembers the highest revision it has seen and
//! refuses requests with a lower one — the lock key's create revision is the fencing token etcd's documentation
//! asks for (a newer owner's key always has a higher revision). The node is the lock scenarios' shared
//! [`GuardedStorage`]; this file says how the scenario's messages map onto it.

use super::msg::{Msg, Timer};
use super::EtcdDisk;
use crate::guarded::{Fence, GuardedStorage};

pub type Storage = GuardedStorage<Msg, Timer, EtcdDisk>;

pub fn storage(fencing: bool) -> Storage {
    GuardedStorage::new(if fencing { Fence::HighestSeen } else { Fence::Off }, "client", "revision")
}

crate::guarded_storage!(Msg, EtcdDisk::Storage, token, newest);
