//! A client of etcd's `concurrency` package: it opens a session (a lease with a TTL, kept alive every TTL/3), then
//! takes the mutex — its key `lock/<lease id>` created in a transaction, carrying the lease — and owns the lock
//! when no key under the prefix has a lower create revision, watching the next-lower key until it goes. Owning
//! the lock it reads the counter, computes for `work_ms`, writes it back plus one, and unlocks (deletes its key).
//! With `fencing`, its key's create revision is its token on every read and write.
//!
//! It believes it holds the lock until it unlocks, or until its session ends: no keep-alive answered for a TTL,
//! by its own clock (`Session.Done()`). Like any holder it does not check again between computing and writing.

use super::msg::{Msg, Req, Timer};
use super::EtcdDisk;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, EtcdDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub etcd: NodeId,
    pub storage: NodeId,
    pub ttl_us: u64,
    pub work_us: u64,
    pub reply_timeout_us: u64,
    pub start_us: u64,
    pub fencing: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    Granting(Req),
    Locking(Req),
    Waiting(Req),
    Reading(Req),
    Working { value: i64 },
    Writing(Req),
    Done,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub number: u32,
    pub cfg: ClientConfig,
    pub incarnation: u32,
    pub seq: u32,
    pub lease: Option<u64>,
    /// The create revision of its lock key: its place in line, and its fencing token.
    pub my_rev: u64,
    pub phase: Phase,
    pub holds: bool,
    /// Its session ends at this local time unless a keep-alive is answered.
    pub session_until: i64,
}

impl Client {
    pub fn new(number: u32, cfg: ClientConfig) -> Self {
        Client {
            number,
            cfg,
            incarnation: 0,
            seq: 0,
            lease: None,
            my_rev: 0,
            phase: Phase::Idle,
            holds: false,
            session_until: 0,
        }
    }

    pub fn key(&self) -> String {
        self.lease.map_or(String::new(), |l| format!("lock/{l:x}"))
    }

    fn next_req(&mut self) -> Req {
        self.seq += 1;
        (u64::from(self.incarnation) << 32) | u64::from(self.seq)
    }

    fn ask(&mut self, ctx: &mut C<'_>, to: NodeId, msg: impl FnOnce(Req) -> Msg, phase: impl FnOnce(Req) -> Phase) {
        let req = self.next_req();
        ctx.send(to, msg(req));
        self.phase = phase(req);
    }

    fn token(&self) -> Option<u64> {
        self.cfg.fencing.then_some(self.my_rev)
    }

    fn own(&mut self, ctx: &mut C<'_>) {
        self.holds = true;
        let token = self.token();
        self.ask(ctx, self.cfg.storage, |req| Msg::Read { token, req }, Phase::Reading);
        if let Phase::Reading(req) = self.phase {
            ctx.set_timer(self.cfg.reply_timeout_us, Timer::GiveUp(req));
        }
    }

    /// Unlock (delete its key) and end its round; the session's lease is left to expire.
    fn finish(&mut self, ctx: &mut C<'_>) {
        self.holds = false;
        if self.lease.is_some() {
            ctx.send(self.cfg.etcd, Msg::Delete { key: self.key() });
        }
        self.phase = Phase::Done;
    }

    fn session_ok(&mut self, ctx: &mut C<'_>) {
        self.session_until = ctx.now_us() + self.cfg.ttl_us as i64;
        ctx.set_timer(self.cfg.ttl_us, Timer::SessionOver);
    }
}

