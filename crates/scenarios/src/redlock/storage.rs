//! The storage the lock protects (a counter), and the token source of the fencing variant. With fencing the
//! storage remembers the highest token it has seen and refuses lower ones. The token source is a counter that
//! never goes back — durable and linearizable: in practice a consensus system's counter (etcd's revision,
//! ZooKeeper's zxid). Redlock itself hands out no token: its random values cannot be ordered.

use super::msg::{Msg, Timer};
use super::RedlockDisk;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, RedlockDisk>;

/// What the storage keeps, durably.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    pub value: i64,
    pub version: u64,
    pub highest_token: u64,
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

    /// The fencing check: `Err(highest)` for a stale token; it remembers a newer one.
    fn fence(&mut self, ctx: &mut C<'_>, token: Option<u64>) -> Result<(), u64> {
        if !self.fencing {
            return Ok(());
        }
        let t = token.unwrap_or(0);
        if t < self.data.highest_token {
            return Err(self.data.highest_token);
        }
        if t > self.data.highest_token {
            self.data.highest_token = t;
            ctx.persist(RedlockDisk::Storage(self.data.clone()));
        }
        Ok(())
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = RedlockDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Read { token, req } => match self.fence(ctx, token) {
                Err(newest) => ctx.send(from, Msg::Rejected { token: token.unwrap_or(0), newest, req }),
                Ok(()) => ctx.send(from, Msg::ReadOk { value: self.data.value, version: self.data.version, req }),
            },
            Msg::Write { token, value, req } => match self.fence(ctx, token) {
                Err(newest) => {
                    self.rejected += 1;
                    ctx.send(from, Msg::Rejected { token: token.unwrap_or(0), newest, req });
                }
                Ok(()) => {
                    self.data.value = value;
                    self.data.version += 1;
                    ctx.persist(RedlockDisk::Storage(self.data.clone()));
                    ctx.send(from, Msg::WriteOk { version: self.data.version, req });
                }
            },
            _ => {}
        }
    }

    fn restart(&self, disk: &RedlockDisk) -> Self {
        let data = if let RedlockDisk::Storage(c) = disk { c.clone() } else { Counter::default() };
        Storage { data, ..Storage::new(self.fencing) }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let mut fields = vec![
            ("counter".to_string(), self.data.value.to_string()),
            ("version".into(), self.data.version.to_string()),
        ];
        if self.fencing {
            fields.push(("highest token seen".into(), self.data.highest_token.to_string()));
            fields.push(("writes rejected".into(), self.rejected.to_string()));
        }
        let status = if self.fencing { "checks tokens" } else { "cannot tell the writers apart" }.to_string();
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
