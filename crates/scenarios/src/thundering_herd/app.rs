//! An app server and the clients it serves: each client thinks for a random time, then reads a key through the
//! cache; on a miss the app recomputes the value with a database query and `SET`s it; the client gives up when its
//! request timeout passes. How a miss is handled is the mitigation:
//!
//! - `none`: every miss recomputes.
//! - `single-flight`: one recompute per key *in this process*; the other misses wait for its result (Go's
//!   `singleflight.Group.Do`: the waiters share the leader's result, or its error).
//! - `lock-lease`: one recompute per key in the cluster, by `SET lock:key NX PX lease` in the cache; the others
//!   poll the cache until the value is back. A holder that dies leaves the lock until its lease expires.
//! - `jittered-ttl`: every miss recomputes, but TTLs are drawn from [ttl·(1−j), ttl·(1+j)], so keys set together
//!   do not expire together.
//! - `stale-while-revalidate`: the cache serves the expired value for a grace window and asks one client to
//!   refresh it in the background (RFC 5861).
//! - `xfetch`: a client that reads a fresh value recomputes it early with probability growing as the expiry nears:
//!   when `now − Δ·β·ln(rand()) ≥ expiry` (Vattani, Chierichetti & Lowenstein, VLDB 2015).

use super::by_key::ByKey;
use super::database::SAMPLE_US;
use super::msg::{Client, Key, Layout, Lookup, Msg, Timer};
use super::Mitigation;
use faultline_sim::{Agenda, Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, Widget};
use rand::RngExt;
use std::sync::Arc;

type C<'a> = Ctx<'a, Msg, Timer, ()>;

#[derive(Clone, Debug, PartialEq)]
pub struct AppConfig {
    pub layout: Layout,
    /// Clients in the whole run (this server serves those with `client % app_servers == me`).
    pub clients: u32,
    pub mitigation: Mitigation,
    /// The mean think time between a client's requests (exponential).
    pub think_us: u64,
    pub timeout_us: u64,
    pub ttl_us: u64,
    /// jittered-ttl's j, in percent.
    pub jitter_pct: u32,
    /// XFetch's β, in hundredths.
    pub beta_x100: u32,
    pub lease_us: u64,
    /// How long a client that found the lock taken waits before it reads the cache again.
    pub poll_us: u64,
    /// Cumulative popularity of the keys (the last is 1.0); one key: `[1.0]`.
    pub popularity: Arc<[f64]>,
}

/// What a client is doing, as the population view colours it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum ClientState {
    /// Thinking; its last request was served from the cache (or it has not asked yet).
    #[default]
    Served = 0,
    /// Thinking; its last request recomputed the value.
    Recomputed = 1,
    /// Thinking; its last request was served a stale value.
    ServedStale = 2,
    /// Thinking; its last request failed (timed out, or the database refused the query).
    Failed = 3,
    /// Waiting for the cache.
    Asking = 4,
    /// Waiting for another's recompute (single-flight, the lock).
    Waiting = 5,
    /// Waiting for its own query to the database.
    Fetching = 6,
}

impl ClientState {
    pub const LABELS: [&'static str; 7] =
        ["served from cache", "recomputed", "served stale", "failed", "asking the cache", "waiting", "querying the db"];

    pub fn busy(self) -> bool {
        self as u8 >= ClientState::Asking as u8
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientSlot {
    pub state: ClientState,
    /// Its current (or last) request's number, key and start.
    pub req: u32,
    pub key: Key,
    pub started_us: i64,
    /// When its own query went out.
    pub query_us: i64,
    /// The generation of the value its lookup found missing or stale.
    pub generation: u32,
    /// lock-lease: it holds the recompute lock (and reads the cache once more before it queries).
    pub holds_lock: bool,
}

/// An entry of the server's agenda: a client's next request, a request's deadline, a poll of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Ask(Client),
    Deadline(Client, u32),
    Poll(Client, u32),
}

impl Due {
    fn client(self) -> Client {
        match self {
            Due::Ask(c) | Due::Deadline(c, _) | Due::Poll(c, _) => c,
        }
    }
}

/// A recompute in progress in this process: the client doing it and the clients waiting for it. As with
/// `group.Do(key, func() { query; SET })`, the flight lasts until the value is stored in the cache, so a miss in
/// between joins it instead of starting another.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flight {
    pub leader: (Client, u32),
    pub waiters: Vec<(Client, u32)>,
    /// The query returned and the `SET` is on its way: the leader is done, the flight is not.
    pub storing: bool,
}

/// The numbers of the last sample window (the charts read them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub p50_ms: u64,
    pub p99_ms: u64,
    pub failed_per_s: u64,
    pub busy: u64,
}

