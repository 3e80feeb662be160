//! The storage the lock protects (a counter), and the token source of the fencing variant. With fencing the
//! storage remembers the highest token it has seen and refuses lower ones. The token source is a counter that
//! never goes back — durable and linearizable: in practice a consensus system's counter (etcd's revision,
//! ZooKeeper's zxid). Redlock itself hands out no token: its random values cannot be ordered. The storage node is
//! the lock scenarios' shared [`GuardedStorage`]; this file says how the scenario's messages map onto it.

use super::msg::{Msg, Timer};
use super::RedlockDisk;
use crate::guarded::{Fence, GuardedStorage};
use faultline_sim::{Ctx, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, RedlockDisk>;

pub type Storage = GuardedStorage<Msg, Timer, RedlockDisk>;

pub fn storage(fencing: bool) -> Storage {
    GuardedStorage::new(if fencing { Fence::HighestSeen } else { Fence::Off }, "client", "token")
}

crate::guarded_storage!(Msg, RedlockDisk::Storage, token, newest);

/// The token source: a counter that never goes back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenSource {
    pub last: u64,
}

impl Node for TokenSource {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = RedlockDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        if let Msg::Token { req } = msg {
            self.last += 1;
            ctx.persist(RedlockDisk::Tokens(self.last));
            ctx.send(from, Msg::TokenOk { token: self.last, req });
        }
    }

    fn restart(&self, disk: &RedlockDisk) -> Self {
        TokenSource { last: if let RedlockDisk::Tokens(t) = disk { *t } else { 0 } }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        NodeView {
            status: "a counter that never goes back".into(),
            tone: Tone::Neutral,
            fields: vec![("last token".into(), self.last.to_string())],
            ..NodeView::default()
        }
    }

    type Look = ();
}
