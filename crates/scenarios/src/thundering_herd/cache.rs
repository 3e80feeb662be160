//! The shared cache in front of the database (memcached, Redis): a value per key with an expiry (`SET … PX ttl`),
//! and with stale-while-revalidate (RFC 5861) a grace window after it in which the expired value is still served
//! while exactly one asker refreshes it. It also keeps the `lock:key` entries of the distributed single-flight
//! (`SET lock:key NX PX lease`, released by the `SET` of the value). It lives in memory: a restart empties it —
//! a cold cache, and a stampede on every key.

use super::database::SAMPLE_US;
use super::msg::{Key, Lookup, Msg, Timer};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, Widget};

type C<'a> = Ctx<'a, Msg, Timer, ()>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    pub keys: u32,
    /// Every key is in the cache at the start, set at time 0 with these TTLs (a cache warmed at deploy time).
    pub warm_ttls_us: Vec<u64>,
    /// How long the recompute took when the warm values were made (Δ for XFetch).
    pub warm_delta_us: i64,
    /// Stale-while-revalidate's grace window after the expiry (0: none).
    pub grace_us: u64,
    /// How long one asker has to revalidate before another is asked to.
    pub revalidate_lease_us: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// How many times the key was set (0: never).
    pub generation: u32,
    pub expires_us: i64,
    pub delta_us: i64,
    /// Someone is revalidating it until then.
    pub revalidating_until_us: i64,
    /// `lock:key` is held until then.
    pub locked_until_us: i64,
    /// The generation whose expiry was counted already.
    pub expiry_counted: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    pub cfg: CacheConfig,
    pub entries: Vec<Entry>,
    /// Since the start: GETs, served (fresh or stale), expiries seen (a miss or stale read of a value for the first
    /// time after it expired).
    pub gets: u64,
    pub served: u64,
    pub misses: u64,
    pub expiries: u64,
    pub sampled: (u64, u64),
    /// Hit ratio over the last sample window, in percent.
    pub hit_pct: u64,
}

impl Cache {
    pub fn new(cfg: CacheConfig) -> Self {
        let entries = (0..cfg.keys as usize)
            .map(|k| Entry {
                generation: 1,
                expires_us: cfg.warm_ttls_us.get(k).copied().unwrap_or(0) as i64,
                delta_us: cfg.warm_delta_us,
                ..Entry::default()
            })
            .collect();
        Cache { cfg, entries, gets: 0, served: 0, misses: 0, expiries: 0, sampled: (0, 0), hit_pct: 100 }
    }

    fn lookup(&mut self, now: i64, key: Key) -> (Lookup, u32) {
        let grace = self.cfg.grace_us as i64;
        let lease = self.cfg.revalidate_lease_us as i64;
        let Some(e) = self.entries.get_mut(key as usize) else { return (Lookup::Miss, 0) };
        if e.generation == 0 {
            return (Lookup::Miss, 0);
        }
        if now < e.expires_us {
            return (Lookup::Hit { expires_us: e.expires_us, delta_us: e.delta_us }, e.generation);
        }
        if e.expiry_counted != e.generation {
            e.expiry_counted = e.generation;
            self.expiries += 1;
        }
        if now < e.expires_us + grace {
            let revalidate = now >= e.revalidating_until_us;
            if revalidate {
                e.revalidating_until_us = now + lease;
            }
            return (Lookup::Stale { revalidate }, e.generation);
        }
        (Lookup::Miss, e.generation)
    }
}

impl Node for Cache {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = ();

