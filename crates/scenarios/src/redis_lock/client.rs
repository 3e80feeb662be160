//! A client of the lock: acquire with `SET NX PX`, read-modify-write the counter on the storage service, release.
//!
//! Each round it draws a new lock value from its own random stream (`c1-3f9a02c4`): unique across clients,
//! rounds and restarts, as the Redis documentation asks, so that the safe release can never delete a lock that
//! a later round — or a later incarnation of the same client — took. It waits for one reply at a time, matches it
//! to the request it sent and ignores any other (a late reply to an earlier request), and gives up on a request
//! after `reply_timeout_ms`.
//!
//! The client believes it holds the lock from the moment Redis answers OK until it releases it (or the storage
//! tells it, by rejecting its token, that it lost it). It counts the lease from when it *sent* the SET, not from
//! when the OK arrived: the key may have been set at any moment in between, so only the send time is a safe
//! lower bound (the Redis documentation and Redlock count validity the same way). It never learns of its own
//! pauses: that is the point.

use super::disk::Disk;
use super::msg::{Msg, Op, Req, Timer};
use faultline_sim::fault::{fmt_us, Us};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, US_PER_MS};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

/// How every client behaves (from the scenario's parameters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub redis: NodeId,
    pub storage: NodeId,
    pub ttl_ms: u64,
    pub work_ms: u64,
    pub retry_ms: u64,
    pub start_jitter_ms: u64,
    pub reply_timeout_ms: u64,
    pub rounds: u32,
    pub safe_release: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Before its first attempt (clients start at random times).
    #[default]
    Waiting,
    /// `SET NX PX` sent, waiting for the answer.
    Acquiring,
    /// The lock was taken (or Redis did not answer); waiting before the next try.
    BackingOff,
    /// Holds the lock (it believes): reading the counter.
    Reading,
    /// Holds the lock (it believes): computing the new value.
    Working,
    /// Holds the lock (it believes): writing the new value.
    Writing,
    /// Releasing the lock.
    Releasing,
    /// Between rounds.
    Resting,
    Done,
}

/// The lease a client believes it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Belief {
    /// Its own clock's reading when the lease ends: the time it *sent* the SET plus the TTL. The client could
    /// check it, but a pause may strike between any check and the write.
    pub until_local_us: i64,
    pub token: Option<u64>,
}

/// The one request a client waits for (its reply timeout is the client's `Timer::ReplyTimeout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub req: Req,
    /// The client's clock when it sent the request.
    pub sent_local_us: i64,
}

/// What the narration compares across a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientLook {
    pub phase: Phase,
    pub pending: Option<Req>,
    pub believes: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// 1-based, as learners count.
    pub number: u32,
    pub cfg: ClientConfig,
    pub phase: Phase,
    pub round: u32,
    pub attempts: u32,
    /// This process's identity, drawn when it starts: a restarted client is a new incarnation.
    pub incarnation: u32,
    /// Requests this incarnation has sent.
    pub requests: u32,
    pub pending: Option<Pending>,
    /// The value it stores in the key this round (empty before the first round).
    pub value: String,
    pub belief: Option<Belief>,
    pub read: Option<(i64, u64)>,
    pub writes_accepted: u32,
    pub writes_rejected: u32,
}

impl Client {
    pub fn new(number: u32, cfg: ClientConfig) -> Self {
        Client {
            number,
            cfg,
            phase: Phase::Waiting,
            round: 0,
            attempts: 0,
            incarnation: 0,
            requests: 0,
            pending: None,
            value: String::new(),
            belief: None,
            read: None,
            writes_accepted: 0,
            writes_rejected: 0,
        }
    }

    /// The value this client stores in the key this round, so that a safe release can tell its own lock from
    /// anyone else's.
    pub fn lock_value(&self) -> &str {
        &self.value
    }

    pub fn believes_it_holds(&self) -> bool {
        self.belief.is_some()
    }

    /// Send a request and wait for its reply (or the timeout).
    fn request(&mut self, ctx: &mut C<'_>, to: NodeId, msg: impl FnOnce(Req) -> Msg) {
        self.requests += 1;
        let req = (u64::from(self.incarnation) << 32) | u64::from(self.requests);
        ctx.set_timer(self.cfg.reply_timeout_ms * US_PER_MS, Timer::ReplyTimeout);
        self.pending = Some(Pending { req, sent_local_us: ctx.now_us() });
        ctx.send(to, msg(req));
    }

