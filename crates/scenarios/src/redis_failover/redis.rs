//! A Redis node, primary or replica. The primary answers `SET NX PX` at once and streams its writes to the
//! replica every `repl_lag_ms` (asynchronous replication: an acknowledged write may not have reached the replica
//! yet); `WAIT 1` answers when the replica has acknowledged a write, or at its timeout. Expiries travel as
//! absolute times in the primary's clock (`PEXPIREAT`), and each node judges them by its own clock. Nothing is
//! persisted: a restarted node comes back empty and asks Sentinel what it is.
//!
//! With `delayed-start`, a node that becomes the primary (promoted, or restarted as the primary) refuses to hand
//! out the lock for one TTL, by its own clock, so that a lock granted by the node it replaces has expired.

use super::msg::{Msg, Op, Req, Timer};
use super::FailoverDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, FailoverDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    pub number: u32,
    pub sentinel: NodeId,
    pub repl_lag_us: u64,
    pub wait_timeout_us: u64,
    pub ttl_us: u64,
    pub delayed_start: bool,
}

/// The lock key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub value: String,
    pub owner: NodeId,
    /// In the clock of the primary that set it.
    pub expires_at_us: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// Just started: waiting for Sentinel's word.
    #[default]
    Unknown,
    Primary,
    Replica { master: NodeId },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redis {
    pub cfg: RedisConfig,
    pub role: Role,
    pub lock: Option<Key>,
    /// The replication offset of the last write applied.
    pub offset: u64,
    /// As primary: the writes since it became primary, and its replica and what that acknowledged.
    pub backlog: Vec<(u64, Op)>,
    pub replica: Option<NodeId>,
    pub replica_acked: u64,
    /// `WAIT`s pending: client, offset, request.
    pub waiting: Vec<(NodeId, u64, Req)>,
    /// With delayed-start: refuses the lock until this local time.
    pub refuse_until_us: Option<i64>,
    /// This process started after a crash (not at the beginning of the run).
    pub rebooted: bool,
}

impl Redis {
    pub fn new(cfg: RedisConfig) -> Self {
        Redis {
            cfg,
            role: Role::Unknown,
            lock: None,
            offset: 0,
            backlog: Vec::new(),
            replica: None,
            replica_acked: 0,
            waiting: Vec::new(),
            refuse_until_us: None,
            rebooted: false,
        }
    }

    /// The lock as this node sees it now: expired keys are gone (judged by its own clock).
    pub fn live_lock(&self, now_us: i64) -> Option<&Key> {
        self.lock.as_ref().filter(|k| k.expires_at_us > now_us)
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Reset => self.lock = None,
            Op::Set { value, owner, expires_at_us } => {
                self.lock = Some(Key { value: value.clone(), owner: *owner, expires_at_us: *expires_at_us })
            }
            Op::Del { value } => {
                if self.lock.as_ref().is_some_and(|k| &k.value == value) {
                    self.lock = None;
                }
            }
        }
    }

    /// A write as primary: applied, and queued for the replica.
    fn write(&mut self, op: Op) -> u64 {
        self.apply(&op);
        self.offset += 1;
        self.backlog.push((self.offset, op));
        self.offset
    }

    fn become_primary(&mut self, ctx: &mut C<'_>) {
        // A node that takes over (a promoted replica, or a primary that restarted without its data) might be
        // handing out a lock that another node granted: with delayed-start it waits that lock's TTL out.
        let takes_over = matches!(self.role, Role::Replica { .. }) || self.rebooted;
        self.role = Role::Primary;
        self.backlog.clear();
        self.replica = None;
        self.replica_acked = self.offset;
        if self.cfg.delayed_start && takes_over {
            self.refuse_until_us = Some(ctx.now_us() + self.cfg.ttl_us as i64);
        }
        ctx.set_timer(self.cfg.repl_lag_us, Timer::ReplTick);
        // A replica leaves expiry to its primary; as the primary it expires keys itself, by its own clock.
        if let Some(k) = &self.lock {
            ctx.set_timer((k.expires_at_us - ctx.now_us()).max(0) as u64, Timer::Expire);
        }
    }

    fn answer_waits(&mut self, ctx: &mut C<'_>) {
        let acked = self.replica_acked;
        self.waiting.retain(|&(client, offset, req)| {
            if offset <= acked {
                ctx.send(client, Msg::Waited { replicas: 1, req });
                false
            } else {
                true
            }
        });
    }
}

