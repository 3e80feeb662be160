//! The resource the lock protects: a counter clients read, increment and write back. With fencing it also hands
//! out the tokens, from a durable sequence of its own — a lock holder asks for one before it reads — and refuses
//! any read or write whose token is older than the newest it has issued. The tokens come from here because
//! Redis's own counter would be replicated asynchronously too, and a failover could hand one out twice.

use super::msg::{Msg, Timer};
use super::FailoverDisk;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, FailoverDisk>;

/// What the storage keeps, durably.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    pub value: i64,
    pub version: u64,
    /// The newest fencing token issued.
    pub issued: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub fencing: bool,
    pub data: Counter,
    pub rejected: u32,
}

impl Storage {
    pub fn new(fencing: bool) -> Self {
        Storage { fencing, data: Counter::default(), rejected: 0 }
    }

    fn stale(&self, token: Option<u64>) -> bool {
        self.fencing && token.unwrap_or(0) < self.data.issued
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = FailoverDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let newest = self.data.issued;
        match msg {
            Msg::Token { req } if self.fencing => {
                self.data.issued += 1;
                ctx.persist(FailoverDisk::Storage(self.data.clone()));
                ctx.send(from, Msg::TokenOk { token: self.data.issued, req });
            }
            Msg::Read { token, req } | Msg::Write { token, req, .. } if self.stale(token) => {
                if matches!(msg, Msg::Write { .. }) {
                    self.rejected += 1;
                }
                ctx.send(from, Msg::Rejected { token: token.unwrap_or(0), newest, req });
            }
            Msg::Read { req, .. } => {
                ctx.send(from, Msg::ReadOk { value: self.data.value, version: self.data.version, req })
            }
            Msg::Write { value, req, .. } => {
                self.data.value = value;
                self.data.version += 1;
                ctx.persist(FailoverDisk::Storage(self.data.clone()));
                ctx.send(from, Msg::WriteOk { version: self.data.version, req });
            }
            _ => {}
        }
    }

    fn restart(&self, disk: &FailoverDisk) -> Self {
        let data = if let FailoverDisk::Storage(c) = disk { c.clone() } else { Counter::default() };
        Storage { data, ..Storage::new(self.fencing) }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let mut fields = vec![
            ("counter".to_string(), self.data.value.to_string()),
            ("version".into(), self.data.version.to_string()),
        ];
        if self.fencing {
            fields.push(("newest token issued".into(), self.data.issued.to_string()));
            fields.push(("writes rejected".into(), self.rejected.to_string()));
        }
        let status = if self.fencing { "issues and checks tokens" } else { "accepts every write" }.to_string();
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
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
