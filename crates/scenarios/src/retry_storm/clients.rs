//! The clients: each wants its call to succeed, and on a failure (a conflicting write, a failed call) sleeps and
//! tries again, by the `backoff` rule of the AWS Architecture Blog's "Exponential Backoff and Jitter" (Marc
//! Brooker, 2015), with `attempt` the number of failures so far and `sleep` the previous sleep:
//!
//! - `none`: again at once;
//! - `exponential`: `min(cap, base · 2^attempt)`;
//! - `full-jitter`: `U(0, min(cap, base · 2^attempt))`;
//! - `equal-jitter`: half of it, plus `U(0, half)`;
//! - `decorrelated-jitter`: `min(cap, U(base, 3 · sleep))`, starting from `sleep = base`.
//!
//! With a retry budget the clients share a token bucket: every success adds 0.1 token (up to 10), every retry
//! spends one, and with less than one token left a failure is final — so that a long outage cannot multiply the
//! load by the number of attempts.

use super::msg::{Client, Kind, Msg, Timer, SERVICE};
use super::{Backoff, Workload, SAMPLE_US};
use faultline_sim::{Agenda, Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, Widget};
use rand::RngExt;

type C<'a> = Ctx<'a, Msg, Timer, ()>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientsConfig {
    pub clients: u32,
    pub workload: Workload,
    pub backoff: Backoff,
    pub base_us: u64,
    pub cap_us: u64,
    /// Attempts per call before giving up (0: no limit).
    pub max_attempts: u32,
    pub retry_budget: bool,
    /// outage: the mean think time between a client's calls.
    pub think_us: u64,
    /// A call not answered by then counts as failed.
    pub timeout_us: u64,
}

/// What a client is doing, as the population view colours it: the numbers pick the view's colours (green,
/// teal, amber, red, grey, blue), so that done is green, backing off amber, giving up red and calling blue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum ClientState {
    /// Its call succeeded at the first attempt (contention: its write is done).
    Done = 0,
    /// Its call succeeded after retries.
    DoneRetried = 1,
    /// Sleeping before a retry.
    Backoff = 2,
    /// It gave up (attempts or the budget ran out).
    GaveUp = 3,
    /// Waiting to start (contention) or thinking (outage).
    #[default]
    Idle = 4,
    /// A call in flight.
    Calling = 5,
}

