//! The resource only the leader may change: a counter the leader reads, increments and writes back. With fencing
//! it remembers the highest lease generation it has seen and turns away any read or write with a lower one (reads
//! too: a newer leader's read must shut out an older leader's write). The node is the lock scenarios' shared
//! [`GuardedStorage`]; this file says how the scenario's messages map onto it.

use super::msg::{Msg, Timer};
use super::LeaseDisk;
use crate::guarded::{Fence, GuardedStorage};

pub type Storage = GuardedStorage<Msg, Timer, LeaseDisk>;

pub fn storage(fencing: bool) -> Storage {
    GuardedStorage::new(if fencing { Fence::HighestSeen } else { Fence::Off }, "node", "generation")
}

crate::guarded_storage!(Msg, LeaseDisk::Counter, generation, highest);
