//! The Redis server: one key, `lock`, set with `SET NX PX` and expired by Redis's own clock.
//!
//! It expires keys both actively (a timer at the TTL) and lazily (on any access after the expiry time), as real
//! Redis does. With fencing, every successful SET also hands out the next value of a counter: the fencing token.

use super::msg::{Msg, Timer};
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Node, NodeId, NodeView, TimerId, Tone, US_PER_MS};

type C<'a> = Ctx<'a, Msg, Timer>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub value: String,
    pub owner: NodeId,
    /// Redis's own clock reading at which the key expires.
    pub expires_at_local_us: i64,
    pub set_step: u32,
    /// The active-expiry timer, cancelled when the key is deleted first.
    pub expiry_timer: TimerId,
}

/// Ghost state: what a checker needs to know, which real Redis does not keep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnsafeDelete {
    pub by: NodeId,
    pub owner: NodeId,
    pub value: String,
    pub set_step: u32,
    pub step: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redis {
    pub fencing: bool,
    pub lock: Option<Lease>,
    /// The last fencing token handed out.
    pub last_token: u64,
    pub unsafe_deletes: Vec<UnsafeDelete>,
    /// Node names for notes (`client 2`).
    pub names: Vec<String>,
}

impl Redis {
    pub fn new(fencing: bool, names: Vec<String>) -> Self {
        Redis { fencing, lock: None, last_token: 0, unsafe_deletes: Vec::new(), names }
    }

    fn name(&self, id: NodeId) -> &str {
        self.names.get(id as usize).map(String::as_str).unwrap_or("?")
    }

    /// Lazy expiry: on every access, a key whose time has come (by Redis's clock) is gone.
    fn expire_if_due(&mut self, ctx: &mut C<'_>) {
        if let Some(lease) = &self.lock {
            if ctx.now_us() >= lease.expires_at_local_us {
                let text = format!("key lock ({}) expired: its TTL ran out by Redis's clock", lease.value);
                self.lock = None;
                ctx.note(text, Tone::Warn);
                ctx.span_close("lease");
            }
        }
    }

    fn delete(&mut self, ctx: &mut C<'_>) {
        if let Some(lease) = self.lock.take() {
            ctx.cancel_timer(lease.expiry_timer);
            ctx.span_close("lease");
        }
    }
}

