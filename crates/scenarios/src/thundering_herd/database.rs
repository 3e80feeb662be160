//! The database behind the cache: at most `limit` queries run at once (its connection pool); the rest wait in a
//! first-come queue, so a query's time grows with the work queued before it — a queue, not a constant. A query
//! that waited longer than the query timeout when its turn comes is refused (the client has given up by then;
//! PostgreSQL's `statement_timeout` or a pool's acquire timeout does the same). A query the client gave up on
//! but that got a connection still runs to the end: wasted work.

use super::by_key::ByKey;
use super::msg::{Client, Key, Msg, Timer};
use faultline_sim::{Agenda, Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, Widget};
use rand::RngExt;
use std::collections::{BTreeMap, VecDeque};

type C<'a> = Ctx<'a, Msg, Timer, ()>;

/// How often every node reports its numbers for the charts.
pub const SAMPLE_US: u64 = 250_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// Connections: queries that run at once.
    pub limit: u32,
    /// The time one recompute query takes on its connection (±10%).
    pub service_us: u64,
    /// A query that waited this long in the queue is refused.
    pub queue_timeout_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub from: NodeId,
    pub client: Client,
    pub req: u32,
    pub key: Key,
    pub generation: u32,
    pub arrived_us: i64,
}

#[derive(Clone, Debug)]
pub struct Database {
    pub cfg: DatabaseConfig,
    pub running: Vec<Query>,
    pub queue: VecDeque<Query>,
    /// Completions due, by the client whose query finishes.
    pub agenda: Agenda<(Client, u32), Timer>,
    /// Queries of each key queued or running now: the concurrent recomputes of that key.
    pub active: ByKey<u32>,
    /// The key of the last query to arrive (the invariant looks at it after the step).
    pub last_key: Option<Key>,
    /// Recomputes started for each (key, generation of the value they replace): the stampede sizes.
    pub per_generation: BTreeMap<(Key, u32), u32>,
    /// Since the start: queries received, completed, refused after a queue timeout.
    pub received: u64,
    pub completed: u64,
    pub refused: u64,
    /// The largest queue seen, and the most recomputes of one key at once.
    pub peak_queue: u64,
    pub peak_per_key: u32,
    /// The counters at the last sample, for the per-second rates.
    pub sampled: (u64, u64),
    pub report: Report,
}

/// What the last sample measured (the charts read it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub running: u64,
    pub queue: u64,
    pub received_per_s: u64,
    pub refused_per_s: u64,
}

impl Database {
    pub fn new(cfg: DatabaseConfig) -> Self {
        Database {
            cfg,
            running: Vec::new(),
            queue: VecDeque::new(),
            agenda: Agenda::default(),
            active: ByKey::default(),
            last_key: None,
            per_generation: BTreeMap::new(),
            received: 0,
            completed: 0,
            refused: 0,
            peak_queue: 0,
            peak_per_key: 0,
            sampled: (0, 0),
            report: Report::default(),
        }
    }

    /// The concurrent recomputes of `key`.
    pub fn active_of(&self, key: Key) -> u32 {
        self.active.get(key).copied().unwrap_or(0)
    }

    /// The recomputes of the hottest key's latest expiry (so far).
    pub fn latest_stampede(&self) -> u32 {
        self.per_generation.range((0, 0)..=(0, u32::MAX)).next_back().map_or(0, |(_, n)| *n)
    }

    /// How many expiries (of any key) brought 1, 2–3, 4–10, 11–100 and more than 100 recomputes: the
    /// distribution of stampede sizes the XFetch paper reports.
    pub fn stampede_sizes(&self) -> [u32; 5] {
        let mut h = [0; 5];
        for &n in self.per_generation.values() {
            h[match n {
                0..=1 => 0,
                2..=3 => 1,
                4..=10 => 2,
                11..=100 => 3,
                _ => 4,
            }] += 1;
        }
        h
    }

    fn start(&mut self, ctx: &mut C<'_>, q: Query) {
        let s = self.cfg.service_us;
        let took = ctx.rng().random_range(s - s / 10..=s + s / 10);
        self.agenda.push(ctx.now_us() + took as i64, (q.client, q.req));
        self.running.push(q);
    }

    fn finish(&mut self, ctx: &mut C<'_>, q: &Query, ok: bool) {
        if let Some(n) = self.active.get_mut(q.key) {
            *n -= 1;
            if *n == 0 {
                self.active.remove(q.key);
            }
        }
        ctx.send(q.from, Msg::Result { client: q.client, req: q.req, key: q.key, ok });
    }

    /// Give free connections to the queue, refusing what waited too long.
    fn admit(&mut self, ctx: &mut C<'_>) {
        while self.running.len() < self.cfg.limit as usize {
            let Some(q) = self.queue.pop_front() else { break };
            if ctx.now_us() - q.arrived_us > self.cfg.queue_timeout_us as i64 {
                self.refused += 1;
                self.finish(ctx, &q, false);
            } else {
                self.start(ctx, q);
            }
        }
    }

    fn rearm(&mut self, ctx: &mut C<'_>) {
        self.agenda.arm(ctx, |_| true, |&(client, _)| Timer::Next { client });
    }
}

impl Node for Database {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = ();

