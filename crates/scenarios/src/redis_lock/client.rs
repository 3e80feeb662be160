//! A client of the lock: acquire with `SET NX PX`, read-modify-write the counter on the storage service, release.
//!
//! The client believes it holds the lock from the moment Redis answers OK until it releases it (or the storage
//! tells it, by rejecting its token, that it lost it). It never learns of its own pauses: that is the point.

use super::msg::{Msg, Timer};
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Node, NodeId, NodeView, Tone, US_PER_MS};

type C<'a> = Ctx<'a, Msg, Timer>;

/// How every client behaves (from the scenario's parameters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub redis: NodeId,
    pub storage: NodeId,
    pub ttl_ms: u64,
    pub work_ms: u64,
    pub retry_ms: u64,
    pub start_jitter_ms: u64,
    pub rounds: u32,
    pub safe_release: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before its first attempt (clients start at random times).
    Waiting,
    /// `SET NX PX` sent, waiting for the answer.
    Acquiring,
    /// The lock was taken; waiting before the next try.
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
    /// Its own clock's reading when the lease ends (acquire time + TTL): the client could check it, but a pause
    /// may strike between any check and the write.
    pub until_local_us: i64,
    pub token: Option<u64>,
    /// The step at which Redis's OK arrived, for invariants that point at causes.
    pub acquired_step: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// 1-based, as learners count.
    pub number: u32,
    pub cfg: ClientConfig,
    pub phase: Phase,
    pub round: u32,
    pub attempts: u32,
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
            belief: None,
            read: None,
            writes_accepted: 0,
            writes_rejected: 0,
        }
    }

    /// The unique value this client stores in the key for this round (`c1:1`), so that a safe release can tell
    /// its own lock from someone else's.
    pub fn lock_value(&self) -> String {
        format!("c{}:{}", self.number, self.round + 1)
    }

    pub fn believes_it_holds(&self) -> bool {
        self.belief.is_some()
    }

    fn try_acquire(&mut self, ctx: &mut C<'_>) {
        self.attempts += 1;
        self.phase = Phase::Acquiring;
        ctx.send(self.cfg.redis, Msg::Set { value: self.lock_value(), px_ms: self.cfg.ttl_ms });
    }

    /// Exponential backoff (doubling up to 4×) with jitter, all drawn from this client's stream.
    fn backoff_us(&self, ctx: &mut C<'_>) -> u64 {
        let base = self.cfg.retry_ms * US_PER_MS;
        let factor = 1u64 << self.attempts.saturating_sub(1).min(2);
        base * factor + ctx.random_between(0, base / 2)
    }

    fn stop_believing(&mut self, ctx: &mut C<'_>) {
        if self.belief.take().is_some() {
            ctx.span_close("lock");
        }
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
}