impl ClientState {
    pub const LABELS: [&'static str; 6] =
        ["succeeded at once", "succeeded after retries", "backing off", "gave up", "idle", "calling"];
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot {
    pub state: ClientState,
    /// Failures of the current call so far, and the last sleep (decorrelated jitter).
    pub attempt: u32,
    pub sleep_us: u64,
    /// The version it last read.
    pub version: u64,
    pub calls: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Start (or, after a backoff, retry) a call.
    Call(Client),
    /// Call number `.1` of the client times out.
    Deadline(Client, u32),
}

#[derive(Clone, Debug)]
pub struct Clients {
    pub cfg: ClientsConfig,
    pub slots: Vec<Slot>,
    pub agenda: Agenda<Due, Timer>,
    /// The retry budget's tokens, in tenths.
    pub tokens_x10: u32,
    /// Since the start: calls made, retries, successes, give-ups; when the last success came (contention: when
    /// every client is done).
    pub calls: u64,
    pub retries: u64,
    pub successes: u64,
    pub gave_up: u64,
    pub last_success_us: i64,
    /// The most attempts one call took.
    pub max_attempts_seen: u32,
    /// How many clients are on each retry of their call now (attempt ≥ 1): the retry-storm observation asks for
    /// the highest at every step, in O(log n) rather than by reading every client.
    pub retrying: std::collections::BTreeMap<u32, u32>,
}

const TOKENS_MAX_X10: u32 = 100;

impl Clients {
    pub fn new(cfg: ClientsConfig) -> Self {
        Clients {
            slots: vec![Slot::default(); cfg.clients as usize],
            cfg,
            agenda: Agenda::default(),
            tokens_x10: TOKENS_MAX_X10,
            calls: 0,
            retries: 0,
            successes: 0,
            gave_up: 0,
            last_success_us: 0,
            max_attempts_seen: 0,
            retrying: std::collections::BTreeMap::new(),
        }
    }

    /// The highest retry any client is on now (0: none is retrying).
    pub fn highest_retry(&self) -> u32 {
        self.retrying.last_key_value().map_or(0, |(&a, _)| a)
    }

    /// Client `c` is now on attempt `to` of its call (0: no call in retry), keeping [`Self::retrying`].
    fn set_attempt(&mut self, c: Client, to: u32) {
        let Some(slot) = self.slots.get_mut(c as usize) else { return };
        let from = std::mem::replace(&mut slot.attempt, to);
        if from > 0 {
            if let std::collections::btree_map::Entry::Occupied(mut e) = self.retrying.entry(from) {
                *e.get_mut() -= 1;
                if *e.get() == 0 {
                    e.remove();
                }
            }
        }
        if to > 0 {
            *self.retrying.entry(to).or_default() += 1;
        }
    }

    /// The sleep before retry number `attempt` (1 for the first retry).
    pub fn backoff(&self, ctx: &mut C<'_>, attempt: u32, previous_us: u64) -> u64 {
        let (base, cap) = (self.cfg.base_us, self.cfg.cap_us);
        let exp = cap.min(base.saturating_mul(1u64 << (attempt - 1).min(40)));
        match self.cfg.backoff {
            Backoff::None => 0,
            Backoff::Exponential => exp,
            Backoff::FullJitter => ctx.rng().random_range(0..=exp),
            Backoff::EqualJitter => exp / 2 + ctx.rng().random_range(0..=exp / 2),
            Backoff::DecorrelatedJitter => {
                cap.min(ctx.rng().random_range(base..=previous_us.max(base).saturating_mul(3).max(base)))
            }
        }
    }

    fn think(&self, ctx: &mut C<'_>) -> i64 {
        ctx.random_exponential(self.cfg.think_us) as i64
    }

    fn call(&mut self, ctx: &mut C<'_>, c: Client) {
        let deadline = ctx.now_us() + self.cfg.timeout_us as i64;
        let Some(s) = self.slots.get_mut(c as usize) else { return };
        s.state = ClientState::Calling;
        s.calls += 1;
        self.calls += 1;
        let call = s.calls as u32;
        // Every attempt reads afresh: a version read before a sleep is stale after it.
        ctx.send(SERVICE, Msg { client: c, call, kind: Kind::Read });
        self.agenda.push(deadline, Due::Deadline(c, call));
    }

    /// Whether `call` is the client's call in flight (a reply to an earlier one it gave up on is ignored).
    fn current(&self, c: Client, call: u32) -> bool {
        self.slots.get(c as usize).is_some_and(|s| s.calls as u32 == call && s.state == ClientState::Calling)
    }

    fn succeed(&mut self, ctx: &mut C<'_>, c: Client) {
        let now = ctx.now_us();
        let next = now + self.think(ctx);
        let Some(&Slot { attempt, .. }) = self.slots.get(c as usize) else { return };
        self.set_attempt(c, 0);
        let Some(s) = self.slots.get_mut(c as usize) else { return };
        self.max_attempts_seen = self.max_attempts_seen.max(attempt + 1);
        let done = if attempt == 0 { ClientState::Done } else { ClientState::DoneRetried };
        s.sleep_us = 0;
        self.successes += 1;
        self.last_success_us = now;
        self.tokens_x10 = (self.tokens_x10 + 1).min(TOKENS_MAX_X10);
        match self.cfg.workload {
            Workload::Contention => s.state = done,
            Workload::Outage => {
                s.state = ClientState::Idle;
                self.agenda.push(next, Due::Call(c));
            }
        }
    }

    /// A call failed: retry after a backoff, or give up.
    fn fail(&mut self, ctx: &mut C<'_>, c: Client) {
        let Some(&s) = self.slots.get(c as usize) else { return };
        let attempt = s.attempt + 1;
        let out_of_attempts = self.cfg.max_attempts > 0 && attempt >= self.cfg.max_attempts;
        let out_of_budget = self.cfg.retry_budget && self.tokens_x10 < 10;
        if out_of_attempts || out_of_budget {
            let now = ctx.now_us();
            let next = now + self.think(ctx);
            self.set_attempt(c, 0);
            let slot = &mut self.slots[c as usize];
            self.max_attempts_seen = self.max_attempts_seen.max(attempt);
            slot.state = ClientState::GaveUp;
            self.gave_up += 1;
            if self.cfg.workload == Workload::Outage {
                self.agenda.push(next, Due::Call(c));
            }
            return;
        }
        if self.cfg.retry_budget {
            self.tokens_x10 -= 10;
        }
        let sleep = self.backoff(ctx, attempt, s.sleep_us);
        let at = ctx.now_us() + sleep as i64;
        self.set_attempt(c, attempt);
        let slot = &mut self.slots[c as usize];
        slot.sleep_us = sleep;
        slot.state = ClientState::Backoff;
        self.retries += 1;
        self.agenda.push(at, Due::Call(c));
    }

    fn rearm(&mut self, ctx: &mut C<'_>) {
        let slots = &self.slots;
        let live = |d: &Due| match *d {
            Due::Call(_) => true,
            Due::Deadline(c, call) => {
                slots.get(c as usize).is_some_and(|s| s.calls as u32 == call && s.state == ClientState::Calling)
            }
        };
        self.agenda.arm(ctx, live, |&(Due::Call(client) | Due::Deadline(client, _))| Timer::Next { client });
    }
}

impl Node for Clients {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = ();

    fn on_start(&mut self, ctx: &mut C<'_>) {
        for c in 0..self.cfg.clients {
            // Contention: everyone at once, as in the AWS simulator. Outage: each after a think.
            let at = match self.cfg.workload {
                Workload::Contention => ctx.now_us(),
                Workload::Outage => ctx.now_us() + self.think(ctx),
            };
            self.agenda.push(at, Due::Call(c));
        }
        self.rearm(ctx);
        ctx.set_timer(SAMPLE_US, Timer::Sample);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        let client = msg.client;
        if !self.current(client, msg.call) {
            return;
        }
        match msg.kind {
            Kind::Version(version) => match self.cfg.workload {
                Workload::Contention => {
                    if let Some(s) = self.slots.get_mut(client as usize) {
                        s.version = version;
                    }
                    ctx.send(SERVICE, msg.reply(Kind::Write(version)));
                }
                Workload::Outage => self.succeed(ctx, client),
            },
            Kind::Written => self.succeed(ctx, client),
            Kind::Conflict(version) => {
                if let Some(s) = self.slots.get_mut(client as usize) {
                    s.version = version;
                }
                self.fail(ctx, client);
            }
            Kind::Failed => self.fail(ctx, client),
            _ => {}
        }
        self.rearm(ctx);
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Next { .. } => {
                self.agenda.fired();
                match self.agenda.pop_due(ctx.now_us()) {
                    Some(Due::Call(c)) => self.call(ctx, c),
                    Some(Due::Deadline(c, call)) if self.current(c, call) => self.fail(ctx, c),
                    _ => {}
                }
                self.rearm(ctx);
            }
            Timer::Sample => ctx.set_timer(SAMPLE_US, Timer::Sample),
            Timer::Done { .. } => {}
        }
    }

    fn restart(&self, _: &()) -> Self {
        Clients::new(self.cfg.clone())
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        match step.input {
            Input::Timer(Timer::Sample) => {
                let count = |st: ClientState| self.slots.iter().filter(|s| s.state == st).count() as i64;
                out.metric("backing off", count(ClientState::Backoff));
                out.metric("succeeded", self.successes as i64);
                out.metric("retries", self.retries as i64);
                out.metric("gave up", self.gave_up as i64);
                out.metric("completed at ms", self.last_success_us / 1_000);
            }
            Input::Msg { msg: Msg { client, kind: Kind::Conflict(_) | Kind::Failed, .. }, .. } => {
                if let Some(s) = self.slots.get(*client as usize).filter(|s| s.state != ClientState::Calling) {
                    let text = match s.state {
                        ClientState::Backoff => format!("client {}: retry {} in {} ms", client + 1, s.attempt, s.sleep_us / 1_000),
                        _ => format!("client {}: gives up", client + 1),
                    };
                    out.note(text, Tone::Warn);
                }
            }
            _ => {}
        }
    }

    fn view(&self, _now: i64) -> NodeView {
        let mut counts = [0u32; ClientState::LABELS.len()];
        for s in &self.slots {
            counts[s.state as usize] += 1;
        }
        NodeView {
            status: format!("{} calls, {} retries, {} succeeded", self.calls, self.retries, self.successes),
            tone: if counts[ClientState::Backoff as usize] > 0 { Tone::Warn } else { Tone::Neutral },
            fields: ClientState::LABELS
                .iter()
                .zip(counts)
                .map(|(l, n)| (l.to_string(), n.to_string()))
                .chain(self.cfg.retry_budget.then(|| ("retry tokens".into(), format!("{}.{}", self.tokens_x10 / 10, self.tokens_x10 % 10))))
                .collect(),
            widgets: vec![Widget::Population {
                members: (0..self.cfg.clients).collect(),
                states: self.slots.iter().map(|s| s.state as u8).collect(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::TestCtx;

    fn clients(backoff: Backoff) -> Clients {
        Clients::new(ClientsConfig {
            clients: 1,
            workload: Workload::Contention,
            backoff,
            base_us: 5_000,
            cap_us: 2_000_000,
            max_attempts: 0,
            retry_budget: false,
            think_us: 1_000_000,
            timeout_us: 1_000_000,
        })
    }

    /// The blog's formulas, by their bounds over many draws: exponential is exact; full jitter spans [0, exp];
    /// equal jitter [exp/2, exp]; decorrelated [base, 3·previous], all capped.
    #[test]
    fn each_backoff_follows_its_formula() {
        let mut t: TestCtx<Msg, Timer, ()> = TestCtx::new(0, 0, 1);
        let draw = |b: Backoff, attempt: u32, prev: u64, t: &mut TestCtx<Msg, Timer, ()>| {
            let c = clients(b);
            (0..2_000).map(|_| c.backoff(&mut t.ctx(), attempt, prev)).collect::<Vec<u64>>()
        };
        let span = |v: &[u64]| (*v.iter().min().unwrap(), *v.iter().max().unwrap());
        assert_eq!(span(&draw(Backoff::None, 3, 0, &mut t)), (0, 0));
        assert_eq!(span(&draw(Backoff::Exponential, 1, 0, &mut t)), (5_000, 5_000));
        assert_eq!(span(&draw(Backoff::Exponential, 4, 0, &mut t)), (40_000, 40_000));
        assert_eq!(span(&draw(Backoff::Exponential, 30, 0, &mut t)), (2_000_000, 2_000_000), "capped");
        let (lo, hi) = span(&draw(Backoff::FullJitter, 4, 0, &mut t));
        assert!(lo < 2_000 && hi > 38_000 && hi <= 40_000, "{lo}..{hi}");
        let (lo, hi) = span(&draw(Backoff::EqualJitter, 4, 0, &mut t));
        assert!((20_000..22_000).contains(&lo) && hi > 38_000 && hi <= 40_000, "{lo}..{hi}");
        let (lo, hi) = span(&draw(Backoff::DecorrelatedJitter, 4, 100_000, &mut t));
        assert!((5_000..8_000).contains(&lo) && hi > 290_000 && hi <= 300_000, "{lo}..{hi}");
        let (_, hi) = span(&draw(Backoff::DecorrelatedJitter, 4, 1_500_000, &mut t));
        assert_eq!(hi, 2_000_000, "capped");
    }
}