impl Node for Redis {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, _ctx: &mut C<'_>) {}

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        self.expire_if_due(ctx);
        match msg {
            Msg::Set { value, px_ms } => {
                if self.lock.is_some() {
                    ctx.send(from, Msg::SetNil);
                    return;
                }
                let token = self.fencing.then(|| {
                    self.last_token += 1;
                    self.last_token
                });
                let px_us = px_ms * US_PER_MS;
                ctx.span_open("lease", format!("lock = {value} ({})", self.name(from)), Tone::Info);
                let expiry_timer = ctx.set_timer(px_us, Timer::Expire { value: value.clone() });
                self.lock = Some(Lease {
                    value,
                    owner: from,
                    expires_at_local_us: ctx.now_us() + px_us as i64,
                    set_step: ctx.step(),
                    expiry_timer,
                });
                ctx.send(from, Msg::SetOk { token });
            }
            Msg::Release { value: Some(value) } => {
                // The safe release script: `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1])`.
                let mine = self.lock.as_ref().is_some_and(|l| l.value == value);
                if mine {
                    self.delete(ctx);
                } else if let Some(l) = &self.lock {
                    let text = format!("lock is {} now, not {value}: not deleted", l.value);
                    ctx.note(text, Tone::Good);
                }
                ctx.send(from, Msg::Released { deleted: mine });
            }
            Msg::Release { value: None } => {
                // A plain DEL: deletes the key whoever holds it.
                let deleted = match self.lock.clone() {
                    Some(l) => {
                        if l.owner != from {
                            let text = format!(
                                "plain DEL from {} removed {}'s lock {}",
                                self.name(from),
                                self.name(l.owner),
                                l.value
                            );
                            ctx.note(text, Tone::Bad);
                            self.unsafe_deletes.push(UnsafeDelete {
                                by: from,
                                owner: l.owner,
                                value: l.value,
                                set_step: l.set_step,
                                step: ctx.step(),
                            });
                        }
                        self.delete(ctx);
                        true
                    }
                    None => false,
                };
                ctx.send(from, Msg::Released { deleted });
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        if let Timer::Expire { value } = timer {
            let Some(lease) = &self.lock else { return };
            if lease.value != value {
                return;
            }
            let left = lease.expires_at_local_us - ctx.now_us();
            if left > 0 {
                // Redis's clock was set back: the key lives on until its clock reaches the expiry time.
                let id = ctx.set_timer(left as u64, Timer::Expire { value });
                if let Some(l) = &mut self.lock {
                    l.expiry_timer = id;
                }
            } else {
                self.expire_if_due(ctx);
            }
        }
    }

    fn recover(&self) -> Self {
        // Without persistence a restarted Redis is empty, and its token counter starts over.
        Redis::new(self.fencing, self.names.clone())
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let mut fields = Vec::new();
        let (status, tone) = match &self.lock {
            Some(l) => {
                fields.push(("key lock".to_string(), l.value.clone()));
                let left = l.expires_at_local_us - now_local_us;
                let ttl = if left > 0 { fmt_us(left) } else { "due now".to_string() };
                fields.push(("TTL left (Redis's clock)".into(), ttl));
                (format!("lock held by {}", self.name(l.owner)), Tone::Info)
            }
            None => {
                fields.push(("key lock".to_string(), "(none)".to_string()));
                ("lock is free".to_string(), Tone::Neutral)
            }
        };
        if self.fencing {
            fields.push(("last fencing token".into(), self.last_token.to_string()));
        }
        NodeView { status, tone, fields, ..NodeView::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn redis(fencing: bool) -> Redis {
        Redis::new(fencing, vec!["client 1".into(), "client 2".into(), "redis".into()])
    }

    #[test]
    fn set_nx_px_grants_a_free_lock_with_the_next_token() {
        let mut r = redis(true);
        let mut t = TestCtx::new(2, 1_000, 1);
        r.on_msg(&mut t.ctx(), 0, Msg::Set { value: "c1:1".into(), px_ms: 500 });
        assert_eq!(
            t.take(),
            vec![
                Effect::SpanOpen { key: "lease", label: "lock = c1:1 (client 1)".into(), tone: Tone::Info },
                Effect::SetTimer { id: 0, after_us: 500_000, timer: Timer::Expire { value: "c1:1".into() } },
                Effect::Send { to: 0, msg: Msg::SetOk { token: Some(1) } },
            ]
        );
        r.on_msg(&mut t.ctx(), 1, Msg::Set { value: "c2:1".into(), px_ms: 500 });
        assert_eq!(t.take(), vec![Effect::Send { to: 1, msg: Msg::SetNil }]);
    }

    #[test]
    fn expired_key_is_free_for_the_next_client_by_redis_clock() {
        let mut r = redis(true);
        let mut t = TestCtx::new(2, 0, 1);
        r.on_msg(&mut t.ctx(), 0, Msg::Set { value: "c1:1".into(), px_ms: 500 });
        t.effects.clear();
        t.now_us = 500_000; // lazily expired on access, even before the timer fires
        r.on_msg(&mut t.ctx(), 1, Msg::Set { value: "c2:1".into(), px_ms: 500 });
        assert!(t.effects.contains(&Effect::Send { to: 1, msg: Msg::SetOk { token: Some(2) } }), "{:?}", t.effects);
        assert_eq!(r.lock.as_ref().map(|l| l.owner), Some(1));
    }

    #[test]
    fn safe_release_keeps_someone_elses_lock_plain_del_removes_it() {
        let mut r = redis(false);
        let mut t = TestCtx::new(2, 0, 1);
        r.on_msg(&mut t.ctx(), 1, Msg::Set { value: "c2:1".into(), px_ms: 500 });
        t.effects.clear();
        r.on_msg(&mut t.ctx(), 0, Msg::Release { value: Some("c1:1".into()) });
        assert_eq!(t.sent(), vec![(0, &Msg::Released { deleted: false })]);
        assert!(r.lock.is_some());
        t.effects.clear();
        r.on_msg(&mut t.ctx(), 0, Msg::Release { value: None });
        assert!(t.effects.contains(&Effect::CancelTimer { id: 0 }), "the expiry timer of the deleted key goes too");
        assert_eq!(t.sent(), vec![(0, &Msg::Released { deleted: true })]);
        assert!(r.lock.is_none());
        assert_eq!(r.unsafe_deletes.len(), 1);
        assert_eq!((r.unsafe_deletes[0].by, r.unsafe_deletes[0].owner), (0, 1));
    }

    #[test]
    fn expiry_timer_rearms_when_the_clock_was_set_back() {
        let mut r = redis(false);
        let mut t = TestCtx::new(2, 0, 1);
        r.on_msg(&mut t.ctx(), 0, Msg::Set { value: "c1:1".into(), px_ms: 500 });
        t.effects.clear();
        t.now_us = 300_000; // the timer fired, but the clock reads only 300 ms
        r.on_timer(&mut t.ctx(), Timer::Expire { value: "c1:1".into() });
        assert_eq!(
            t.take(),
            vec![Effect::SetTimer { id: 1, after_us: 200_000, timer: Timer::Expire { value: "c1:1".into() } }]
        );
        assert!(r.lock.is_some());
    }
}
