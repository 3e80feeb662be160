//! The resource the lock protects: a counter clients read, increment and write back. With fencing it also hands
//! out the tokens, from a durable sequence of its own — a lock holder asks for one before it reads — and refuses
//! any read or write whose token is older than the newest it has issued. The tokens come from here because
//! Redis's own counter would be replicated asynchronously too, and a failover could hand one out twice. The logic
//! is the lock scenarios' shared [`CounterStore`]; this node speaks the scenario's messages.

use super::msg::{Msg, Timer};
use super::FailoverDisk;
use crate::guarded::{CounterStore, Fence};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, FailoverDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub store: CounterStore,
}

impl Storage {
    pub fn new(fencing: bool) -> Self {
        Storage { store: CounterStore::new(if fencing { Fence::NewestIssued } else { Fence::Off }) }
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = FailoverDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        if let (Msg::Token { req }, Fence::NewestIssued) = (&msg, self.store.fence) {
            let token = self.store.issue();
            ctx.persist(FailoverDisk::Storage(self.store.data.clone()));
            ctx.send(from, Msg::TokenOk { token, req: *req });
            return;
        }
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
            Ok(_) => match msg {
                Msg::Write { value, .. } => {
                    let version = self.store.write(value);
                    ctx.persist(FailoverDisk::Storage(self.store.data.clone()));
                    ctx.send(from, Msg::WriteOk { version, req });
                }
                _ => ctx.send(from, Msg::ReadOk { value: self.store.data.value, version: self.store.data.version, req }),
            },
        }
    }

    fn restart(&self, disk: &FailoverDisk) -> Self {
        let mut back = Storage { store: CounterStore::new(self.store.fence) };
        if let FailoverDisk::Storage(c) = disk {
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