    fn try_acquire(&mut self, ctx: &mut C<'_>) {
        self.attempts += 1;
        self.phase = Phase::Acquiring;
        let (value, px_ms) = (self.value.clone(), self.cfg.ttl_ms);
        self.request(ctx, self.cfg.redis, |req| Msg::Set { value, px_ms, req });
    }

    /// Exponential backoff (doubling up to 4×) with jitter, all drawn from this client's stream.
    fn back_off(&mut self, ctx: &mut C<'_>) {
        self.phase = Phase::BackingOff;
        let base = self.cfg.retry_ms * US_PER_MS;
        let factor = 1u64 << self.attempts.saturating_sub(1).min(2);
        let wait = base * factor + ctx.random_between(0, base / 2);
        ctx.set_timer(wait, Timer::Retry);
    }

    fn stop_believing(&mut self) {
        self.belief = None;
    }

    fn release(&mut self, ctx: &mut C<'_>) {
        self.phase = Phase::Releasing;
        let value = self.cfg.safe_release.then(|| self.value.clone());
        self.request(ctx, self.cfg.redis, |req| Msg::Release { value, req });
    }

    fn finish_round(&mut self, ctx: &mut C<'_>) {
        self.round += 1;
        self.attempts = 0;
        self.read = None;
        if self.round < self.cfg.rounds {
            self.phase = Phase::Resting;
            let rest = ctx.random_between(0, self.cfg.retry_ms * US_PER_MS);
            ctx.set_timer(rest, Timer::Begin);
        } else {
            self.phase = Phase::Done;
        }
    }

    /// Handle the reply to the pending request.
    fn on_reply(&mut self, ctx: &mut C<'_>, msg: Msg, pending: Pending) {
        match msg {
            Msg::SetOk { token, .. } => {
                self.belief = Some(Belief {
                    until_local_us: pending.sent_local_us + (self.cfg.ttl_ms * US_PER_MS) as i64,
                    token,
                });
                self.phase = Phase::Reading;
                self.request(ctx, self.cfg.storage, |req| Msg::Read { token, req });
            }
            Msg::SetNil { .. } => self.back_off(ctx),
            Msg::ReadOk { value, version, .. } => {
                self.read = Some((value, version));
                self.phase = Phase::Working;
                ctx.set_timer(self.cfg.work_ms * US_PER_MS, Timer::WorkDone);
            }
            Msg::WriteOk { .. } => {
                self.writes_accepted += 1;
                self.stop_believing();
                self.release(ctx);
            }
            Msg::Rejected { op, .. } => {
                if op == Op::Write {
                    self.writes_rejected += 1;
                }
                self.stop_believing();
                self.finish_round(ctx);
            }
            Msg::Released { .. } => self.finish_round(ctx),
            Msg::Set { .. } | Msg::Release { .. } | Msg::Read { .. } | Msg::Write { .. } => {}
        }
    }
}

