//! The storage service that holds the protected resource: a counter that clients read, increment and write
//! back while they (believe they) hold the lock.
//!
//! With fencing, the storage remembers the highest token it has seen and rejects any request with a lower one.
//! Reads are fenced too: a read-modify-write is only safe if no newer holder can have read or written in
//! between, so a read with token 34 must also turn away a later write with token 33.

use super::disk::{Disk, Records};
use super::msg::{incarnation_of, Msg, Op, Req, Timer};
use faultline_sim::{Ctx, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRecord {
    pub from: NodeId,
    pub value: i64,
    pub token: Option<u64>,
    pub step: u32,
}

/// A write that silently overwrote someone else's update: the invariant this scenario is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    pub writer: NodeId,
    pub value: i64,
    pub token: Option<u64>,
    pub based_on_version: u64,
    pub read_step: u32,
    /// Who wrote the version the writer did not see, with which token, and at which step.
    pub overwritten: NodeId,
    pub overwritten_token: Option<u64>,
    pub overwritten_step: u32,
    pub step: u32,
}

/// Ghost: the version a reader last read, per client incarnation (a restarted client is another reader).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRecord {
    pub from: NodeId,
    pub incarnation: u32,
    pub version: u64,
    pub step: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub fencing: bool,
    pub value: i64,
    /// Bumped on every accepted write.
    pub version: u64,
    pub highest_token: u64,
    pub accepted: Vec<WriteRecord>,
    pub rejected: Vec<WriteRecord>,
    /// Ghost state for the checker: the version each client incarnation last read (and when).
    pub last_read: Vec<ReadRecord>,
    pub lost_updates: Vec<LostUpdate>,
    pub names: Vec<String>,
}