#[derive(Clone, Debug)]
pub struct App {
    pub cfg: AppConfig,
    pub me: NodeId,
    pub clients: Vec<ClientSlot>,
    pub agenda: Agenda<Due, Timer>,
    /// single-flight: the recompute of each key in flight here.
    pub flights: ByKey<Flight>,
    /// stale-while-revalidate: the background refreshes in flight, by key: the client that started one, its
    /// request and when.
    pub refreshing: ByKey<(Client, u32, i64)>,
    /// The latencies (µs) of the requests that finished in this sample window: a run lasts 600 s at most, and a
    /// latency that a clock set back made negative counts as 0.
    pub window: Vec<u32>,
    pub failed_in_window: u64,
    /// Since the start.
    pub requests: u64,
    pub failed: u64,
    pub recomputes: u64,
    pub report: Report,
}

impl App {
    pub fn new(cfg: AppConfig, me: NodeId) -> Self {
        let mine = (cfg.clients + cfg.layout.app_servers - 1 - me) / cfg.layout.app_servers;
        App {
            clients: vec![ClientSlot::default(); mine as usize],
            cfg,
            me,
            agenda: Agenda::default(),
            flights: ByKey::default(),
            refreshing: ByKey::default(),
            window: Vec::new(),
            failed_in_window: 0,
            requests: 0,
            failed: 0,
            recomputes: 0,
            report: Report::default(),
        }
    }

    /// The global number of this server's `i`-th client, and back.
    fn client(&self, i: usize) -> Client {
        i as u32 * self.cfg.layout.app_servers + self.me
    }
    fn slot(&mut self, c: Client) -> Option<&mut ClientSlot> {
        self.clients.get_mut((c / self.cfg.layout.app_servers) as usize)
    }
    fn current(&mut self, c: Client, req: u32) -> Option<&mut ClientSlot> {
        self.slot(c).filter(|s| s.req == req && s.state.busy())
    }

    fn think(&self, ctx: &mut C<'_>) -> i64 {
        ctx.random_exponential(self.cfg.think_us) as i64
    }

    fn pick_key(&self, ctx: &mut C<'_>) -> Key {
        let p = &self.cfg.popularity;
        if p.len() == 1 {
            return 0;
        }
        let u: f64 = ctx.rng().random_range(0.0..1.0);
        p.partition_point(|&c| c <= u).min(p.len() - 1) as Key
    }

    fn ttl(&self, ctx: &mut C<'_>) -> u64 {
        if self.cfg.mitigation != Mitigation::JitteredTtl || self.cfg.jitter_pct == 0 {
            return self.cfg.ttl_us;
        }
        let j = self.cfg.ttl_us * u64::from(self.cfg.jitter_pct.min(100)) / 100;
        ctx.rng().random_range(self.cfg.ttl_us - j..=self.cfg.ttl_us + j)
    }

    fn ask(&mut self, ctx: &mut C<'_>, c: Client) {
        let key = self.pick_key(ctx);
        let now = ctx.now_us();
        let timeout = self.cfg.timeout_us as i64;
        let Some(s) = self.slot(c) else { return };
        s.req += 1;
        s.key = key;
        s.holds_lock = false;
        s.started_us = now;
        s.state = ClientState::Asking;
        let req = s.req;
        self.requests += 1;
        self.agenda.push(now + timeout, Due::Deadline(c, req));
        ctx.send(self.cfg.layout.cache(), Msg::Get { client: c, key });
    }