impl Node for Client {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = EtcdDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.incarnation = ctx.random_between(1, u64::from(u32::MAX)) as u32;
        let jitter = ctx.random_between(0, 5_000);
        ctx.set_timer(self.cfg.start_us + jitter, Timer::Start);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        let etcd = self.cfg.etcd;
        match (self.phase, msg) {
            (Phase::Granting(r), Msg::LeaseGranted { lease, req }) if r == req => {
                self.lease = Some(lease);
                self.session_ok(ctx);
                ctx.set_timer(self.cfg.ttl_us / 3, Timer::KeepAlive);
                let key = self.key();
                self.ask(ctx, etcd, |req| Msg::LockTxn { key, lease, req }, Phase::Locking);
            }
            (_, Msg::KeepAliveOk { .. }) => self.session_ok(ctx),
            (_, Msg::LeaseNotFound { .. }) => {
                // The lease is gone: the session is over, whatever it was doing.
                self.holds = false;
                ctx.cancel_timer(Timer::KeepAlive);
                if !matches!(self.phase, Phase::Working { .. } | Phase::Writing(_)) {
                    self.phase = Phase::Done;
                }
            }
            (Phase::Locking(r), Msg::TxnOk { my_rev, owner_rev, req }) if r == req => {
                self.my_rev = my_rev;
                if my_rev == owner_rev {
                    self.own(ctx);
                } else {
                    self.ask(ctx, etcd, |req| Msg::WaitDeletes { before: my_rev, req }, Phase::Waiting);
                }
            }
            (Phase::Waiting(r), Msg::NoneOlder { req }) if r == req => self.own(ctx),
            // The next-lower key went: look again (another may remain below).
            (Phase::Waiting(r), Msg::Deleted { req, .. }) if r == req => {
                let before = self.my_rev;
                self.ask(ctx, etcd, |req| Msg::WaitDeletes { before, req }, Phase::Waiting);
            }
            (Phase::Reading(r), Msg::ReadOk { value, req, .. }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.phase = Phase::Working { value };
                ctx.set_timer(self.cfg.work_us, Timer::Work);
            }
            (Phase::Writing(r), Msg::WriteOk { req, .. } | Msg::Rejected { req, .. }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.finish(ctx);
            }
            (Phase::Reading(r), Msg::Rejected { req, .. }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.finish(ctx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match (self.phase, timer) {
            (Phase::Idle, Timer::Start) => {
                let ttl_us = self.cfg.ttl_us;
                self.ask(ctx, self.cfg.etcd, |req| Msg::LeaseGrant { ttl_us, req }, Phase::Granting);
            }
            (Phase::Done, Timer::KeepAlive) => {}
            (_, Timer::KeepAlive) => {
                if let Some(lease) = self.lease {
                    let req = self.next_req();
                    ctx.send(self.cfg.etcd, Msg::KeepAlive { lease, req });
                    ctx.set_timer(self.cfg.ttl_us / 3, Timer::KeepAlive);
                }
            }
            // No keep-alive answered for a TTL: the session is over (it does not stop a write already computed).
            (_, Timer::SessionOver) => {
                self.holds = false;
                ctx.cancel_timer(Timer::KeepAlive);
                if !matches!(self.phase, Phase::Working { .. } | Phase::Writing(_)) {
                    self.phase = Phase::Done;
                }
            }
            (Phase::Working { value }, Timer::Work) => {
                let token = self.token();
                self.ask(ctx, self.cfg.storage, |req| Msg::Write { token, value: value + 1, req }, Phase::Writing);
                if let Phase::Writing(req) = self.phase {
                    ctx.set_timer(self.cfg.reply_timeout_us, Timer::GiveUp(req));
                }
            }
            (Phase::Reading(r) | Phase::Writing(r), Timer::GiveUp(g)) if r == g => self.finish(ctx),
            _ => {}
        }
    }

    fn restart(&self, _: &EtcdDisk) -> Self {
        Client::new(self.number, ClientConfig { start_us: 0, ..self.cfg.clone() })
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, tone) = match (self.holds, self.phase) {
            (true, _) => ("owns the lock".to_string(), Tone::Good),
            (false, Phase::Working { .. } | Phase::Writing(_)) => ("works without the lock".to_string(), Tone::Bad),
            (false, Phase::Waiting(_)) => ("waits for the key before it".to_string(), Tone::Neutral),
            (false, Phase::Done) => ("done".to_string(), Tone::Neutral),
            _ => ("wants the lock".to_string(), Tone::Neutral),
        };
        let mut fields = vec![("lock key".to_string(), self.key())];
        if self.my_rev > 0 {
            fields.push(("create revision".into(), self.my_rev.to_string()));
        }
        if self.lease.is_some() && self.phase != Phase::Done {
            fields.push((
                "session ends in (its clock)".into(),
                faultline_sim::fault::fmt_us((self.session_until - now_local_us).max(0)),
            ));
        }
        NodeView { status, tone, fields, ..NodeView::default() }
    }

    type Look = bool;

    fn look(&self) -> bool {
        self.holds
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let restarted = matches!(step.input, Input::Restart { .. });
        if *step.before != self.holds || restarted {
            if *step.before && !restarted {
                out.span_close("holds");
            }
            if self.holds {
                out.span_open("holds", format!("owns the lock (revision {})", self.my_rev), Tone::Good);
            }
        }
        if let (Input::Timer(Timer::Work), false) = (&step.input, self.holds) {
            out.note("writes although its session is over", Tone::Bad);
        }
    }
}
