//! A Redlock client, after the algorithm on the Redis "Distributed Locks with Redis" page:
//! 1. read the current time (its own clock);
//! 2. `SET resource <random value> NX PX <ttl>` on each master in turn, waiting at most `node_timeout_ms` for each;
//! 3. the lock is taken if a majority said OK and the time elapsed is less than the TTL — its validity is the TTL
//!    less the elapsed time less the clock drift allowance (1% of the TTL plus 2 ms);
//! 4. if not taken, release on every master (even where the SET seemed to fail) and retry after a random delay.
//!
//! Holding the lock it (optionally gets a fencing token, then) reads the counter, computes for `work_ms`, writes
//! it back plus one, and releases on every master. One round each. With `check_validity = false` it skips the
//! elapsed-time check of step 3, as a naive client would.

use super::msg::{Msg, Req, Timer};
use super::RedlockDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, RedlockDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub masters: Vec<NodeId>,
    pub tokens: NodeId,
    pub storage: NodeId,
    pub ttl_us: u64,
    pub node_timeout_us: u64,
    pub work_us: u64,
    pub retry_us: u64,
    pub reply_timeout_us: u64,
    /// When it first tries.
    pub start_us: u64,
    pub check_validity: bool,
    pub token_source: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    /// Asking master number `next` (request `req`); `oks` said OK so far.
    Acquiring { next: usize, oks: u32, req: Req },
    Token(Req),
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
    pub phase: Phase,
    pub value: String,
    /// When (its clock) it began this attempt.
    pub started_us: i64,
    /// It believes it holds the lock, until this time by its own clock.
    pub holds_until: Option<i64>,
    pub token: Option<u64>,
    /// The last attempt's tally, for its panel: OKs, and the elapsed time.
    pub last: Option<(u32, i64)>,
}

/// The clock drift allowance of the Redlock page: 1% of the TTL, plus 2 ms for the timer's resolution.
pub fn drift_us(ttl_us: u64) -> i64 {
    (ttl_us / 100 + 2_000) as i64
}

impl Client {
    pub fn new(number: u32, cfg: ClientConfig) -> Self {
        Client {
            number,
            cfg,
            incarnation: 0,
            seq: 0,
            phase: Phase::Idle,
            value: String::new(),
            started_us: 0,
            holds_until: None,
            token: None,
            last: None,
        }
    }

    pub fn holds(&self) -> bool {
        self.holds_until.is_some()
    }

    fn quorum(&self) -> u32 {
        self.cfg.masters.len() as u32 / 2 + 1
    }

    fn next_req(&mut self) -> Req {
        self.seq += 1;
        (u64::from(self.incarnation) << 32) | u64::from(self.seq)
    }

    fn attempt(&mut self, ctx: &mut C<'_>) {
        self.started_us = ctx.now_us();
        self.value = format!("c{}-{:04x}", self.number, ctx.random_between(0, 0xffff));
        self.ask(ctx, 0, 0);
    }

    /// Ask master `next`, or, past the last, decide.
    fn ask(&mut self, ctx: &mut C<'_>, next: usize, oks: u32) {
        let Some(&m) = self.cfg.masters.get(next) else { return self.decide(ctx, oks) };
        let req = self.next_req();
        ctx.send(m, Msg::Set { value: self.value.clone(), ttl_us: self.cfg.ttl_us, req });
        ctx.set_timer(self.cfg.node_timeout_us, Timer::NodeTimeout(req));
        self.phase = Phase::Acquiring { next, oks, req };
    }

    fn decide(&mut self, ctx: &mut C<'_>, oks: u32) {
        let now = ctx.now_us();
        let elapsed = now - self.started_us;
        let validity = self.cfg.ttl_us as i64 - elapsed - drift_us(self.cfg.ttl_us);
        self.last = Some((oks, elapsed));
        let in_time = validity > 0 || !self.cfg.check_validity;
        if oks >= self.quorum() && in_time {
            // Believed until the validity runs out (a naive client: the TTL from when it started).
            let until = if self.cfg.check_validity { now + validity } else { self.started_us + self.cfg.ttl_us as i64 };
            self.holds_until = Some(until);
            ctx.set_timer((until - now).max(0) as u64, Timer::ValidityOver);
            if self.cfg.token_source {
                self.request(ctx, self.cfg.tokens, |req| Msg::Token { req }, Phase::Token);
            } else {
                self.request(ctx, self.cfg.storage, |req| Msg::Read { token: None, req }, Phase::Reading);
            }
        } else {
            self.unlock_all(ctx);
            self.phase = Phase::Idle;
            let delay = ctx.random_between(self.cfg.retry_us / 2, self.cfg.retry_us);
            ctx.set_timer(delay, Timer::Try);
        }
    }