impl Node for Redis {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = FailoverDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        ctx.send(self.cfg.sentinel, Msg::Hello);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let now = ctx.now_us();
        match (self.role, msg) {
            (role, Msg::Promote) if role != Role::Primary => self.become_primary(ctx),
            (_, Msg::Follow { master, .. }) => {
                // A full resynchronisation: what it had is dropped when the copy arrives.
                self.role = Role::Replica { master };
                self.waiting.clear();
                self.refuse_until_us = None;
                ctx.cancel_timer(Timer::ReplTick);
                ctx.send(master, Msg::Sync);
            }
            (Role::Primary, Msg::Sync) => {
                self.replica = Some(from);
                let mut ops = vec![(self.offset, Op::Reset)];
                if let Some(k) = self.live_lock(now) {
                    let set = Op::Set { value: k.value.clone(), owner: k.owner, expires_at_us: k.expires_at_us };
                    ops.push((self.offset, set));
                }
                self.replica_acked = 0;
                ctx.send(from, Msg::Replicate { ops });
            }
            (Role::Replica { master }, Msg::Replicate { ops }) if from == master => {
                for (offset, op) in &ops {
                    if matches!(op, Op::Reset) || *offset > self.offset {
                        self.apply(op);
                        self.offset = *offset;
                    }
                }
                ctx.send(from, Msg::ReplAck { offset: self.offset });
            }
            (Role::Primary, Msg::ReplAck { offset }) if Some(from) == self.replica => {
                self.replica_acked = self.replica_acked.max(offset);
                self.answer_waits(ctx);
            }
            (_, Msg::Ping) => ctx.send(from, Msg::Pong),
            (Role::Primary, Msg::Set { value, ttl_us, req }) => {
                if self.refuse_until_us.is_some_and(|t| now < t) {
                    ctx.send(from, Msg::Refused { why: "LOADING: a new primary waits out the TTL", req });
                } else if self.live_lock(now).is_some() {
                    ctx.send(from, Msg::SetNil { req });
                } else {
                    let offset = self.write(Op::Set { value, owner: from, expires_at_us: now + ttl_us as i64 });
                    ctx.set_timer(ttl_us, Timer::Expire);
                    ctx.send(from, Msg::SetOk { offset, req });
                }
            }
            (Role::Primary, Msg::Wait { offset, req }) => {
                if offset <= self.replica_acked {
                    ctx.send(from, Msg::Waited { replicas: 1, req });
                } else {
                    self.waiting.push((from, offset, req));
                    ctx.set_timer(self.cfg.wait_timeout_us, Timer::WaitTimeout(req));
                }
            }
            (Role::Primary, Msg::Del { value, req }) => {
                let n = if self.live_lock(now).is_some_and(|k| k.value == value) {
                    self.write(Op::Del { value });
                    1
                } else {
                    0
                };
                ctx.send(from, Msg::Deleted { n, req });
            }
            (_, Msg::Set { req, .. } | Msg::Wait { req, .. } | Msg::Del { req, .. }) => {
                ctx.send(from, Msg::Refused { why: "READONLY: not the primary", req });
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::ReplTick if self.role == Role::Primary => {
                if let Some(r) = self.replica {
                    let ops: Vec<(u64, Op)> =
                        self.backlog.iter().filter(|(o, _)| *o > self.replica_acked).cloned().collect();
                    if !ops.is_empty() {
                        ctx.send(r, Msg::Replicate { ops });
                    }
                }
                ctx.set_timer(self.cfg.repl_lag_us, Timer::ReplTick);
            }
            Timer::Expire if self.role == Role::Primary => {
                let now = ctx.now_us();
                if let Some(k) = self.lock.as_ref().filter(|k| k.expires_at_us <= now) {
                    let value = k.value.clone();
                    self.write(Op::Del { value });
                } else if let Some(k) = &self.lock {
                    ctx.set_timer((k.expires_at_us - now) as u64, Timer::Expire);
                }
            }
            Timer::WaitTimeout(req) => {
                if let Some(i) = self.waiting.iter().position(|w| w.2 == req) {
                    let (client, _, req) = self.waiting.remove(i);
                    ctx.send(client, Msg::Waited { replicas: 0, req });
                }
            }
            _ => {}
        }
    }

    fn restart(&self, _: &FailoverDisk) -> Self {
        Redis { rebooted: true, ..Redis::new(self.cfg.clone()) }
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let role = match self.role {
            Role::Unknown => "starting".to_string(),
            Role::Primary => "primary".to_string(),
            Role::Replica { .. } => "replica".to_string(),
        };
        let lock = match self.live_lock(now_local_us) {
            Some(k) => format!("{} (expires {})", k.value, fmt_us(k.expires_at_us)),
            None => "(none)".into(),
        };
        let mut fields = vec![("lock".to_string(), lock), ("replication offset".into(), self.offset.to_string())];
        if self.role == Role::Primary {
            fields.push(("replica acknowledged".into(), self.replica_acked.to_string()));
        }
        if let Some(t) = self.refuse_until_us.filter(|&t| t > now_local_us) {
            fields.push(("refuses the lock until".into(), fmt_us(t)));
        }
        let tone = if self.role == Role::Primary { Tone::Info } else { Tone::Neutral };
        NodeView { status: role, tone, fields, ..NodeView::default() }
    }

    type Look = (Role, Option<String>);

    fn look(&self) -> (Role, Option<String>) {
        (self.role, self.lock.as_ref().map(|k| k.value.clone()))
    }

