//! The storage the lock protects (a counter), and the token source of the fencing variant. With fencing the
//! storage remembers the highest token it has seen and refuses lower ones. The token source is a counter that
//! never goes back — durable and linearizable: in practice a consensus system's counter (etcd's revision,
//! ZooKeeper's zxid). Redlock itself hands out no token: its random values cannot be ordered.

use super::msg::{Msg, Timer};
use super::RedlockDisk;
use crate::guarded::{CounterStore, Fence};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, RedlockDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub store: CounterStore,
}

impl Storage {
    pub fn new(fencing: bool) -> Self {
        Storage { store: CounterStore::new(if fencing { Fence::HighestSeen } else { Fence::Off }) }
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = RedlockDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let (token, req) = match &msg {
            Msg::Read { token, req } | Msg::Write { token, req, .. } => (*token, *req),
            _ => return,
        };
        match self.store.check(token) {
            Err(newest) => {
                if matches!(msg, Msg::Write { .. }) {
                    self.store.refused_write();
                }
                ctx.send(from, Msg::Rejected { token: token.unwrap_or(0), newest, req });
            }
            Ok(changed) => {
                let reply = match msg {
                    Msg::Write { value, .. } => Msg::WriteOk { version: self.store.write(value), req },
                    _ => Msg::ReadOk { value: self.store.data.value, version: self.store.data.version, req },
                };
                if changed || matches!(reply, Msg::WriteOk { .. }) {
                    ctx.persist(RedlockDisk::Storage(self.store.data.clone()));
                }
                ctx.send(from, reply);
            }
        }
    }

    fn restart(&self, disk: &RedlockDisk) -> Self {
        let mut back = Storage { store: CounterStore::new(self.store.fence) };
        if let RedlockDisk::Storage(c) = disk {
            back.store.data = c.clone();
        }
        back
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        self.store.view("token")
    }

    type Look = ();

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let Input::Msg { from, msg } = step.input else { return };
        for (_, reply) in step.sent() {
            match (reply, msg) {
                (Msg::Rejected { token, newest, .. }, _) => {
                    out.note(format!("rejected client {}: token {token} < {newest}", from + 1), Tone::Good)
                }
                (Msg::WriteOk { .. }, Msg::Write { value, .. }) => {
                    out.note(format!("accepted counter = {value} from client {}", from + 1), Tone::Neutral);
                    out.metric("counter", *value);
                }
                _ => {}
            }
        }
    }
}

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