    fn unlock_all(&mut self, ctx: &mut C<'_>) {
        for &m in &self.cfg.masters {
            ctx.send(m, Msg::Unlock { value: self.value.clone() });
        }
    }

    fn request(&mut self, ctx: &mut C<'_>, to: NodeId, msg: impl FnOnce(Req) -> Msg, phase: impl FnOnce(Req) -> Phase) {
        let req = self.next_req();
        ctx.send(to, msg(req));
        ctx.set_timer(self.cfg.reply_timeout_us, Timer::GiveUp(req));
        self.phase = phase(req);
    }

    fn finish(&mut self, ctx: &mut C<'_>) {
        self.holds_until = None;
        ctx.cancel_timer(Timer::ValidityOver);
        self.unlock_all(ctx);
        self.phase = Phase::Done;
    }
}

impl Node for Client {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = RedlockDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.incarnation = ctx.random_between(1, u64::from(u32::MAX)) as u32;
        let jitter = ctx.random_between(0, 5_000);
        ctx.set_timer(self.cfg.start_us + jitter, Timer::Try);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        match (self.phase, msg) {
            (Phase::Acquiring { next, oks, req }, Msg::SetOk { req: r }) if r == req => {
                ctx.cancel_timer(Timer::NodeTimeout(req));
                self.ask(ctx, next + 1, oks + 1);
            }
            (Phase::Acquiring { next, oks, req }, Msg::SetNil { req: r }) if r == req => {
                ctx.cancel_timer(Timer::NodeTimeout(req));
                self.ask(ctx, next + 1, oks);
            }
            (Phase::Token(req), Msg::TokenOk { token, req: r }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.token = Some(token);
                self.request(ctx, self.cfg.storage, |req| Msg::Read { token: Some(token), req }, Phase::Reading);
            }
            (Phase::Reading(req), Msg::ReadOk { value, req: r, .. }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.phase = Phase::Working { value };
                ctx.set_timer(self.cfg.work_us, Timer::Work);
            }
            (Phase::Writing(req), Msg::WriteOk { req: r, .. }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.finish(ctx);
            }
            (Phase::Reading(req) | Phase::Writing(req), Msg::Rejected { req: r, .. }) if r == req => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.finish(ctx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match (self.phase, timer) {
            (Phase::Idle, Timer::Try) => self.attempt(ctx),
            (Phase::Acquiring { next, oks, req }, Timer::NodeTimeout(r)) if r == req => self.ask(ctx, next + 1, oks),
            (_, Timer::ValidityOver) => self.holds_until = None,
            // The computation is done: write, without checking the validity again.
            (Phase::Working { value }, Timer::Work) => {
                let token = self.token;
                self.request(ctx, self.cfg.storage, |req| Msg::Write { token, value: value + 1, req }, Phase::Writing);
            }
            (Phase::Token(req) | Phase::Reading(req) | Phase::Writing(req), Timer::GiveUp(r)) if r == req => {
                self.finish(ctx)
            }
            _ => {}
        }
    }

    fn restart(&self, _: &RedlockDisk) -> Self {
        Client::new(self.number, ClientConfig { start_us: 0, ..self.cfg.clone() })
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let (status, tone) = match (self.holds(), self.phase) {
            (true, _) => ("holds the lock".to_string(), Tone::Good),
            (false, Phase::Done) => ("done".to_string(), Tone::Neutral),
            (false, Phase::Working { .. } | Phase::Writing(_)) => ("works without the lock".to_string(), Tone::Bad),
            (false, Phase::Acquiring { .. }) => ("asking the masters".to_string(), Tone::Neutral),
            _ => ("wants the lock".to_string(), Tone::Neutral),
        };
        let mut fields = vec![("lock value".to_string(), self.value.clone())];
        if let Some((oks, elapsed)) = self.last {
            fields.push((
                "last attempt".into(),
                format!("{oks} of {} OK in {}", self.cfg.masters.len(), fmt_us(elapsed)),
            ));
        }
        if let Some(until) = self.holds_until {
            fields.push(("valid until (its clock)".into(), fmt_us(until)));
        }
        if let Some(t) = self.token {
            fields.push(("fencing token".into(), t.to_string()));
        }
        NodeView { status, tone, fields, ..NodeView::default() }
    }

    type Look = bool;

    fn look(&self) -> bool {
        self.holds()
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let restarted = matches!(step.input, Input::Restart { .. });
        if *step.before != self.holds() || restarted {
            if *step.before && !restarted {
                out.span_close("holds");
            }
            if self.holds() {
                out.span_open("holds", format!("believes it holds the lock ({})", self.value), Tone::Good);
            }
        }
        // The decision, in words, when the last master has answered (or timed out).
        if let (Some((oks, elapsed)), true) = (self.last, step.effects.iter().any(|e| matches!(e, faultline_sim::Effect::SetTimer { timer: Timer::ValidityOver | Timer::Try, .. }))) {
            if matches!(step.input, Input::Msg { .. } | Input::Timer(Timer::NodeTimeout(_))) {
                let (n, quorum) = (self.cfg.masters.len(), self.quorum());
                let validity = self.cfg.ttl_us as i64 - elapsed - drift_us(self.cfg.ttl_us);
                let text = if self.holds() && !self.cfg.check_validity {
                    format!("{oks} of {n} OK (quorum {quorum}) in {}: no elapsed-time check — it holds the lock", fmt_us(elapsed))
                } else if self.holds() {
                    format!("{oks} of {n} OK (quorum {quorum}) in {}: the lock is valid for {}", fmt_us(elapsed), fmt_us(validity.max(0)))
                } else if oks >= quorum {
                    format!("{oks} of {n} OK, but {} elapsed: too late — releases on every master", fmt_us(elapsed))
                } else {
                    format!("only {oks} of {n} OK (quorum {quorum}): releases on every master and retries")
                };
                out.note(text, if self.holds() { Tone::Good } else { Tone::Warn });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, RedlockDisk>;

    fn client(check_validity: bool) -> Client {
        let cfg = ClientConfig {
            masters: vec![2, 3, 4],
            tokens: 5,
            storage: 6,
            ttl_us: 1_000_000,
            node_timeout_us: 50_000,
            work_us: 500_000,
            retry_us: 200_000,
            reply_timeout_us: 500_000,
            start_us: 0,
            check_validity,
            token_source: false,
        };
        Client { incarnation: 1, ..Client::new(1, cfg) }
    }

    /// The masters are asked in turn, each with its own timeout; a majority within the validity takes the lock
    /// (valid for TTL − elapsed − drift) and starts the work; a majority too late releases everywhere.
    #[test]
    fn a_majority_in_time_takes_the_lock_and_a_late_one_releases_everywhere() {
        let mut c = client(true);
        let mut t = T::new(0, 0, 1);
        c.attempt(&mut t.ctx());
        let v = c.value.clone();
        assert_eq!(
            t.take(),
            vec![
                Effect::Send { to: 2, msg: Msg::Set { value: v.clone(), ttl_us: 1_000_000, req: (1 << 32) | 1 } },
                Effect::SetTimer { after_us: 50_000, timer: Timer::NodeTimeout((1 << 32) | 1) },
            ]
        );
        // A says OK, B times out, C says OK at 100 ms: 2 of 3, in time.
        let mut t = T::new(0, 10_000, 1);
        c.on_msg(&mut t.ctx(), 2, Msg::SetOk { req: (1 << 32) | 1 });
        c.on_timer(&mut t.ctx(), Timer::NodeTimeout((1 << 32) | 2));
        t.take();
        let mut t = T::new(0, 100_000, 1);
        c.on_msg(&mut t.ctx(), 4, Msg::SetOk { req: (1 << 32) | 3 });
        let validity = 1_000_000 - 100_000 - (10_000 + 2_000);
        assert_eq!(c.holds_until, Some(100_000 + validity));
        assert_eq!(
            t.take(),
            vec![
                Effect::CancelTimer { timer: Timer::NodeTimeout((1 << 32) | 3) },
                Effect::SetTimer { after_us: validity as u64, timer: Timer::ValidityOver },
                Effect::Send { to: 6, msg: Msg::Read { token: None, req: (1 << 32) | 4 } },
                Effect::SetTimer { after_us: 500_000, timer: Timer::GiveUp((1 << 32) | 4) },
            ]
        );
        // The same majority after 1.5 s: too late; released on every master.
        let mut late = client(true);
        let mut t = T::new(0, 0, 1);
        late.attempt(&mut t.ctx());
        let mut t = T::new(0, 1_500_000, 1);
        late.decide(&mut t.ctx(), 3);
        assert!(!late.holds());
        let unlocks = t.take().into_iter().filter(|e| matches!(e, Effect::Send { msg: Msg::Unlock { .. }, .. })).count();
        assert_eq!(unlocks, 3);
        // Without the check, the naive client believes it.
        let mut naive = client(false);
        naive.attempt(&mut T::new(0, 0, 1).ctx());
        naive.decide(&mut T::new(0, 1_500_000, 1).ctx(), 3);
        assert!(naive.holds());
    }
}
