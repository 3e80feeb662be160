//! The Redis server: one key, `lock`, set with `SET NX PX` and expired by Redis's own clock; with fencing, a
//! second key, the token counter, bumped by an `INCR` in the same script as the SET.
//!
//! It expires keys both actively (a timer at the TTL) and lazily (on any access after the expiry time), as real
//! Redis does.
//!
//! **What survives a restart** is the `persistence` parameter, after the Redis persistence documentation:
//! - `none`: nothing is on disk; a restarted Redis is empty: no key, and a token counter back at 0. (Redis's
//!   default RDB snapshots, minutes apart, lose as much within these short runs.)
//! - `aof-everysec`: every write is appended to the AOF and fsynced once a second; a crash of the machine loses
//!   the writes since the last fsync — the lock key, a release, or the last tokens handed out.
//! - `aof-always`: the AOF is fsynced before each reply; a restart loses nothing that was acknowledged.
//!
//! A crash here is the machine's (power lost), the case that decides what durability is worth. A key loaded from
//! disk keeps its absolute expiry time (Redis stores `PEXPIREAT`), so a key whose time has passed is gone.

use super::disk::{Aof, Disk};
use super::msg::{Msg, Timer};
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, US_PER_MS};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

const FSYNC_EVERY_US: i64 = 1_000_000;

faultline_sim::choice! {
    /// What survives a restart (the `persistence` parameter).
    pub enum Persistence {
        None = "none",
        AofEverysec = "aof-everysec",
        AofAlways = "aof-always",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub value: String,
    /// The client whose connection set it (Redis knows its clients; it does not know their incarnations).
    pub owner: NodeId,
    /// Redis's own clock reading at which the key expires.
    pub expires_at_local_us: i64,
}

/// The keyspace as far as it matters here: the lock key and the token counter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keyspace {
    pub lock: Option<Lease>,
    /// The last fencing token handed out (the counter key).
    pub last_token: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redis {
    pub fencing: bool,
    pub persistence: Persistence,
    /// In memory.
    pub mem: Keyspace,
    /// What it last fsynced to its AOF and persisted (the kernel keeps that across a crash; this copy is for
    /// its panel and its restart note).
    pub disk: Aof,
    /// An fsync timer is pending (everysec): writes since the last fsync are not on disk yet.
    pub fsync_pending: bool,
    /// Node names for notes (`client 2`).
    pub names: Vec<String>,
}

impl Redis {
    pub fn new(fencing: bool, persistence: Persistence, names: Vec<String>) -> Self {
        Redis {
            fencing,
            persistence,
            mem: Keyspace::default(),
            disk: Aof::default(),
            fsync_pending: false,
            names,
        }
    }

    fn name(&self, id: NodeId) -> &str {
        self.names.get(id as usize).map(String::as_str).unwrap_or("?")
    }

    /// Fsync the AOF: what is in memory now survives a crash.
    fn fsync(&mut self, ctx: &mut C<'_>) {
        self.disk = Aof { keys: self.mem.clone(), synced_at_local_us: Some(ctx.now_us()) };
        ctx.persist(Disk::Redis(self.disk.clone()));
    }

    /// A write to the keyspace: persist it as the persistence mode says.
    fn wrote(&mut self, ctx: &mut C<'_>) {
        match self.persistence {
            Persistence::None => {}
            // Fsynced before the reply goes out.
            Persistence::AofAlways => self.fsync(ctx),
            Persistence::AofEverysec => {
                if !self.fsync_pending {
                    self.fsync_pending = true;
                    let after = FSYNC_EVERY_US - ctx.now_us().rem_euclid(FSYNC_EVERY_US);
                    ctx.set_timer(after as u64, Timer::Fsync);
                }
            }
        }
    }

    fn end_lease(&mut self, ctx: &mut C<'_>) {
        if let Some(lease) = self.mem.lock.take() {
            ctx.cancel_timer(Timer::Expire { value: lease.value });
            self.wrote(ctx);
        }
    }

    /// Lazy expiry: on every access, a key whose time has come (by Redis's clock) is gone.
    fn expire_if_due(&mut self, ctx: &mut C<'_>) {
        if self.mem.lock.as_ref().is_some_and(|l| ctx.now_us() >= l.expires_at_local_us) {
            self.end_lease(ctx);
        }
    }

    fn release(&mut self, ctx: &mut C<'_>, value: Option<String>) -> bool {
        let Some(l) = &self.mem.lock else { return false };
        // The safe release script: `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1])`;
        // a plain DEL (no value) deletes whatever is there.
        if value.as_ref().is_some_and(|v| *v != l.value) {
            return false;
        }
        self.end_lease(ctx);
        true
    }

    /// Arm the active-expiry timer of the current lease for the time left by Redis's clock.
    fn arm_expiry(&self, ctx: &mut C<'_>) {
        if let Some(l) = &self.mem.lock {
            let left = (l.expires_at_local_us - ctx.now_us()).max(0) as u64;
            ctx.set_timer(left, Timer::Expire { value: l.value.clone() });
        }
    }

    /// After a restart: say exactly what came back from disk (`back`) and what the crash lost (`crashed`).
    fn tell_restart(&self, crashed: &Keyspace, back: &Keyspace, out: &mut Narration) {
        let mode = match self.persistence {
            Persistence::None => "with nothing on disk (persistence none)".to_string(),
            Persistence::AofAlways => "from its AOF (appendfsync always)".to_string(),
            Persistence::AofEverysec => match self.disk.synced_at_local_us {
                Some(at) => format!("from its AOF (appendfsync everysec, last fsync at {})", fmt_us(at)),
                None => "from its AOF (appendfsync everysec, never fsynced)".to_string(),
            },
        };
        let lost_lock = match (&crashed.lock, &back.lock) {
            (Some(l), b) if b.as_ref().is_none_or(|b| b.value != l.value) => Some(&l.value),
            _ => None,
        };
        let mut parts = Vec::new();
        match (&back.lock, lost_lock) {
            (Some(l), _) => parts.push(format!("key lock = {} is back", l.value)),
            (None, Some(v)) => parts.push(format!("key lock ({v}) is gone")),
            (None, None) => parts.push("no key lock".to_string()),
        }
        let went_back = self.fencing && back.last_token < crashed.last_token;
        if self.fencing {
            if went_back {
                parts.push(format!(
                    "the token counter went back from {} to {}: the next SET hands out token {} again",
                    crashed.last_token,
                    back.last_token,
                    back.last_token + 1
                ));
            } else {
                parts.push(format!("the token counter is {}", back.last_token));
            }
        }
        let tone = if went_back || lost_lock.is_some() { Tone::Bad } else { Tone::Good };
        out.note(format!("restarted {mode}: {}", parts.join("; ")), tone);
    }
}

fn release_kind(value: &Option<String>) -> &'static str {
    if value.is_some() {
        "compare-and-delete"
    } else {
        "plain DEL"
    }
}

