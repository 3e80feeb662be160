//! A client that takes the lock through Sentinel: it asks Sentinel where the master is, sends `SET lock <random
//! value> NX PX <ttl>` there, and — holding the lock — reads the counter, computes for `work_ms`, writes it back
//! plus one, and releases with compare-and-delete. One round each. With `wait`, it sends `WAIT 1` after the SET and
//! proceeds only if the replica has the key (otherwise it releases and tries again); with `fencing`, it first
//! asks the storage for a token and sends it with every read and write. A request that goes unanswered makes it
//! ask Sentinel again and start over with a new lock value; it counts its lease from when it sent the SET.

use super::msg::{Msg, Req, Timer};
use super::FailoverDisk;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, FailoverDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub sentinel: NodeId,
    pub storage: NodeId,
    pub ttl_us: u64,
    pub work_us: u64,
    pub retry_us: u64,
    pub reply_timeout_us: u64,
    pub start_jitter_us: u64,
    pub wait: bool,
    pub fencing: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    AskMaster(Req),
    Setting(Req),
    Waiting(Req),
    Token(Req),
    Reading(Req),
    Working { value: i64 },
    Writing(Req),
    Releasing(Req),
    Done,
}

impl Phase {
    fn req(self) -> Option<Req> {
        match self {
            Phase::AskMaster(r)
            | Phase::Setting(r)
            | Phase::Waiting(r)
            | Phase::Token(r)
            | Phase::Reading(r)
            | Phase::Writing(r)
            | Phase::Releasing(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub number: u32,
    pub cfg: ClientConfig,
    /// Random per process: tells requests of a restarted process apart.
    pub incarnation: u32,
    pub seq: u32,
    pub master: Option<NodeId>,
    pub phase: Phase,
    /// The lock value of this attempt.
    pub value: String,
    /// It believes it holds the lock.
    pub holds: bool,
    pub token: Option<u64>,
    pub tries: u32,
    /// When (its clock) it sent the SET that was granted: its lease counts from there.
    pub set_sent_us: i64,
}

impl Client {
    pub fn new(number: u32, cfg: ClientConfig) -> Self {
        Client {
            number,
            cfg,
            incarnation: 0,
            seq: 0,
            master: None,
            phase: Phase::Idle,
            value: String::new(),
            holds: false,
            token: None,
            tries: 0,
            set_sent_us: 0,
        }
    }

    fn next_req(&mut self) -> Req {
        self.seq += 1;
        (u64::from(self.incarnation) << 32) | u64::from(self.seq)
    }

    /// Send `msg` (built with a fresh request id) and wait for its reply in `phase`.
    fn ask(&mut self, ctx: &mut C<'_>, to: NodeId, msg: impl FnOnce(Req) -> Msg, phase: impl FnOnce(Req) -> Phase) {
        let req = self.next_req();
        ctx.send(to, msg(req));
        ctx.set_timer(self.cfg.reply_timeout_us, Timer::GiveUp(req));
        self.phase = phase(req);
    }

    fn attempt(&mut self, ctx: &mut C<'_>) {
        match self.master {
            None => self.ask(ctx, self.cfg.sentinel, |req| Msg::GetMaster { req }, Phase::AskMaster),
            Some(m) => {
                self.value = format!("c{}-{:04x}", self.number, ctx.random_between(0, 0xffff));
                self.set_sent_us = ctx.now_us();
                let (value, ttl_us) = (self.value.clone(), self.cfg.ttl_us);
                self.ask(ctx, m, |req| Msg::Set { value, ttl_us, req }, Phase::Setting);
            }
        }
    }

    fn backoff(&mut self, ctx: &mut C<'_>) {
        self.tries += 1;
        let base = self.cfg.retry_us << self.tries.min(2);
        let jitter = ctx.random_between(0, base / 2);
        self.phase = Phase::Idle;
        ctx.set_timer(base + jitter, Timer::Try);
    }

    /// The lock is its own: (with fencing, get a token, then) read.
    fn proceed(&mut self, ctx: &mut C<'_>) {
        self.holds = true;
        let left = self.set_sent_us + self.cfg.ttl_us as i64 - ctx.now_us();
        ctx.set_timer(left.max(0) as u64, Timer::LeaseOver);
        if self.cfg.fencing {
            self.ask(ctx, self.cfg.storage, |req| Msg::Token { req }, Phase::Token);
        } else {
            self.ask(ctx, self.cfg.storage, |req| Msg::Read { token: None, req }, Phase::Reading);
        }
    }

    fn stop_holding(&mut self, ctx: &mut C<'_>) {
        self.holds = false;
        ctx.cancel_timer(Timer::LeaseOver);
    }

    fn release(&mut self, ctx: &mut C<'_>) {
        match self.master {
            Some(m) => {
                let value = self.value.clone();
                self.ask(ctx, m, |req| Msg::Del { value, req }, Phase::Releasing);
            }
            None => self.phase = Phase::Done,
        }
    }
}

impl Node for Client {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = FailoverDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.incarnation = ctx.random_between(1, u64::from(u32::MAX)) as u32;
        let jitter = ctx.random_between(0, self.cfg.start_jitter_us);
        ctx.set_timer(jitter, Timer::Try);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let Some(req) = self.phase.req() else { return };
        let reply_req = match &msg {
            Msg::Master { req, .. }
            | Msg::SetOk { req, .. }
            | Msg::SetNil { req }
            | Msg::Refused { req, .. }
            | Msg::Waited { req, .. }
            | Msg::Deleted { req, .. }
            | Msg::TokenOk { req, .. }
            | Msg::ReadOk { req, .. }
            | Msg::WriteOk { req, .. }
            | Msg::Rejected { req, .. } => *req,
            _ => return,
        };
        if reply_req != req {
            return; // a late reply to a request it no longer waits for
        }
        ctx.cancel_timer(Timer::GiveUp(req));
        match msg {
            Msg::Master { node, .. } => {
                self.master = Some(node);
                self.attempt(ctx);
            }
            Msg::SetOk { offset, .. } if self.cfg.wait => {
                self.ask(ctx, from, |req| Msg::Wait { offset, req }, Phase::Waiting);
            }
            Msg::SetOk { .. } => self.proceed(ctx),
            Msg::Waited { replicas: 1.., .. } => self.proceed(ctx),
            // The replica does not have the key: a failover could lose it. Let it go and try again later.
            Msg::Waited { .. } => {
                let value = self.value.clone();
                let req = self.next_req();
                ctx.send(from, Msg::Del { value, req });
                self.backoff(ctx);
            }
            Msg::SetNil { .. } => self.backoff(ctx),
            Msg::Refused { why, .. } => {
                if why.starts_with("READONLY") {
                    self.master = None;
                }
                // A release that reaches a replica is over: the key expires by itself.
                if matches!(self.phase, Phase::Releasing(_)) {
                    self.phase = Phase::Done;
                } else {
                    self.backoff(ctx);
                }
            }
            Msg::TokenOk { token, .. } => {
                self.token = Some(token);
                let t = self.token;
                self.ask(ctx, self.cfg.storage, |req| Msg::Read { token: t, req }, Phase::Reading);
            }
            Msg::ReadOk { value, .. } => {
                self.phase = Phase::Working { value };
                ctx.set_timer(self.cfg.work_us, Timer::Work);
            }
            Msg::WriteOk { .. } => {
                self.stop_holding(ctx);
                self.release(ctx);
            }
            Msg::Rejected { .. } => {
                self.stop_holding(ctx);
                self.phase = Phase::Done;
            }
            Msg::Deleted { .. } => self.phase = Phase::Done,
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Try if self.phase == Phase::Idle => self.attempt(ctx),
            Timer::LeaseOver => self.holds = false,
            // The computation is done: write, without checking the lease again.
            Timer::Work => {
                if let Phase::Working { value } = self.phase {
                    let t = self.token;
                    self.ask(ctx, self.cfg.storage, |req| Msg::Write { token: t, value: value + 1, req }, Phase::Writing);
                }
            }
            Timer::GiveUp(req) if self.phase.req() == Some(req) => {
                // No answer: the node may be down. Ask Sentinel again and start over, with a new lock value.
                self.master = None;
                if self.phase == Phase::Releasing(req) {
                    self.phase = Phase::Done;
                    return;
                }
                self.stop_holding(ctx);
                self.token = None;
                self.backoff(ctx);
            }
            _ => {}
        }
    }

    fn restart(&self, _: &FailoverDisk) -> Self {
        Client::new(self.number, self.cfg.clone())
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let (status, tone) = match (self.holds, self.phase) {
            (true, _) => ("holds the lock".to_string(), Tone::Good),
            (false, Phase::Done) => ("done".to_string(), Tone::Neutral),
            (false, Phase::Working { .. } | Phase::Writing(_)) => ("works without the lock".to_string(), Tone::Bad),
            _ => ("wants the lock".to_string(), Tone::Neutral),
        };
        let mut fields = vec![("lock value".to_string(), self.value.clone())];
        if let Some(t) = self.token {
            fields.push(("fencing token".into(), t.to_string()));
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
                out.span_open("holds", format!("believes it holds the lock ({})", self.value), Tone::Good);
            }
        }
        if let Input::Msg { msg: Msg::Waited { replicas: 0, .. }, .. } = step.input {
            out.note("WAIT: no replica has the key — releases it and tries again", Tone::Warn);
        }
    }
}