    fn on_start(&mut self, ctx: &mut C<'_>) {
        ctx.set_timer(SAMPLE_US, Timer::Sample);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let Msg::Query { client, req, key, generation } = msg else { return };
        self.received += 1;
        let active = self.active.get_or_insert_with(key, || 0);
        *active += 1;
        self.peak_per_key = self.peak_per_key.max(*active);
        *self.per_generation.entry((key, generation)).or_default() += 1;
        self.last_key = Some(key);
        let q = Query { from, client, req, key, generation, arrived_us: ctx.now_us() };
        if self.running.len() < self.cfg.limit as usize {
            self.start(ctx, q);
            self.rearm(ctx);
        } else {
            self.queue.push_back(q);
            self.peak_queue = self.peak_queue.max(self.queue.len() as u64);
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Next { .. } => {
                self.agenda.fired();
                if let Some((client, req)) = self.agenda.pop_due(ctx.now_us()) {
                    if let Some(i) = self.running.iter().position(|q| q.client == client && q.req == req) {
                        let q = self.running.swap_remove(i);
                        self.completed += 1;
                        self.finish(ctx, &q, true);
                    }
                    self.admit(ctx);
                }
                self.rearm(ctx);
            }
            Timer::Sample => {
                let per_s = |now: u64, then: u64| (now - then) * 1_000_000 / SAMPLE_US;
                self.report = Report {
                    running: self.running.len() as u64,
                    queue: self.queue.len() as u64,
                    received_per_s: per_s(self.received, self.sampled.0),
                    refused_per_s: per_s(self.refused, self.sampled.1),
                };
                self.sampled = (self.received, self.refused);
                ctx.set_timer(SAMPLE_US, Timer::Sample);
            }
        }
    }

    /// A database restarts with empty pools and queues (what it was running is lost with its connections).
    fn restart(&self, _: &()) -> Self {
        Database { per_generation: self.per_generation.clone(), ..Database::new(self.cfg.clone()) }
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        match step.input {
            Input::Timer(Timer::Sample) => {
                let r = self.report;
                out.metric("db running", r.running as i64);
                out.metric("db queue", r.queue as i64);
                out.metric("recomputes/s", r.received_per_s as i64);
                out.metric("refused/s", r.refused_per_s as i64);
                out.metric("recomputes", self.received as i64);
                out.metric("refused", self.refused as i64);
                out.metric("peak recomputes of a key", i64::from(self.peak_per_key));
                out.metric("recomputes, last expiry", i64::from(self.latest_stampede()));
            }
            Input::Msg { msg: Msg::Query { key, .. }, .. } if !self.queue.is_empty() => {
                out.note(format!("k{key}: queued behind {} queries", self.queue.len() - 1), Tone::Warn);
            }
            _ => {}
        }
        for (_, m) in step.sent() {
            if let Msg::Result { ok: false, client, .. } = m {
                out.note(format!("refuses client {}'s query: it waited too long", client + 1), Tone::Bad);
            }
        }
    }

    fn view(&self, _now: i64) -> NodeView {
        let busy = self.running.len() as u64;
        let tone = if !self.queue.is_empty() { Tone::Bad } else if busy > 0 { Tone::Warn } else { Tone::Neutral };
        NodeView {
            status: format!("{busy}/{} connections busy, {} queued", self.cfg.limit, self.queue.len()),
            tone,
            fields: vec![
                ("queries".into(), self.received.to_string()),
                ("refused".into(), self.refused.to_string()),
                ("peak queue".into(), self.peak_queue.to_string()),
                ("recomputes per expiry".into(), {
                    let h = self.stampede_sizes();
                    format!("1: {}, 2–3: {}, 4–10: {}, 11–100: {}, >100: {}", h[0], h[1], h[2], h[3], h[4])
                }),
            ],
            widgets: vec![
                Widget::Gauge { value: busy, max: u64::from(self.cfg.limit), label: "connections busy".into() },
                Widget::Gauge {
                    value: self.queue.len() as u64,
                    max: self.peak_queue.max(1),
                    label: "queue (against its peak)".into(),
                },
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn query(db: &mut Database, at: i64, client: u32) -> Vec<Effect<Msg, Timer, ()>> {
        let mut t: TestCtx<Msg, Timer, ()> = TestCtx::new(5, at, 1);
        db.on_msg(&mut t.ctx(), 0, Msg::Query { client, req: 1, key: 0, generation: 1 });
        t.take()
    }

    /// Two connections: two queries run (the first arms the one kernel timer), the third queues; when one ends the
    /// queued one gets its connection — unless it waited past the queue timeout, when it is refused.
    #[test]
    fn queries_beyond_the_limit_queue_and_a_query_that_waited_too_long_is_refused() {
        let mut db = Database::new(DatabaseConfig { limit: 2, service_us: 100_000, queue_timeout_us: 50_000 });
        let first = query(&mut db, 0, 1);
        assert!(matches!(first.as_slice(), [Effect::SetTimer { timer: Timer::Next { client: 1 }, .. }]), "{first:?}");
        assert_eq!(query(&mut db, 0, 2), []);
        assert_eq!(query(&mut db, 10_000, 3), []);
        assert_eq!((db.running.len(), db.queue.len(), db.active_of(0), db.peak_per_key), (2, 1, 3, 3));
        // The first completion comes after 90 to 110 ms: client 3 has waited past 50 ms by then.
        let (at, _) = db.agenda.iter().min_by_key(|(at, _)| *at).map(|(at, e)| (at, *e)).unwrap();
        let mut t: TestCtx<Msg, Timer, ()> = TestCtx::new(5, at, 1);
        db.on_timer(&mut t.ctx(), Timer::Next { client: 1 });
        let sent: Vec<_> = t.take().into_iter().filter_map(|e| match e {
            Effect::Send { msg: Msg::Result { client, ok, .. }, .. } => Some((client, ok)),
            _ => None,
        }).collect();
        assert_eq!(sent.len(), 2);
        assert!(sent.contains(&(3, false)), "{sent:?}");
        assert_eq!((db.refused, db.completed, db.active_of(0)), (1, 1, 1));
    }
}