impl Node for Redis {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        // After a restart, a key loaded from disk expires by Redis's clock as any other.
        if self.mem.lock.is_some() {
            self.arm_expiry(ctx);
            self.expire_if_due(ctx);
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        self.expire_if_due(ctx);
        match msg {
            Msg::Set { value, px_ms, req } => {
                if self.mem.lock.is_some() {
                    ctx.send(from, Msg::SetNil { req });
                    return;
                }
                let token = self.fencing.then(|| {
                    self.mem.last_token += 1;
                    self.mem.last_token
                });
                let px_us = px_ms * US_PER_MS;
                self.mem.lock = Some(Lease {
                    value,
                    owner: from,
                    expires_at_local_us: ctx.now_us() + px_us as i64,
                });
                self.arm_expiry(ctx);
                self.wrote(ctx);
                ctx.send(from, Msg::SetOk { token, req });
            }
            Msg::Release { value, req } => {
                let deleted = self.release(ctx, value);
                ctx.send(from, Msg::Released { deleted, req });
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Expire { value } => {
                let Some(lease) = &self.mem.lock else { return };
                if lease.value != value {
                    return;
                }
                if lease.expires_at_local_us > ctx.now_us() {
                    // Redis's clock was set back: the key lives on until its clock reaches the expiry time.
                    self.arm_expiry(ctx);
                } else {
                    self.expire_if_due(ctx);
                }
            }
            Timer::Fsync => {
                self.fsync_pending = false;
                self.fsync(ctx);
            }
            _ => {}
        }
    }

    fn restart(&self, disk: &Disk) -> Self {
        // The machine restarts: memory is gone; what the AOF holds on disk comes back (nothing without one).
        let mut r = Redis::new(self.fencing, self.persistence, self.names.clone());
        if let Disk::Redis(aof) = disk {
            r.disk = aof.clone();
            r.mem = aof.keys.clone();
        }
        r
    }

    type Look = Keyspace;

    fn look(&self) -> Keyspace {
        self.mem.clone()
    }

    /// The lane's bar is the key's life; notes say how it ended (expired, released by someone else) and, after a
    /// restart, what came back from disk.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (was, now) = (&step.before.lock, &self.mem.lock);
        if let Input::Restart { crashed } = step.input {
            self.tell_restart(crashed, step.before, out);
            if let Some(l) = was {
                out.span_open("lease", format!("lock = {} ({}), from disk", l.value, self.name(l.owner)), Tone::Info);
            }
        }
        // A release answered "deleted": by whom, and whether it was theirs.
        let release = match step.input {
            Input::Msg { from, msg: Msg::Release { value, .. } } => Some((from, value)),
            _ => None,
        };
        let deleted = step.sent().any(|(_, m)| matches!(m, Msg::Released { deleted: true, .. }));
        if was != now {
            if let Some(w) = was {
                match release {
                    Some((by, value)) if deleted => {
                        if w.owner != by {
                            let (kind, by, owner) = (release_kind(value), self.name(by), self.name(w.owner));
                            out.note(format!("{kind} from {by} removed {owner}'s lock {}", w.value), Tone::Bad);
                        }
                    }
                    _ => {
                        let text = format!("key lock ({}) expired: its TTL ran out by Redis's clock", w.value);
                        out.note(text, Tone::Warn);
                    }
                }
                out.span_close("lease");
            }
            if let Some(l) = now {
                out.span_open("lease", format!("lock = {} ({})", l.value, self.name(l.owner)), Tone::Info);
            }
        }
        if let (Some((_, Some(v))), false, Some(l)) = (release, deleted, now) {
            if *v != l.value {
                out.note(format!("lock is {} now, not {v}: not deleted", l.value), Tone::Good);
            }
        }
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let mut fields = Vec::new();
        let (status, tone) = match &self.mem.lock {
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
            fields.push(("token counter (INCR)".into(), self.mem.last_token.to_string()));
        }
        let disk = match self.persistence {
            Persistence::None => "nothing (persistence none)".to_string(),
            _ => {
                let lock = self.disk.keys.lock.as_ref().map_or("no key", |l| l.value.as_str()).to_string();
                if self.fencing {
                    format!("{lock}, counter {}", self.disk.keys.last_token)
                } else {
                    lock
                }
            }
        };
        fields.push(("on disk (survives a restart)".into(), disk));
        NodeView { status, tone, fields, ..NodeView::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, Shown, TestCtx};

    fn redis(fencing: bool, persistence: Persistence) -> Redis {
        Redis::new(fencing, persistence, vec!["client 1".into(), "client 2".into(), "redis".into()])
    }

    fn set(value: &str, req: u64) -> Msg {
        Msg::Set { value: value.into(), px_ms: 500, req }
    }

    #[test]
    fn set_nx_px_grants_a_free_lock_with_the_next_token() {
        let mut r = redis(true, Persistence::None);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(2, 1_000, 1);
        let (before, msg) = (r.look(), set("c1-a", 5 << 32 | 1));
        r.on_msg(&mut t.ctx(), 0, msg.clone());
        let shown = t.narration(&r, &before, Input::Msg { from: 0, msg: &msg });
        assert_eq!(
            shown.shown(),
            [Shown::SpanOpen { key: "lease", label: "lock = c1-a (client 1)".into(), tone: Tone::Info }]
        );
        assert_eq!(
            t.take(),
            vec![
                Effect::SetTimer { after_us: 500_000, timer: Timer::Expire { value: "c1-a".into() } },
                Effect::Send { to: 0, msg: Msg::SetOk { token: Some(1), req: 5 << 32 | 1 } },
            ]
        );
        r.on_msg(&mut t.ctx(), 1, set("c2-b", 6 << 32 | 1));
        assert_eq!(t.take(), vec![Effect::Send { to: 1, msg: Msg::SetNil { req: 6 << 32 | 1 } }]);
    }

    #[test]
    fn expired_key_is_free_for_the_next_client_by_redis_clock() {
        let mut r = redis(true, Persistence::None);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(2, 0, 1);
        r.on_msg(&mut t.ctx(), 0, set("c1-a", 1));
        t.effects.clear();
        t.now_us = 500_000; // lazily expired on access, even before the timer fires
        r.on_msg(&mut t.ctx(), 1, set("c2-b", 2));
        assert!(
            t.effects.contains(&Effect::Send { to: 1, msg: Msg::SetOk { token: Some(2), req: 2 } }),
            "{:?}",
            t.effects
        );
        assert_eq!(r.mem.lock.as_ref().map(|l| l.owner), Some(1));
    }

    #[test]
    fn safe_release_keeps_someone_elses_lock_plain_del_removes_it() {
        let mut r = redis(false, Persistence::None);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(2, 0, 1);
        r.on_msg(&mut t.ctx(), 1, set("c2-b", 2 << 32 | 1));
        t.effects.clear();
        let (before, cad) = (r.look(), Msg::Release { value: Some("c1-a".into()), req: 1 << 32 | 2 });
        r.on_msg(&mut t.ctx(), 0, cad.clone());
        assert_eq!(t.effects, [Effect::Send { to: 0, msg: Msg::Released { deleted: false, req: 1 << 32 | 2 } }]);
        assert!(r.mem.lock.is_some());
        let shown = t.narration(&r, &before, Input::Msg { from: 0, msg: &cad });
        assert_eq!(shown.notes(), ["lock is c2-b now, not c1-a: not deleted"]);
        t.effects.clear();
        let (before, del) = (r.look(), Msg::Release { value: None, req: 1 << 32 | 3 });
        r.on_msg(&mut t.ctx(), 0, del.clone());
        let expiry = Timer::Expire { value: "c2-b".into() };
        assert!(
            t.effects.contains(&Effect::CancelTimer { timer: expiry }),
            "the expiry timer of the deleted key goes too"
        );
        assert_eq!(t.sent(), vec![(0, &Msg::Released { deleted: true, req: 1 << 32 | 3 })]);
        assert!(r.mem.lock.is_none());
        let shown = t.narration(&r, &before, Input::Msg { from: 0, msg: &del });
        assert_eq!(shown.notes(), ["plain DEL from client 1 removed client 2's lock c2-b"], "the note says whose lock");
    }

    #[test]
    fn expiry_timer_rearms_when_the_clock_was_set_back() {
        let mut r = redis(false, Persistence::None);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(2, 0, 1);
        r.on_msg(&mut t.ctx(), 0, set("c1-a", 1));
        t.effects.clear();
        t.now_us = 300_000; // the timer fired, but the clock reads only 300 ms
        r.on_timer(&mut t.ctx(), Timer::Expire { value: "c1-a".into() });
        assert_eq!(
            t.take(),
            vec![Effect::SetTimer { after_us: 200_000, timer: Timer::Expire { value: "c1-a".into() } }]
        );
        assert!(r.mem.lock.is_some());
    }

    /// The first lesson, as a handler-level specification: what a restart keeps, per persistence mode.
    #[test]
    fn a_restart_keeps_exactly_what_was_on_disk() {
        for (mode, lock_back, counter_back) in [
            (Persistence::None, false, 0),
            (Persistence::AofEverysec, false, 0), // set 200 ms ago, before any fsync
            (Persistence::AofAlways, true, 1),
        ] {
            let mut r = redis(true, mode);
            let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(2, 0, 1);
            r.on_msg(&mut t.ctx(), 0, set("c1-a", 1));
            let writes = t.take();
            let fsync_timer = writes.iter().any(|e| matches!(e, Effect::SetTimer { timer: Timer::Fsync, .. }));
            assert_eq!(fsync_timer, mode == Persistence::AofEverysec, "{mode:?}");
            // Power lost at 200 ms; back at 300 ms, with what it persisted.
            let disk = writes.iter().rev().find_map(|e| match e {
                Effect::Persist(d) => Some(d.clone()),
                _ => None,
            });
            assert_eq!(disk.is_some(), mode == Persistence::AofAlways, "{mode:?}: only always persists at once");
            let crashed = r.look();
            let mut back = r.restart(&disk.unwrap_or_default());
            t.now_us = 300_000;
            let restored = back.look();
            back.on_start(&mut t.ctx());
            assert_eq!(back.mem.lock.is_some(), lock_back, "{mode:?}");
            assert_eq!(back.mem.last_token, counter_back, "{mode:?}");
            let shown = t.narration(&back, &restored, Input::Restart { crashed: &crashed });
            let note = shown.notes().first().copied().unwrap_or_default();
            if counter_back == 0 {
                assert!(note.contains("the token counter went back from 1 to 0"), "{mode:?}: {note}");
                assert!(note.contains("key lock (c1-a) is gone"), "{mode:?}: {note}");
            } else {
                assert!(note.contains("key lock = c1-a is back; the token counter is 1"), "{note}");
                // Its expiry is re-armed for the 200 ms left by Redis's clock.
                assert!(t
                    .effects
                    .contains(&Effect::SetTimer { after_us: 200_000, timer: Timer::Expire { value: "c1-a".into() } }));
            }
        }
    }

    #[test]
    fn everysec_puts_writes_on_disk_at_the_next_whole_second() {
        let mut r = redis(true, Persistence::AofEverysec);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(2, 1_250_000, 1);
        r.on_msg(&mut t.ctx(), 0, set("c1-a", 1));
        assert!(t.effects.contains(&Effect::SetTimer { after_us: 750_000, timer: Timer::Fsync }));
        assert!(!t.effects.iter().any(|e| matches!(e, Effect::Persist(_))), "nothing on disk before the fsync");
        t.effects.clear();
        t.now_us = 2_000_000;
        r.on_timer(&mut t.ctx(), Timer::Fsync);
        let Some(Effect::Persist(Disk::Redis(aof))) = t.effects.pop() else { panic!("the fsync persists") };
        assert_eq!((aof.keys.last_token, aof.synced_at_local_us), (1, Some(2_000_000)));
        assert_eq!(aof.keys.lock.as_ref().map(|l| l.value.as_str()), Some("c1-a"));
    }
}