    /// Two bars: its role, and the lock key as this node holds it.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let ((role_before, lock_before), restarted) = (step.before, matches!(step.input, Input::Restart { .. }));
        let lock_now = self.lock.as_ref().map(|k| k.value.clone());
        if *role_before != self.role || restarted {
            if *role_before == Role::Primary && !restarted {
                out.span_close("primary");
            }
            if self.role == Role::Primary {
                out.span_open("primary", "primary", Tone::Info);
                if *role_before != Role::Unknown || restarted {
                    out.note("promoted: now the primary", Tone::Warn);
                }
            }
        }
        if *lock_before != lock_now || restarted {
            if lock_before.is_some() && !restarted {
                out.span_close("lock");
            }
            if let Some(v) = &lock_now {
                out.span_open("lock", format!("lock = {v}"), Tone::Neutral);
            }
        }
        if let (Input::Msg { msg: Msg::Replicate { .. }, .. }, Some(Key { value, .. })) = (&step.input, &self.lock) {
            if lock_before.as_deref() != Some(value) {
                out.note(format!("the key {value} reaches the replica"), Tone::Neutral);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, FailoverDisk>;

    fn primary(delayed_start: bool) -> Redis {
        let cfg = RedisConfig { number: 1, sentinel: 4, repl_lag_us: 100_000, wait_timeout_us: 50_000, ttl_us: 1_000_000, delayed_start };
        let mut r = Redis::new(cfg);
        r.become_primary(&mut T::new(2, 0, 1).ctx());
        r.replica = Some(3);
        r
    }

    /// SET NX PX on the primary: OK at once (an offset, an expiry in its own clock), the key queued for the
    /// replica; a second SET gets (nil); WAIT answers when the replica acknowledges, or 0 at its timeout.
    #[test]
    fn the_primary_acknowledges_before_it_replicates_and_wait_waits_for_the_replica() {
        let mut r = primary(false);
        let mut t = T::new(2, 10_000, 1);
        r.on_msg(&mut t.ctx(), 0, Msg::Set { value: "c1-a".into(), ttl_us: 1_000_000, req: 7 });
        assert_eq!(
            t.take(),
            vec![
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::Expire },
                Effect::Send { to: 0, msg: Msg::SetOk { offset: 1, req: 7 } },
            ]
        );
        assert_eq!(r.lock, Some(Key { value: "c1-a".into(), owner: 0, expires_at_us: 1_010_000 }));
        r.on_msg(&mut t.ctx(), 1, Msg::Set { value: "c2-b".into(), ttl_us: 1_000_000, req: 8 });
        assert_eq!(t.take(), vec![Effect::Send { to: 1, msg: Msg::SetNil { req: 8 } }]);
        // WAIT 1 before the replica has it: pending, with its timeout.
        r.on_msg(&mut t.ctx(), 0, Msg::Wait { offset: 1, req: 9 });
        assert_eq!(t.take(), vec![Effect::SetTimer { after_us: 50_000, timer: Timer::WaitTimeout(9) }]);
        // The replication tick sends the key; the acknowledgement answers the WAIT.
        r.on_timer(&mut t.ctx(), Timer::ReplTick);
        let set = Op::Set { value: "c1-a".into(), owner: 0, expires_at_us: 1_010_000 };
        assert_eq!(
            t.take(),
            vec![
                Effect::Send { to: 3, msg: Msg::Replicate { ops: vec![(1, set)] } },
                Effect::SetTimer { after_us: 100_000, timer: Timer::ReplTick },
            ]
        );
        r.on_msg(&mut t.ctx(), 3, Msg::ReplAck { offset: 1 });
        assert_eq!(t.take(), vec![Effect::Send { to: 0, msg: Msg::Waited { replicas: 1, req: 9 } }]);
        // A replica refuses writes.
        let mut replica = Redis { role: Role::Replica { master: 2 }, ..primary(false) };
        replica.on_msg(&mut t.ctx(), 1, Msg::Set { value: "c2-b".into(), ttl_us: 1, req: 3 });
        assert_eq!(t.take(), vec![Effect::Send { to: 1, msg: Msg::Refused { why: "READONLY: not the primary", req: 3 } }]);
    }

    /// A promoted replica judges a replicated expiry by its own clock; with delayed-start it refuses the lock for
    /// a TTL after its promotion.
    #[test]
    fn a_promoted_replica_expires_by_its_own_clock_and_may_wait_out_the_ttl() {
        let mut r = Redis { role: Role::Replica { master: 2 }, ..primary(true) };
        r.lock = Some(Key { value: "c1-a".into(), owner: 0, expires_at_us: 1_010_000 });
        let mut t = T::new(3, 1_200_000, 1);
        assert_eq!(r.live_lock(1_200_000), None, "expired by this node's clock");
        r.on_msg(&mut t.ctx(), 4, Msg::Promote);
        assert_eq!((r.role, r.refuse_until_us), (Role::Primary, Some(2_200_000)));
        t.take();
        r.on_msg(&mut t.ctx(), 1, Msg::Set { value: "c2-b".into(), ttl_us: 1_000_000, req: 5 });
        assert_eq!(
            t.take(),
            vec![Effect::Send { to: 1, msg: Msg::Refused { why: "LOADING: a new primary waits out the TTL", req: 5 } }]
        );
    }
}