    /// A request ends: how it ended, its latency, and the client's next request after a think.
    fn finish(&mut self, ctx: &mut C<'_>, c: Client, req: u32, state: ClientState) {
        let now = ctx.now_us();
        let next = now + self.think(ctx);
        let Some(s) = self.current(c, req) else { return };
        s.state = state;
        let latency = now - s.started_us;
        if state == ClientState::Failed {
            self.failed += 1;
            self.failed_in_window += 1;
        } else {
            self.window.push(u32::try_from(latency.max(0)).unwrap_or(u32::MAX));
        }
        self.agenda.push(next, Due::Ask(c));
    }

    fn query(&mut self, ctx: &mut C<'_>, c: Client, req: u32, key: Key, generation: u32) {
        let now = ctx.now_us();
        if let Some(s) = self.current(c, req) {
            s.state = ClientState::Fetching;
            s.query_us = now;
        }
        self.recomputes += 1;
        ctx.send(self.cfg.layout.database(), Msg::Query { client: c, req, key, generation });
    }

    fn on_lookup(&mut self, ctx: &mut C<'_>, c: Client, key: Key, lookup: Lookup, generation: u32) {
        let Some(s) = self.slot(c).filter(|s| s.state == ClientState::Asking && s.key == key) else { return };
        s.generation = generation;
        let (req, holds_lock) = (s.req, s.holds_lock);
        match lookup {
            Lookup::Hit { expires_us, delta_us } => {
                if self.cfg.mitigation == Mitigation::Xfetch && self.early(ctx, expires_us, delta_us) {
                    self.query(ctx, c, req, key, generation);
                } else {
                    self.finish(ctx, c, req, ClientState::Served);
                }
            }
            Lookup::Stale { revalidate } => {
                self.finish(ctx, c, req, ClientState::ServedStale);
                if revalidate {
                    // The refresh runs in the background, on behalf of this client.
                    self.refreshing.insert(key, (c, req, ctx.now_us()));
                    self.recomputes += 1;
                    ctx.send(self.cfg.layout.database(), Msg::Query { client: c, req, key, generation });
                }
            }
            Lookup::Miss => match self.cfg.mitigation {
                Mitigation::SingleFlight => match self.flights.get_mut(key) {
                    Some(f) => {
                        f.waiters.push((c, req));
                        if let Some(s) = self.current(c, req) {
                            s.state = ClientState::Waiting;
                        }
                    }
                    None => {
                        self.flights.insert(key, Flight { leader: (c, req), waiters: Vec::new(), storing: false });
                        self.query(ctx, c, req, key, generation);
                    }
                },
                Mitigation::LockLease if holds_lock => {
                    self.query(ctx, c, req, key, generation)
                }
                Mitigation::LockLease => {
                    if let Some(s) = self.current(c, req) {
                        s.state = ClientState::Waiting;
                    }
                    ctx.send(self.cfg.layout.cache(), Msg::Lock { client: c, key, lease_us: self.cfg.lease_us });
                }
                _ => self.query(ctx, c, req, key, generation),
            },
        }
    }

    /// XFetch: recompute early when `now − Δ·β·ln(rand()) ≥ expiry`, rand in (0, 1].
    fn early(&self, ctx: &mut C<'_>, expires_us: i64, delta_us: i64) -> bool {
        let u: f64 = ctx.rng().random_range(f64::EPSILON..=1.0);
        let beta = f64::from(self.cfg.beta_x100) / 100.0;
        ctx.now_us() as f64 - delta_us as f64 * beta * u.ln() >= expires_us as f64
    }

