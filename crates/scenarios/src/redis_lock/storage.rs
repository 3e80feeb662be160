//! The storage service that holds the protected resource: a counter that clients read, increment and write
//! back while they (believe they) hold the lock.
//!
//! With fencing, the storage remembers the highest token it has seen and rejects any request with a lower one.
//! Reads are fenced too: a read-modify-write is only safe if no newer holder can have read or written in
//! between, so a read with token 34 must also turn away a later write with token 33.

use super::disk::{Disk, Records};
use super::msg::{Msg, Op, Req, Timer};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub fencing: bool,
    pub value: i64,
    /// Bumped on every accepted write.
    pub version: u64,
    pub highest_token: u64,
    /// Writes rejected since it started, for its panel (accepted writes are `version`).
    pub rejected: u32,
    pub names: Vec<String>,
}

impl Storage {
    pub fn new(fencing: bool, names: Vec<String>) -> Self {
        Storage {
            fencing,
            value: 0,
            version: 0,
            highest_token: 0,
            rejected: 0,
            names,
        }
    }

    fn name(&self, id: NodeId) -> &str {
        self.names.get(id as usize).map(String::as_str).unwrap_or("?")
    }

    /// Persist what a restart must get back, before the reply goes out.
    fn save(&self, ctx: &mut C<'_>) {
        let (value, version, highest_token) = (self.value, self.version, self.highest_token);
        ctx.persist(Disk::Storage(Records { value, version, highest_token }));
    }

    /// The fencing check: `Err(highest)` when the token is stale. Without fencing everything passes.
    fn fence(&mut self, ctx: &mut C<'_>, token: Option<u64>) -> Result<(), u64> {
        match (self.fencing, token) {
            (true, Some(t)) if t < self.highest_token => Err(self.highest_token),
            (true, Some(t)) => {
                if t > self.highest_token {
                    self.highest_token = t;
                    self.save(ctx);
                }
                Ok(())
            }
            // Fencing is on but the request carries no token: refuse it as older than anything.
            (true, None) => Err(self.highest_token),
            (false, _) => Ok(()),
        }
    }

    fn reject(&mut self, ctx: &mut C<'_>, from: NodeId, op: Op, token: Option<u64>, highest: u64, req: Req) {
        ctx.send(from, Msg::Rejected { op, token: token.unwrap_or(0), highest, req });
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Read { token, req } => match self.fence(ctx, token) {
                Err(highest) => self.reject(ctx, from, Op::Read, token, highest, req),
                Ok(()) => ctx.send(from, Msg::ReadOk { value: self.value, version: self.version, req }),
            },
            Msg::Write { token, value, req } => match self.fence(ctx, token) {
                Err(highest) => {
                    self.rejected += 1;
                    self.reject(ctx, from, Op::Write, token, highest, req);
                }
                Ok(()) => {
                    self.value = value;
                    self.version += 1;
                    self.save(ctx);
                    ctx.send(from, Msg::WriteOk { version: self.version, req });
                }
            },
            _ => {}
        }
    }

    fn restart(&self, disk: &Disk) -> Self {
        // A database: what it persisted before acknowledging comes back, and nothing else.
        let mut back = Storage::new(self.fencing, self.names.clone());
        if let Disk::Storage(r) = disk {
            (back.value, back.version, back.highest_token) = (r.value, r.version, r.highest_token);
        }
        back
    }

    type Look = ();

    /// Each reply, in words: what was accepted, and what fencing turned away.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let Input::Msg { from, msg } = step.input else { return };
        for (_, reply) in step.sent() {
            match (reply, msg) {
                (Msg::Rejected { op, token, highest, .. }, _) => {
                    let what = if *op == Op::Read { "read" } else { "write" };
                    out.note(format!("rejected {what} from {}: token {token} < {highest}", self.name(from)), Tone::Good);
                }
                (Msg::WriteOk { .. }, Msg::Write { value, .. }) => {
                    out.note(format!("accepted counter = {value} from {}", self.name(from)), Tone::Neutral)
                }
                _ => {}
            }
        }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let mut fields = vec![("counter".to_string(), format!("{} (v{})", self.value, self.version))];
        if self.fencing {
            fields.push(("highest token seen".into(), self.highest_token.to_string()));
        }
        fields.push(("writes accepted".into(), self.version.to_string()));
        fields.push(("writes rejected since it started".into(), self.rejected.to_string()));
        let status = format!("counter = {}", self.value);
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn names() -> Vec<String> {
        vec!["client 1".into(), "client 2".into(), "redis".into(), "storage".into()]
    }

    /// Request ids of client incarnations 1 (client 1) and 2 (client 2).
    const A: Req = 1 << 32;
    const B: Req = 2 << 32;

    #[test]
    fn fencing_rejects_a_write_with_an_older_token() {
        let mut s = Storage::new(true, names());
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        s.on_msg(&mut t.ctx(), 1, Msg::Read { token: Some(2), req: B | 1 });
        s.on_msg(&mut t.ctx(), 1, Msg::Write { token: Some(2), value: 1, req: B | 2 });
        t.effects.clear();
        s.on_msg(&mut t.ctx(), 0, Msg::Write { token: Some(1), value: 1, req: A | 5 });
        assert_eq!(t.sent(), vec![(0, &Msg::Rejected { op: Op::Write, token: 1, highest: 2, req: A | 5 })]);
        assert_eq!((s.value, s.version, s.rejected), (1, 1, 1));
    }

    #[test]
    fn fencing_counts_reads_too() {
        // Client 2 (token 2) reads; client 1 (token 1), who read earlier, must not write in between.
        let mut s = Storage::new(true, names());
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        s.on_msg(&mut t.ctx(), 0, Msg::Read { token: Some(1), req: A | 1 });
        s.on_msg(&mut t.ctx(), 1, Msg::Read { token: Some(2), req: B | 1 });
        t.effects.clear();
        s.on_msg(&mut t.ctx(), 0, Msg::Write { token: Some(1), value: 1, req: A | 2 });
        assert_eq!(t.sent(), vec![(0, &Msg::Rejected { op: Op::Write, token: 1, highest: 2, req: A | 2 })]);
    }

    /// An accepted write: persisted, then acknowledged, every effect in order.
    #[test]
    fn an_accepted_write_is_persisted_before_it_is_acknowledged() {
        let mut s = Storage::new(true, names());
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        let write = Msg::Write { token: Some(3), value: 7, req: A | 2 };
        s.on_msg(&mut t.ctx(), 0, write.clone());
        let shown = t.narration(&s, &(), Input::Msg { from: 0, msg: &write });
        assert_eq!(shown.notes(), ["accepted counter = 7 from client 1"]);
        assert_eq!(
            t.take(),
            vec![
                Effect::Persist(Disk::Storage(Records { value: 0, version: 0, highest_token: 3 })),
                Effect::Persist(Disk::Storage(Records { value: 7, version: 1, highest_token: 3 })),
                Effect::Send { to: 0, msg: Msg::WriteOk { version: 1, req: A | 2 } },
            ]
        );
    }
}