    fn on_start(&mut self, ctx: &mut C<'_>) {
        ctx.set_timer(SAMPLE_US, Timer::Sample);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let now = ctx.now_us();
        match msg {
            Msg::Get { client, key } => {
                self.gets += 1;
                let (lookup, generation) = self.lookup(now, key);
                if matches!(lookup, Lookup::Miss) {
                    self.misses += 1;
                } else {
                    self.served += 1;
                }
                ctx.send(from, Msg::Got { client, key, lookup, generation });
            }
            Msg::Set { client, key, ttl_us, delta_us } => {
                if let Some(e) = self.entries.get_mut(key as usize) {
                    *e = Entry {
                        generation: e.generation + 1,
                        expires_us: now + ttl_us as i64,
                        delta_us,
                        expiry_counted: e.expiry_counted,
                        ..Entry::default()
                    };
                }
                ctx.send(from, Msg::Stored { client, key });
            }
            Msg::Lock { client, key, lease_us } => {
                let granted = match self.entries.get_mut(key as usize) {
                    Some(e) if now >= e.locked_until_us => {
                        e.locked_until_us = now + lease_us as i64;
                        true
                    }
                    _ => false,
                };
                ctx.send(from, Msg::Locked { client, key, granted });
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        if timer == Timer::Sample {
            let (gets, served) = (self.gets - self.sampled.0, self.served - self.sampled.1);
            self.hit_pct = (served * 100).checked_div(gets).unwrap_or(100);
            self.sampled = (self.gets, self.served);
            ctx.set_timer(SAMPLE_US, Timer::Sample);
        }
    }

    /// Memory only: a restarted cache is empty.
    fn restart(&self, _: &()) -> Self {
        let cfg = CacheConfig { warm_ttls_us: Vec::new(), ..self.cfg.clone() };
        let mut c = Cache::new(cfg);
        c.entries.iter_mut().for_each(|e| e.generation = 0);
        c
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        if let Input::Timer(Timer::Sample) = step.input {
            out.metric("hit %", self.hit_pct as i64);
            out.metric("expiries", self.expiries as i64);
            out.metric("misses", self.misses as i64);
        }
        if let Input::Msg { msg: Msg::Get { key, .. }, .. } = step.input {
            if let Some((_, Msg::Got { lookup: Lookup::Miss, .. })) = step.sent().next() {
                out.note(format!("k{key} is not in the cache"), Tone::Warn);
            }
        }
    }

    fn view(&self, now: i64) -> NodeView {
        let fresh = self.entries.iter().filter(|e| e.generation > 0 && now < e.expires_us).count();
        let hot = self.entries.first().map_or(String::new(), |e| {
            if e.generation == 0 {
                "not cached".into()
            } else if now < e.expires_us {
                format!("fresh for {} ms", (e.expires_us - now) / 1_000)
            } else {
                format!("expired {} ms ago", (now - e.expires_us) / 1_000)
            }
        });
        NodeView {
            status: format!("{fresh} of {} keys fresh; hit ratio {}%", self.entries.len(), self.hit_pct),
            tone: if self.hit_pct < 90 { Tone::Warn } else { Tone::Good },
            fields: vec![("k0 (hottest)".into(), hot), ("expiries".into(), self.expiries.to_string())],
            widgets: vec![Widget::Gauge { value: self.hit_pct, max: 100, label: "hit ratio %".into() }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn cache(grace_us: u64) -> Cache {
        Cache::new(CacheConfig {
            keys: 1,
            warm_ttls_us: vec![5_000_000],
            warm_delta_us: 200_000,
            grace_us,
            revalidate_lease_us: 1_000_000,
        })
    }

    fn get(c: &mut Cache, at: i64, client: u32) -> Vec<Effect<Msg, Timer, ()>> {
        let mut t: TestCtx<Msg, Timer, ()> = TestCtx::new(4, at, 1);
        c.on_msg(&mut t.ctx(), 0, Msg::Get { client, key: 0 });
        t.take()
    }

    fn got(lookup: Lookup, client: u32, generation: u32) -> Vec<Effect<Msg, Timer, ()>> {
        vec![Effect::Send { to: 0, msg: Msg::Got { client, key: 0, lookup, generation } }]
    }

    /// Fresh until the TTL, then a miss — counted as one expiry however many miss it; a SET makes it fresh again.
    #[test]
    fn a_value_is_fresh_until_its_ttl_then_every_reader_misses() {
        let mut c = cache(0);
        assert_eq!(get(&mut c, 4_999_999, 7), got(Lookup::Hit { expires_us: 5_000_000, delta_us: 200_000 }, 7, 1));
        assert_eq!(get(&mut c, 5_000_000, 7), got(Lookup::Miss, 7, 1));
        assert_eq!(get(&mut c, 5_000_001, 8), got(Lookup::Miss, 8, 1));
        assert_eq!((c.expiries, c.misses), (1, 2));
        let mut t: TestCtx<Msg, Timer, ()> = TestCtx::new(4, 5_300_000, 1);
        c.on_msg(&mut t.ctx(), 0, Msg::Set { client: 7, key: 0, ttl_us: 5_000_000, delta_us: 300_000 });
        assert_eq!(t.take(), [Effect::Send { to: 0, msg: Msg::Stored { client: 7, key: 0 } }]);
        assert_eq!(get(&mut c, 5_300_001, 9), got(Lookup::Hit { expires_us: 10_300_000, delta_us: 300_000 }, 9, 2));
    }

    /// RFC 5861: within the grace window the stale value is served, and only the first asker (per lease) is asked
    /// to revalidate it.
    #[test]
    fn stale_while_revalidate_asks_one_reader_to_refresh() {
        let mut c = cache(2_000_000);
        assert_eq!(get(&mut c, 5_000_000, 1), got(Lookup::Stale { revalidate: true }, 1, 1));
        assert_eq!(get(&mut c, 5_100_000, 2), got(Lookup::Stale { revalidate: false }, 2, 1));
        // The reviser's lease ran out: the next reader is asked.
        assert_eq!(get(&mut c, 6_000_000, 3), got(Lookup::Stale { revalidate: true }, 3, 1));
        assert_eq!(get(&mut c, 7_000_000, 4), got(Lookup::Miss, 4, 1));
    }

    /// SET NX PX: one holder at a time until the lease ends or the value is set.
    #[test]
    fn the_lock_has_one_holder_until_its_lease_ends() {
        let mut c = cache(0);
        let mut lock = |at: i64, client: u32| {
            let mut t: TestCtx<Msg, Timer, ()> = TestCtx::new(4, at, 1);
            c.on_msg(&mut t.ctx(), 0, Msg::Lock { client, key: 0, lease_us: 1_000_000 });
            match t.take().as_slice() {
                [Effect::Send { msg: Msg::Locked { granted, .. }, .. }] => *granted,
                other => panic!("{other:?}"),
            }
        };
        assert!(lock(5_000_000, 1));
        assert!(!lock(5_500_000, 2));
        assert!(lock(6_000_000, 2), "the lease ended");
    }
}