    fn on_result(&mut self, ctx: &mut C<'_>, c: Client, req: u32, key: Key, ok: bool) {
        let now = ctx.now_us();
        let outcome = if ok { ClientState::Recomputed } else { ClientState::Failed };
        if let Some(&(_, _, since)) = self.refreshing.get(key).filter(|r| (r.0, r.1) == (c, req)) {
            self.refreshing.remove(key);
            if ok {
                let ttl_us = self.ttl(ctx);
                ctx.send(self.cfg.layout.cache(), Msg::Set { client: c, key, ttl_us, delta_us: now - since });
            }
            return;
        }
        let Some(s) = self.current(c, req).copied() else { return };
        if ok {
            let ttl_us = self.ttl(ctx);
            ctx.send(self.cfg.layout.cache(), Msg::Set { client: c, key, ttl_us, delta_us: now - s.query_us });
        }
        self.finish(ctx, c, req, outcome);
        if let Some(f) = self.flights.get_mut(key).filter(|f| f.leader == (c, req)) {
            let waiters = std::mem::take(&mut f.waiters);
            if ok {
                f.storing = true;
            } else {
                self.flights.remove(key);
            }
            let shared = if ok { ClientState::Served } else { ClientState::Failed };
            for (w, r) in waiters {
                self.finish(ctx, w, r, shared);
            }
        }
    }

    /// The `SET` is done: the flight ends, and whoever joined it meanwhile gets the value.
    fn on_stored(&mut self, ctx: &mut C<'_>, c: Client, key: Key) {
        if self.flights.get(key).is_some_and(|f| f.storing && f.leader.0 == c) {
            let waiters = self.flights.remove(key).map(|f| f.waiters).unwrap_or_default();
            for (w, r) in waiters {
                self.finish(ctx, w, r, ClientState::Served);
            }
        }
    }

    fn on_due(&mut self, ctx: &mut C<'_>, due: Due) {
        match due {
            Due::Ask(c) => self.ask(ctx, c),
            Due::Deadline(c, req) => {
                let Some(key) = self.current(c, req).map(|s| s.key) else { return };
                self.finish(ctx, c, req, ClientState::Failed);
                match self.flights.get_mut(key) {
                    // The leader gave up: its waiters share its error (the call returns it to all of them).
                    Some(f) if f.leader == (c, req) => {
                        let waiters = self.flights.remove(key).map(|f| f.waiters).unwrap_or_default();
                        for (w, r) in waiters {
                            self.finish(ctx, w, r, ClientState::Failed);
                        }
                    }
                    // Its `SET` never came back (the cache went down): the next miss starts a new flight.
                    Some(f) if f.storing => {
                        self.flights.remove(key);
                    }
                    Some(f) => f.waiters.retain(|&w| w != (c, req)),
                    None => {}
                }
            }
            Due::Poll(c, req) => {
                if let Some(s) = self.current(c, req) {
                    s.state = ClientState::Asking;
                    let key = s.key;
                    ctx.send(self.cfg.layout.cache(), Msg::Get { client: c, key });
                }
            }
        }
    }

    fn rearm(&mut self, ctx: &mut C<'_>) {
        let (slots, servers) = (&self.clients, self.cfg.layout.app_servers);
        let live = |d: &Due| match *d {
            Due::Ask(_) => true,
            Due::Deadline(c, r) | Due::Poll(c, r) => {
                slots.get((c / servers) as usize).is_some_and(|s| s.req == r && s.state.busy())
            }
        };
        self.agenda.arm(ctx, live, |d| Timer::Next { client: d.client() });
    }

    fn sample(&mut self) {
        let mut w = std::mem::take(&mut self.window);
        w.sort_unstable();
        let pct = |p: usize| if w.is_empty() { 0 } else { u64::from(w[(w.len() - 1) * p / 100] / 1_000) };
        self.report = Report {
            p50_ms: pct(50),
            p99_ms: pct(99),
            failed_per_s: self.failed_in_window * 1_000_000 / SAMPLE_US,
            busy: self.clients.iter().filter(|s| s.state.busy()).count() as u64,
        };
        self.failed_in_window = 0;
        w.clear();
        self.window = w;
    }
}

impl Node for App {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = ();