impl Node for Client {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.incarnation = ctx.random_between(1, u64::from(u32::MAX)) as u32;
        let delay = ctx.random_between(0, self.cfg.start_jitter_ms * US_PER_MS);
        ctx.set_timer(delay, Timer::Begin);
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Begin => {
                self.value = format!("c{}-{:08x}", self.number, ctx.random_between(0, u64::from(u32::MAX)));
                self.try_acquire(ctx);
            }
            Timer::Retry => self.try_acquire(ctx),
            Timer::WorkDone => {
                if let (Phase::Working, Some(b), Some((value, _))) = (self.phase, &self.belief, self.read) {
                    self.phase = Phase::Writing;
                    let token = b.token;
                    self.request(ctx, self.cfg.storage, |req| Msg::Write { token, value: value + 1, req });
                }
            }
            Timer::ReplyTimeout => {
                self.pending = None;
                match self.phase {
                    Phase::Acquiring => self.back_off(ctx),
                    Phase::Reading | Phase::Writing => {
                        self.stop_believing();
                        self.release(ctx);
                    }
                    _ => self.finish_round(ctx),
                }
            }
            Timer::Expire { .. } | Timer::Fsync => {}
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        let Some(req) = msg.reply_to() else { return };
        match self.pending.take() {
            Some(p) if p.req == req => {
                ctx.cancel_timer(Timer::ReplyTimeout);
                self.on_reply(ctx, msg, p);
            }
            other => self.pending = other,
        }
    }

    fn restart(&self, _disk: &Disk) -> Self {
        // A client persists nothing: it starts over as a new incarnation, holding nothing.
        Client::new(self.number, self.cfg.clone())
    }

    type Look = ClientLook;

    fn look(&self) -> ClientLook {
        ClientLook { phase: self.phase, pending: self.pending.as_ref().map(|p| p.req), believes: self.belief.is_some() }
    }

    /// The lane's bar is the belief; notes say why a round ended early or a reply was ignored.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let before = step.before;
        match (&self.belief, before.believes) {
            (Some(b), false) => {
                let label = match b.token {
                    Some(t) => format!("believes it holds the lock (token {t})"),
                    None => "believes it holds the lock".to_string(),
                };
                out.span_open("lock", label, Tone::Info);
            }
            (None, true) => out.span_close("lock"),
            _ => {}
        }
        match step.input {
            Input::Msg { msg, .. } => match msg.reply_to() {
                Some(req) if before.pending != Some(req) => {
                    out.note("a late reply to a request I no longer wait for: ignored", Tone::Neutral)
                }
                Some(_) if matches!(msg, Msg::Rejected { .. }) => {
                    out.note("my token is stale: someone else holds the lock now; I give up this round", Tone::Warn)
                }
                _ => {}
            },
            Input::Timer(Timer::ReplyTimeout) => {
                let waited = Us((self.cfg.reply_timeout_ms * US_PER_MS) as i64);
                let text = match before.phase {
                    Phase::Acquiring => format!("no answer from Redis in {waited}: I back off and try again"),
                    Phase::Reading | Phase::Writing => {
                        format!("no answer from the storage in {waited}: I give up this round and release")
                    }
                    _ => format!("no answer to my release in {waited}: the lock will expire by its TTL"),
                };
                out.note(text, Tone::Warn);
            }
            _ => {}
        }
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, tone) = match self.phase {
            Phase::Waiting => ("waiting to start", Tone::Neutral),
            Phase::Acquiring => ("asking Redis for the lock", Tone::Neutral),
            Phase::BackingOff => ("no lock: backing off", Tone::Neutral),
            Phase::Reading => ("holds the lock: reading", Tone::Info),
            Phase::Working => ("holds the lock: working", Tone::Info),
            Phase::Writing => ("holds the lock: writing", Tone::Info),
            Phase::Releasing => ("releasing the lock", Tone::Neutral),
            Phase::Resting => ("resting before the next round", Tone::Neutral),
            Phase::Done => ("done", Tone::Good),
        };
        let mut fields = vec![(
            "believes it holds the lock".to_string(),
            if self.believes_it_holds() { "yes" } else { "no" }.to_string(),
        )];
        if !self.value.is_empty() {
            fields.push(("lock value (this round)".into(), self.value.clone()));
        }
        if let Some(b) = &self.belief {
            if let Some(t) = b.token {
                fields.push(("fencing token".into(), t.to_string()));
            }
            let left = b.until_local_us - now_local_us;
            let ttl =
                if left >= 0 { fmt_us(left) } else { format!("expired {} ago — it does not know", Us(-left)) };
            fields.push(("TTL left (from its SET, its own clock)".into(), ttl));
        }
        if let Some((value, version)) = self.read {
            fields.push(("counter it read".into(), format!("{value} (v{version})")));
        }
        fields.push((
            "writes accepted / rejected".into(),
            format!("{} / {}", self.writes_accepted, self.writes_rejected),
        ));
        NodeView { status: status.to_string(), tone, fields, ..NodeView::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, Shown, TestCtx};

    fn client(safe_release: bool) -> Client {
        Client::new(
            1,
            ClientConfig {
                redis: 2,
                storage: 3,
                ttl_ms: 500,
                work_ms: 100,
                retry_ms: 50,
                start_jitter_ms: 0,
                reply_timeout_ms: 1_000,
                rounds: 1,
                safe_release,
            },
        )
    }

    /// A client that has started (incarnation 7) and begun its first round with value `c1-v`.
    fn started(safe_release: bool) -> Client {
        let mut c = client(safe_release);
        c.incarnation = 7;
        c.value = "c1-v".into();
        c
    }

    const REQ1: Req = 7 << 32 | 1;

    #[test]
    fn begins_with_set_nx_px_a_fresh_random_value_and_a_reply_timeout() {
        let mut c = client(true);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
        c.on_start(&mut t.ctx());
        let inc = c.incarnation;
        assert_ne!(inc, 0, "an incarnation is drawn at start");
        t.effects.clear();
        c.on_timer(&mut t.ctx(), Timer::Begin);
        let req = u64::from(inc) << 32 | 1;
        let value = c.value.clone();
        assert!(value.starts_with("c1-") && value.len() == 11, "{value}");
        assert_eq!(
            t.take(),
            vec![
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::ReplyTimeout },
                Effect::Send { to: 2, msg: Msg::Set { value: value.clone(), px_ms: 500, req } },
            ]
        );
        assert_eq!(c.phase, Phase::Acquiring);
        // The next round takes a new value; a restarted client is a new incarnation with new values.
        c.on_timer(&mut t.ctx(), Timer::Begin);
        assert_ne!(c.value, value);
        let mut again = c.restart(&Disk::Nothing);
        again.on_start(&mut t.ctx());
        assert_ne!(again.incarnation, inc);
    }

    #[test]
    fn on_ok_it_believes_from_when_it_sent_the_set_and_reads_with_its_token() {
        let mut c = started(true);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 2_000, 1);
        c.on_timer(&mut t.ctx(), Timer::Retry);
        t.effects.clear();
        t.now_us = 7_000;
        t.step = 12;
        let before = c.look();
        let ok = Msg::SetOk { token: Some(34), req: REQ1 };
        c.on_msg(&mut t.ctx(), 2, ok.clone());
        let shown = t.narration(&c, &before, Input::Msg { from: 2, msg: &ok });
        assert_eq!(
            shown.shown(),
            [Shown::SpanOpen { key: "lock", label: "believes it holds the lock (token 34)".into(), tone: Tone::Info }],
            "its bar on the lane begins"
        );
        assert_eq!(
            t.take(),
            vec![
                Effect::CancelTimer { timer: Timer::ReplyTimeout },
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::ReplyTimeout },
                Effect::Send { to: 3, msg: Msg::Read { token: Some(34), req: REQ1 + 1 } },
            ]
        );
        // Sent at 2 ms: the lease it can count on ends at 502 ms, not 507 ms.
        assert_eq!(c.belief, Some(Belief { until_local_us: 502_000, token: Some(34) }));
    }

    #[test]
    fn a_reply_to_another_request_is_ignored() {
        let mut c = started(true);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
        c.on_timer(&mut t.ctx(), Timer::Retry);
        t.effects.clear();
        // A late "(integer) 1" meant for an earlier incarnation, and an OK to an earlier SET of this one.
        for stale in [Msg::Released { deleted: true, req: 3 << 32 | 9 }, Msg::SetOk { token: None, req: REQ1 - 1 }] {
            let before = c.look();
            c.on_msg(&mut t.ctx(), 2, stale.clone());
            let shown = t.narration(&c, &before, Input::Msg { from: 2, msg: &stale });
            assert_eq!(shown.notes(), ["a late reply to a request I no longer wait for: ignored"]);
        }
        assert_eq!(t.effects, [], "no effect at all");
        assert_eq!(c.phase, Phase::Acquiring);
        assert!(c.pending.as_ref().is_some_and(|p| p.req == REQ1), "still waiting for its own reply");
        assert!(!c.believes_it_holds());
    }

    #[test]
    fn refused_set_backs_off_exponentially_with_jitter() {
        let mut c = started(true);
        let mut waits = Vec::new();
        for _ in 0..5 {
            let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 9);
            c.on_timer(&mut t.ctx(), Timer::Retry);
            let req = c.pending.as_ref().map(|p| p.req).unwrap_or_default();
            c.on_msg(&mut t.ctx(), 2, Msg::SetNil { req });
            match t.effects.last() {
                Some(Effect::SetTimer { after_us, timer: Timer::Retry, .. }) => waits.push(*after_us),
                other => panic!("expected a retry timer, got {other:?}"),
            }
        }
        for (i, w) in waits.iter().enumerate() {
            let base = 50_000 * (1 << i.min(2));
            assert!((base..=base + 25_000).contains(w), "attempt {i}: {w}");
        }
    }

    #[test]
    fn after_work_it_writes_read_value_plus_one_with_its_token_even_if_its_lease_is_long_gone() {
        let mut c = started(true);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
        c.on_timer(&mut t.ctx(), Timer::Retry);
        c.on_msg(&mut t.ctx(), 2, Msg::SetOk { token: Some(3), req: REQ1 });
        c.on_msg(&mut t.ctx(), 3, Msg::ReadOk { value: 41, version: 41, req: REQ1 + 1 });
        t.effects.clear();
        t.now_us = 10_000_000; // long after the TTL: the client does not look
        c.on_timer(&mut t.ctx(), Timer::WorkDone);
        assert_eq!(
            t.take(),
            vec![
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::ReplyTimeout },
                Effect::Send { to: 3, msg: Msg::Write { token: Some(3), value: 42, req: REQ1 + 2 } },
            ]
        );
    }

    #[test]
    fn release_is_compare_and_delete_when_safe_and_plain_del_when_not() {
        for (safe, expect) in [(true, Some("c1-v".to_string())), (false, None)] {
            let mut c = started(safe);
            c.phase = Phase::Writing;
            c.belief = Some(Belief { until_local_us: 0, token: None });
            c.requests = 1;
            c.pending = Some(Pending { req: REQ1, sent_local_us: 0 });
            let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
            let (before, ok) = (c.look(), Msg::WriteOk { version: 1, req: REQ1 });
            c.on_msg(&mut t.ctx(), 3, ok.clone());
            let shown = t.narration(&c, &before, Input::Msg { from: 3, msg: &ok });
            assert_eq!(shown.shown(), [Shown::SpanClose { key: "lock" }], "its bar ends when it lets go");
            assert_eq!(
                t.take(),
                vec![
                    Effect::CancelTimer { timer: Timer::ReplyTimeout },
                    Effect::SetTimer { after_us: 1_000_000, timer: Timer::ReplyTimeout },
                    Effect::Send { to: 2, msg: Msg::Release { value: expect, req: REQ1 + 1 } },
                ]
            );
        }
    }

    #[test]
    fn a_rejected_token_ends_the_belief_without_releasing() {
        let mut c = started(false);
        c.phase = Phase::Writing;
        c.belief = Some(Belief { until_local_us: 0, token: Some(1) });
        c.pending = Some(Pending { req: REQ1, sent_local_us: 0 });
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
        let (before, rejected) = (c.look(), Msg::Rejected { op: Op::Write, token: 1, highest: 2, req: REQ1 });
        c.on_msg(&mut t.ctx(), 3, rejected.clone());
        assert!(!c.believes_it_holds());
        assert_eq!(c.phase, Phase::Done);
        assert_eq!(t.effects, [Effect::CancelTimer { timer: Timer::ReplyTimeout }], "it must not DEL someone else's lock");
        let shown = t.narration(&c, &before, Input::Msg { from: 3, msg: &rejected });
        assert_eq!(shown.notes(), ["my token is stale: someone else holds the lock now; I give up this round"]);
    }

    #[test]
    fn no_reply_from_the_storage_gives_up_the_round_and_releases() {
        let mut c = started(true);
        c.phase = Phase::Writing;
        c.belief = Some(Belief { until_local_us: 0, token: None });
        c.requests = 1;
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(0, 0, 1);
        let before = c.look();
        c.on_timer(&mut t.ctx(), Timer::ReplyTimeout);
        let shown = t.narration(&c, &before, Input::Timer(&Timer::ReplyTimeout));
        assert_eq!(
            shown.shown(),
            [
                Shown::SpanClose { key: "lock" },
                Shown::Note {
                    text: "no answer from the storage in 1 s: I give up this round and release".into(),
                    tone: Tone::Warn
                },
            ]
        );
        assert_eq!(
            t.take(),
            [
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::ReplyTimeout },
                Effect::Send { to: 2, msg: Msg::Release { value: Some("c1-v".into()), req: REQ1 + 1 } },
            ]
        );
        assert!(!c.believes_it_holds());
    }
}