impl Storage {
    pub fn new(fencing: bool, names: Vec<String>) -> Self {
        Storage {
            fencing,
            value: 0,
            version: 0,
            highest_token: 0,
            accepted: Vec::new(),
            rejected: Vec::new(),
            last_read: Vec::new(),
            lost_updates: Vec::new(),
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
        let t = token.unwrap_or(0);
        let what = if op == Op::Read { "read" } else { "write" };
        ctx.note(format!("rejected {what} from {}: token {t} < {highest}", self.name(from)), Tone::Good);
        ctx.send(from, Msg::Rejected { op, token: t, highest, req });
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_start(&mut self, _ctx: &mut C<'_>) {}

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Read { token, req } => match self.fence(ctx, token) {
                Err(highest) => self.reject(ctx, from, Op::Read, token, highest, req),
                Ok(()) => {
                    let incarnation = incarnation_of(req);
                    self.last_read.retain(|r| (r.from, r.incarnation) != (from, incarnation));
                    self.last_read.push(ReadRecord { from, incarnation, version: self.version, step: ctx.step() });
                    ctx.send(from, Msg::ReadOk { value: self.value, version: self.version, req });
                }
            },
            Msg::Write { token, value, req } => match self.fence(ctx, token) {
                Err(highest) => {
                    self.rejected.push(WriteRecord { from, value, token, step: ctx.step() });
                    self.reject(ctx, from, Op::Write, token, highest, req);
                }
                Ok(()) => {
                    let incarnation = incarnation_of(req);
                    let read = self.last_read.iter().find(|r| (r.from, r.incarnation) == (from, incarnation));
                    if let Some(read) = read.filter(|r| r.version != self.version) {
                        // The first write this writer did not see made version `read.version + 1`.
                        let unseen = self.accepted.get(read.version as usize);
                        self.lost_updates.push(LostUpdate {
                            writer: from,
                            value,
                            token,
                            based_on_version: read.version,
                            read_step: read.step,
                            overwritten: unseen.map_or(from, |w| w.from),
                            overwritten_token: unseen.and_then(|w| w.token),
                            overwritten_step: unseen.map_or(read.step, |w| w.step),
                            step: ctx.step(),
                        });
                    }
                    self.value = value;
                    self.version += 1;
                    self.save(ctx);
                    self.accepted.push(WriteRecord { from, value, token, step: ctx.step() });
                    let tone = if self.lost_updates.last().is_some_and(|l| l.step == ctx.step()) {
                        Tone::Bad
                    } else {
                        Tone::Neutral
                    };
                    ctx.note(format!("accepted counter = {value} from {}", self.name(from)), tone);
                    ctx.send(from, Msg::WriteOk { version: self.version, req });
                }
            },
            _ => {}
        }
    }

    fn on_timer(&mut self, _ctx: &mut C<'_>, _timer: Timer) {}

    fn restart(&self, disk: &Disk) -> Self {
        // A database: what it persisted before acknowledging comes back. The checker's bookkeeping carries on.
        let records = match disk {
            Disk::Storage(r) => r.clone(),
            _ => Records::default(),
        };
        Storage { value: records.value, version: records.version, highest_token: records.highest_token, ..self.clone() }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let mut fields = vec![("counter".to_string(), format!("{} (v{})", self.value, self.version))];
        if self.fencing {
            fields.push(("highest token seen".into(), self.highest_token.to_string()));
        }
        fields.push(("writes accepted".into(), self.accepted.len().to_string()));
        fields.push(("writes rejected".into(), self.rejected.len().to_string()));
        let (status, tone) = if self.lost_updates.is_empty() {
            ("every update kept".to_string(), Tone::Good)
        } else {
            (format!("{} update(s) lost", self.lost_updates.len()), Tone::Bad)
        };
        NodeView { status, tone, fields, ..NodeView::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::TestCtx;

    fn names() -> Vec<String> {
        vec!["client 1".into(), "client 2".into(), "redis".into(), "storage".into()]
    }

    /// Request ids of client incarnations 1 (client 1), 2 (client 2) and 3 (client 1 after a restart).
    const A: Req = 1 << 32;
    const B: Req = 2 << 32;
    const A2: Req = 3 << 32;

    #[test]
    fn fencing_rejects_a_write_with_an_older_token() {
        let mut s = Storage::new(true, names());
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        s.on_msg(&mut t.ctx(), 1, Msg::Read { token: Some(2), req: B | 1 });
        s.on_msg(&mut t.ctx(), 1, Msg::Write { token: Some(2), value: 1, req: B | 2 });
        t.effects.clear();
        s.on_msg(&mut t.ctx(), 0, Msg::Write { token: Some(1), value: 1, req: A | 5 });
        assert_eq!(t.sent(), vec![(0, &Msg::Rejected { op: Op::Write, token: 1, highest: 2, req: A | 5 })]);
        assert_eq!((s.value, s.version, s.rejected.len()), (1, 1, 1));
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
        assert!(s.lost_updates.is_empty());
    }

    #[test]
    fn without_fencing_a_stale_write_is_accepted_and_an_update_is_lost() {
        let mut s = Storage::new(false, names());
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        t.step = 5;
        s.on_msg(&mut t.ctx(), 0, Msg::Read { token: None, req: A | 1 });
        t.step = 20;
        s.on_msg(&mut t.ctx(), 1, Msg::Read { token: None, req: B | 1 });
        t.step = 30;
        s.on_msg(&mut t.ctx(), 1, Msg::Write { token: None, value: 1, req: B | 2 });
        t.step = 40;
        s.on_msg(&mut t.ctx(), 0, Msg::Write { token: None, value: 1, req: A | 2 });
        assert_eq!(s.value, 1, "two increments, one survives");
        assert_eq!(
            s.lost_updates,
            vec![LostUpdate {
                writer: 0,
                value: 1,
                token: None,
                based_on_version: 0,
                read_step: 5,
                overwritten: 1,
                overwritten_token: None,
                overwritten_step: 30,
                step: 40
            }]
        );
    }

    /// A restarted client reads the new version; the write its earlier incarnation sent before the crash still
    /// counts as based on what *that* incarnation read.
    #[test]
    fn a_late_write_from_an_earlier_incarnation_is_judged_by_its_own_read() {
        let mut s = Storage::new(false, names());
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        s.on_msg(&mut t.ctx(), 0, Msg::Read { token: None, req: A | 1 });
        s.on_msg(&mut t.ctx(), 1, Msg::Read { token: None, req: B | 1 });
        s.on_msg(&mut t.ctx(), 1, Msg::Write { token: None, value: 1, req: B | 2 });
        s.on_msg(&mut t.ctx(), 0, Msg::Read { token: None, req: A2 | 1 });
        s.on_msg(&mut t.ctx(), 0, Msg::Write { token: None, value: 1, req: A | 2 });
        assert_eq!(s.lost_updates.len(), 1, "{:?}", s.lost_updates);
    }
}