    fn on_start(&mut self, ctx: &mut C<'_>) {
        // Each client's first request comes after a think, so they do not all ask at once.
        for i in 0..self.clients.len() {
            let at = ctx.now_us() + self.think(ctx);
            let c = self.client(i);
            self.agenda.push(at, Due::Ask(c));
        }
        self.rearm(ctx);
        ctx.set_timer(SAMPLE_US, Timer::Sample);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        match msg {
            Msg::Got { client, key, lookup, generation } => self.on_lookup(ctx, client, key, lookup, generation),
            Msg::Locked { client, key, granted } => {
                let Some(s) = self.slot(client).filter(|s| s.state == ClientState::Waiting && s.key == key).copied()
                else {
                    return;
                };
                if granted {
                    // Double-checked: the value may have come back between the miss and the lock.
                    if let Some(s) = self.slot(client) {
                        s.holds_lock = true;
                        s.state = ClientState::Asking;
                    }
                    ctx.send(self.cfg.layout.cache(), Msg::Get { client, key });
                } else {
                    let at = ctx.now_us() + self.cfg.poll_us as i64;
                    self.agenda.push(at, Due::Poll(client, s.req));
                }
            }
            Msg::Result { client, req, key, ok } => self.on_result(ctx, client, req, key, ok),
            Msg::Stored { client, key } => self.on_stored(ctx, client, key),
            _ => {}
        }
        self.rearm(ctx);
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Next { .. } => {
                self.agenda.fired();
                if let Some(due) = self.agenda.pop_due(ctx.now_us()) {
                    self.on_due(ctx, due);
                }
                self.rearm(ctx);
            }
            Timer::Sample => {
                self.sample();
                ctx.set_timer(SAMPLE_US, Timer::Sample);
            }
        }
    }

    /// A restarted app server has lost every request in flight; its clients start over.
    fn restart(&self, _: &()) -> Self {
        App { requests: self.requests, failed: self.failed, recomputes: self.recomputes, ..App::new(self.cfg.clone(), self.me) }
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        match step.input {
            Input::Timer(Timer::Sample) => {
                let r = self.report;
                out.metric("p50 ms", r.p50_ms as i64);
                out.metric("p99 ms", r.p99_ms as i64);
                out.metric("failed/s", r.failed_per_s as i64);
                out.metric("clients busy", r.busy as i64);
            }
            Input::Msg { msg: Msg::Got { client, lookup, .. }, .. } => {
                let c = client + 1;
                let recomputes = step.sent().any(|(_, m)| matches!(m, Msg::Query { .. }));
                let text = match lookup {
                    Lookup::Hit { .. } if recomputes => format!("client {c}: fresh, but XFetch recomputes early"),
                    Lookup::Miss if recomputes => format!("client {c}: miss — recomputes from the database"),
                    Lookup::Miss if self.cfg.mitigation == Mitigation::SingleFlight => {
                        format!("client {c}: miss — waits for this server's recompute")
                    }
                    Lookup::Stale { revalidate: true } => format!("client {c}: served stale; refreshes it in the background"),
                    _ => return,
                };
                out.note(text, Tone::Info);
            }
            // A deadline passed (the only due entry that sends nothing and leaves the client failed).
            Input::Timer(Timer::Next { client })
                if step.sent().next().is_none()
                    && self
                        .clients
                        .get((client / self.cfg.layout.app_servers) as usize)
                        .is_some_and(|s| s.state == ClientState::Failed) =>
            {
                out.note(format!("client {}: request timed out", client + 1), Tone::Bad);
            }
            _ => {}
        }
    }

    fn view(&self, _now: i64) -> NodeView {
        let mut counts = [0u32; 7];
        for s in &self.clients {
            counts[s.state as usize] += 1;
        }
        let busy: u32 = counts[4..].iter().sum();
        NodeView {
            status: format!("{} clients, {busy} waiting", self.clients.len()),
            tone: if counts[ClientState::Failed as usize] > 0 { Tone::Warn } else { Tone::Neutral },
            fields: ClientState::LABELS
                .iter()
                .zip(counts)
                .filter(|(_, n)| *n > 0)
                .map(|(l, n)| (l.to_string(), n.to_string()))
                .collect(),
            widgets: vec![Widget::Population {
                members: (0..self.clients.len()).map(|i| self.client(i)).collect(),
                states: self.clients.iter().map(|s| s.state as u8).collect(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, ()>;

    fn app(mitigation: Mitigation) -> App {
        App::new(
            AppConfig {
                layout: Layout { app_servers: 1 },
                clients: 3,
                mitigation,
                think_us: 1_000_000,
                timeout_us: 1_000_000,
                ttl_us: 5_000_000,
                jitter_pct: 20,
                beta_x100: 100,
                lease_us: 1_000_000,
                poll_us: 50_000,
                popularity: Arc::from([1.0]),
            },
            0,
        )
    }

    /// Client `c` starts a request at `at`: it asks the cache.
    fn ask(a: &mut App, t: &mut T, c: Client) {
        a.ask(&mut t.ctx(), c);
        assert!(t.take().contains(&Effect::Send { to: 1, msg: Msg::Get { client: c, key: 0 } }));
    }

    fn queries(effects: &[Effect<Msg, Timer, ()>]) -> usize {
        effects.iter().filter(|e| matches!(e, Effect::Send { msg: Msg::Query { .. }, .. })).count()
    }

    /// Single-flight: the first miss queries, the next waits; the result is stored and shared; a miss between the
    /// result and the `OK` of the SET still joins the flight.
    #[test]
    fn single_flight_queries_once_and_shares_the_result() {
        let mut a = app(Mitigation::SingleFlight);
        let mut t = T::new(0, 10, 1);
        for c in 0..3 {
            ask(&mut a, &mut t, c);
        }
        let miss = |c| Msg::Got { client: c, key: 0, lookup: Lookup::Miss, generation: 1 };
        a.on_msg(&mut t.ctx(), 1, miss(0));
        assert_eq!(queries(&t.take()), 1);
        a.on_msg(&mut t.ctx(), 1, miss(1));
        assert_eq!(queries(&t.take()), 0);
        assert_eq!((a.clients[0].state, a.clients[1].state), (ClientState::Fetching, ClientState::Waiting));
        let mut t = T::new(0, 200_010, 1);
        a.on_msg(&mut t.ctx(), 2, Msg::Result { client: 0, req: 1, key: 0, ok: true });
        let sent = t.take();
        assert!(sent.contains(&Effect::Send {
            to: 1,
            msg: Msg::Set { client: 0, key: 0, ttl_us: 5_000_000, delta_us: 200_000 }
        }));
        assert_eq!((a.clients[0].state, a.clients[1].state), (ClientState::Recomputed, ClientState::Served));
        a.on_msg(&mut t.ctx(), 1, miss(2));
        assert_eq!(queries(&t.take()), 0, "the flight lasts until the value is stored");
        a.on_msg(&mut t.ctx(), 1, Msg::Stored { client: 0, key: 0 });
        assert_eq!(a.clients[2].state, ClientState::Served);
        assert!(a.flights.is_empty());
    }

    /// Without a mitigation every miss queries.
    #[test]
    fn with_no_mitigation_every_miss_queries() {
        let mut a = app(Mitigation::None);
        let mut t = T::new(0, 10, 1);
        for c in 0..3 {
            ask(&mut a, &mut t, c);
            a.on_msg(&mut t.ctx(), 1, Msg::Got { client: c, key: 0, lookup: Lookup::Miss, generation: 1 });
            assert_eq!(queries(&t.take()), 1);
        }
    }

    /// XFetch's rule, now − Δ·β·ln(rand()) ≥ expiry: never long before the expiry, always at it.
    #[test]
    fn xfetch_recomputes_early_only_near_the_expiry() {
        let a = app(Mitigation::Xfetch);
        let mut far = T::new(0, 0, 1);
        assert!((0..1_000).all(|_| !a.early(&mut far.ctx(), 5_000_000, 200_000)));
        let mut at = T::new(0, 5_000_000, 1);
        assert!((0..1_000).all(|_| a.early(&mut at.ctx(), 5_000_000, 200_000)));
        // 200 ms before it, with Δ = 200 ms: P = e^(−1) ≈ 37%.
        let mut near = T::new(0, 4_800_000, 1);
        let hits = (0..10_000).filter(|_| a.early(&mut near.ctx(), 5_000_000, 200_000)).count();
        assert!((3_400..4_000).contains(&hits), "{hits}");
    }
}