impl Node for Client {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        let delay = ctx.random_between(0, self.cfg.start_jitter_ms * US_PER_MS);
        ctx.set_timer(delay, Timer::Begin);
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Begin | Timer::Retry => self.try_acquire(ctx),
            Timer::WorkDone => {
                if let (Some(b), Some((value, _))) = (&self.belief, self.read) {
                    self.phase = Phase::Writing;
                    let token = b.token;
                    ctx.send(self.cfg.storage, Msg::Write { token, value: value + 1 });
                }
            }
            Timer::Expire { .. } => {}
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        match msg {
            Msg::SetOk { token } => {
                self.belief = Some(Belief {
                    until_local_us: ctx.now_us() + (self.cfg.ttl_ms * US_PER_MS) as i64,
                    token,
                    acquired_step: ctx.step(),
                });
                let label = match token {
                    Some(t) => format!("believes it holds the lock (token {t})"),
                    None => "believes it holds the lock".to_string(),
                };
                ctx.span_open("lock", label, Tone::Info);
                self.phase = Phase::Reading;
                ctx.send(self.cfg.storage, Msg::Read { token });
            }
            Msg::SetNil => {
                self.phase = Phase::BackingOff;
                let wait = self.backoff_us(ctx);
                ctx.set_timer(wait, Timer::Retry);
            }
            Msg::ReadOk { value, version } => {
                if self.belief.is_some() {
                    self.read = Some((value, version));
                    self.phase = Phase::Working;
                    ctx.set_timer(self.cfg.work_ms * US_PER_MS, Timer::WorkDone);
                }
            }
            Msg::WriteOk { .. } => {
                self.writes_accepted += 1;
                self.stop_believing(ctx);
                self.phase = Phase::Releasing;
                let value = self.cfg.safe_release.then(|| self.lock_value());
                ctx.send(self.cfg.redis, Msg::Release { value });
            }
            Msg::Rejected { .. } => {
                self.writes_rejected += 1;
                self.stop_believing(ctx);
                ctx.note("my token is stale: someone else holds the lock now; I give up this round", Tone::Warn);
                self.finish_round(ctx);
            }
            Msg::Released { .. } => self.finish_round(ctx),
            Msg::Set { .. } | Msg::Release { .. } | Msg::Read { .. } | Msg::Write { .. } => {}
        }
    }

    fn recover(&self) -> Self {
        // A client keeps nothing across a crash: it starts over, holding nothing.
        Client::new(self.number, self.cfg.clone())
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, tone) = match self.phase {
            Phase::Waiting => ("waiting to start", Tone::Neutral),
            Phase::Acquiring => ("asking Redis for the lock", Tone::Neutral),
            Phase::BackingOff => ("lock taken: backing off", Tone::Neutral),
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
        if let Some(b) = &self.belief {
            fields.push(("lock value".into(), self.lock_value()));
            if let Some(t) = b.token {
                fields.push(("fencing token".into(), t.to_string()));
            }
            let left = b.until_local_us - now_local_us;
            let ttl =
                if left >= 0 { fmt_us(left) } else { format!("expired {} ago — it does not know", fmt_us(-left)) };
            fields.push(("TTL left (its own clock)".into(), ttl));
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
    use faultline_sim::{Effect, TestCtx};

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
                rounds: 1,
                safe_release,
            },
        )
    }

    #[test]
    fn begins_with_set_nx_px_and_a_unique_value() {
        let mut c = client(true);
        let mut t = TestCtx::new(0, 0, 1);
        c.on_timer(&mut t.ctx(), Timer::Begin);
        assert_eq!(t.take(), vec![Effect::Send { to: 2, msg: Msg::Set { value: "c1:1".into(), px_ms: 500 } }]);
        assert_eq!(c.phase, Phase::Acquiring);
    }

    #[test]
    fn on_ok_it_believes_and_reads_with_its_token() {
        let mut c = client(true);
        let mut t = TestCtx::new(0, 7_000, 1);
        t.step = 12;
        c.on_msg(&mut t.ctx(), 2, Msg::SetOk { token: Some(34) });
        assert_eq!(
            t.take(),
            vec![
                Effect::SpanOpen {
                    key: "lock",
                    label: "believes it holds the lock (token 34)".into(),
                    tone: Tone::Info
                },
                Effect::Send { to: 3, msg: Msg::Read { token: Some(34) } },
            ]
        );
        assert_eq!(c.belief, Some(Belief { until_local_us: 507_000, token: Some(34), acquired_step: 12 }));
    }

    #[test]
    fn refused_set_backs_off_exponentially_with_jitter() {
        let mut c = client(true);
        let mut waits = Vec::new();
        for _ in 0..5 {
            let mut t = TestCtx::new(0, 0, 9);
            c.on_timer(&mut t.ctx(), Timer::Retry);
            c.on_msg(&mut t.ctx(), 2, Msg::SetNil);
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
        let mut c = client(true);
        let mut t = TestCtx::new(0, 0, 1);
        c.on_msg(&mut t.ctx(), 2, Msg::SetOk { token: Some(3) });
        c.on_msg(&mut t.ctx(), 3, Msg::ReadOk { value: 41, version: 41 });
        t.effects.clear();
        t.now_us = 10_000_000; // long after the TTL: the client does not look
        c.on_timer(&mut t.ctx(), Timer::WorkDone);
        assert_eq!(t.take(), vec![Effect::Send { to: 3, msg: Msg::Write { token: Some(3), value: 42 } }]);
    }

    #[test]
    fn release_is_compare_and_delete_when_safe_and_plain_del_when_not() {
        for (safe, expect) in [(true, Some("c1:1".to_string())), (false, None)] {
            let mut c = client(safe);
            let mut t = TestCtx::new(0, 0, 1);
            c.on_msg(&mut t.ctx(), 2, Msg::SetOk { token: None });
            t.effects.clear();
            c.on_msg(&mut t.ctx(), 3, Msg::WriteOk { version: 1 });
            assert_eq!(
                t.take(),
                vec![Effect::SpanClose { key: "lock" }, Effect::Send { to: 2, msg: Msg::Release { value: expect } }]
            );
        }
    }

    #[test]
    fn a_rejected_token_ends_the_belief_without_releasing() {
        let mut c = client(false);
        let mut t = TestCtx::new(0, 0, 1);
        c.on_msg(&mut t.ctx(), 2, Msg::SetOk { token: Some(1) });
        t.effects.clear();
        c.on_msg(&mut t.ctx(), 3, Msg::Rejected { op: super::super::msg::Op::Write, token: 1, highest: 2 });
        assert!(!c.believes_it_holds());
        assert_eq!(c.phase, Phase::Done);
        assert!(t.sent().is_empty(), "it must not DEL a lock that is someone else's");
    }
}
