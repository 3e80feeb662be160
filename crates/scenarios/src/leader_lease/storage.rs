//! The resource only the leader may change: a counter the leader reads, increments and writes back. With fencing
//! it remembers the highest lease generation it has seen and turns away any read or write with a lower one (reads
//! too: a newer leader's read must shut out an older leader's write). The logic is the lock scenarios' shared
//! [`CounterStore`]; this node speaks the scenario's messages.

use super::msg::{Msg, Timer};
use super::LeaseDisk;
use crate::guarded::{CounterStore, Fence};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, LeaseDisk>;

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
    type Durable = LeaseDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let (generation, req) = match &msg {
            Msg::Read { generation, req } | Msg::Write { generation, req, .. } => (*generation, *req),
            _ => return,
        };
        match self.store.check(generation) {
            Err(highest) => {
                if matches!(msg, Msg::Write { .. }) {
                    self.store.refused_write();
                }
                ctx.send(from, Msg::Rejected { generation: generation.unwrap_or(0), highest, req });
            }
            Ok(changed) => {
                let reply = match msg {
                    Msg::Write { value, .. } => Msg::WriteOk { version: self.store.write(value), req },
                    _ => Msg::ReadOk { value: self.store.data.value, version: self.store.data.version, req },
                };
                if changed || matches!(reply, Msg::WriteOk { .. }) {
                    ctx.persist(LeaseDisk::Counter(self.store.data.clone()));
                }
                ctx.send(from, reply);
            }
        }
    }

    fn restart(&self, disk: &LeaseDisk) -> Self {
        let mut back = Storage { store: CounterStore::new(self.store.fence) };
        if let LeaseDisk::Counter(c) = disk {
            back.store.data = c.clone();
        }
        back
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        self.store.view("generation")
    }

    type Look = ();

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let Input::Msg { from, msg } = step.input else { return };
        for (_, reply) in step.sent() {
            match (reply, msg) {
                (Msg::Rejected { generation, highest, .. }, _) => out.note(
                    format!("rejected node {}: generation {generation} < {highest}", from + 1),
                    Tone::Good,
                ),
                (Msg::WriteOk { .. }, Msg::Write { value, .. }) => {
                    out.note(format!("accepted counter = {value} from node {}", from + 1), Tone::Neutral);
                    out.metric("counter", *value);
                }
                _ => {}
            }
        }
    }
}
