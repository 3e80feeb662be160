//! etcd, as far as the lock needs it (one node standing in for the Raft cluster; its state is durable): a
//! revision counter that grows with every write, keys with their create revision and lease, leases that expire
//! by etcd's clock unless kept alive (and take their keys with them), and watches that report a key's deletion.

use super::msg::{Msg, Req, Timer};
use super::EtcdDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, EtcdDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kv {
    pub key: String,
    pub create_revision: u64,
    pub lease: u64,
    pub owner: NodeId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub id: u64,
    pub ttl_us: u64,
    /// By etcd's clock.
    pub expires_at_us: i64,
}

/// What etcd keeps (durably: every change goes through its log).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    pub revision: u64,
    pub keys: Vec<Kv>,
    pub leases: Vec<Lease>,
    pub next_lease: u64,
    /// Watches: (client, watched key, request).
    pub watches: Vec<(NodeId, String, Req)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Etcd {
    pub store: Store,
}

impl Etcd {
    pub fn new() -> Self {
        Etcd { store: Store { next_lease: 0x694d_0000, ..Store::default() } }
    }

    fn owner_rev(&self) -> u64 {
        self.store.keys.iter().map(|k| k.create_revision).min().unwrap_or(0)
    }

    /// Delete `key` (a write: a new revision) and tell its watchers.
    fn delete(&mut self, ctx: &mut C<'_>, key: &str) {
        if let Some(i) = self.store.keys.iter().position(|k| k.key == key) {
            self.store.keys.remove(i);
            self.store.revision += 1;
            let (fire, keep): (Vec<_>, Vec<_>) = self.store.watches.drain(..).partition(|(_, k, _)| k == key);
            self.store.watches = keep;
            for (client, key, req) in fire {
                ctx.send(client, Msg::Deleted { key, req });
            }
        }
    }

    fn save(&self, ctx: &mut C<'_>) {
        ctx.persist(EtcdDisk::Etcd(self.store.clone()));
    }

    /// Wake up when the first lease is due to expire (by etcd's clock).
    fn schedule_expiry(&self, ctx: &mut C<'_>) {
        match self.store.leases.iter().map(|l| l.expires_at_us).min() {
            Some(at) => ctx.set_timer((at - ctx.now_us()).max(0) as u64, Timer::Expire),
            None => ctx.cancel_timer(Timer::Expire),
        }
    }
}

impl Default for Etcd {
    fn default() -> Self {
        Etcd::new()
    }
}

impl Node for Etcd {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = EtcdDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        let now = ctx.now_us();
        for l in &mut self.store.leases {
            l.expires_at_us = now + l.ttl_us as i64;
        }
        self.schedule_expiry(ctx);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let now = ctx.now_us();
        match msg {
            Msg::LeaseGrant { ttl_us, req } => {
                self.store.next_lease += 1;
                let id = self.store.next_lease;
                self.store.leases.push(Lease { id, ttl_us, expires_at_us: now + ttl_us as i64 });
                self.save(ctx);
                self.schedule_expiry(ctx);
                ctx.send(from, Msg::LeaseGranted { lease: id, req });
            }
            Msg::KeepAlive { lease, req } => match self.store.leases.iter_mut().find(|l| l.id == lease) {
                Some(l) => {
                    l.expires_at_us = now + l.ttl_us as i64;
                    let ttl_us = l.ttl_us;
                    self.save(ctx);
                    self.schedule_expiry(ctx);
                    ctx.send(from, Msg::KeepAliveOk { ttl_us, req });
                }
                None => ctx.send(from, Msg::LeaseNotFound { req }),
            },
            Msg::LockTxn { key, lease, req } => {
                if !self.store.leases.iter().any(|l| l.id == lease) {
                    ctx.send(from, Msg::LeaseNotFound { req });
                    return;
                }
                if !self.store.keys.iter().any(|k| k.key == key) {
                    self.store.revision += 1;
                    let create_revision = self.store.revision;
                    self.store.keys.push(Kv { key: key.clone(), create_revision, lease, owner: from });
                    self.save(ctx);
                }
                let my_rev = self.store.keys.iter().find(|k| k.key == key).map_or(0, |k| k.create_revision);
                ctx.send(from, Msg::TxnOk { my_rev, owner_rev: self.owner_rev(), req });
            }
            Msg::WaitDeletes { before, req } => {
                let older = self.store.keys.iter().filter(|k| k.create_revision < before).max_by_key(|k| k.create_revision);
                match older {
                    Some(k) => {
                        let key = k.key.clone();
                        self.store.watches.push((from, key, req));
                        self.save(ctx);
                    }
                    None => ctx.send(from, Msg::NoneOlder { req }),
                }
            }
            Msg::Delete { key } => {
                self.delete(ctx, &key);
                self.save(ctx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, _timer: Timer) {
        let now = ctx.now_us();
        let expired: Vec<u64> = self.store.leases.iter().filter(|l| l.expires_at_us <= now).map(|l| l.id).collect();
        if !expired.is_empty() {
            self.store.leases.retain(|l| !expired.contains(&l.id));
            let gone: Vec<String> =
                self.store.keys.iter().filter(|k| expired.contains(&k.lease)).map(|k| k.key.clone()).collect();
            for key in gone {
                self.delete(ctx, &key);
            }
            self.save(ctx);
        }
        self.schedule_expiry(ctx);
    }

    /// Back from its log; as a new leader does, it extends every lease by its TTL (etcd's lease renewal on
    /// recovery), so that a restart does not expire the sessions that could not reach it meanwhile.
    fn restart(&self, disk: &EtcdDisk) -> Self {
        let mut back = Etcd::new();
        if let EtcdDisk::Etcd(s) = disk {
            back.store = s.clone();
            back.store.watches.clear();
        }
        back
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let mut keys: Vec<&Kv> = self.store.keys.iter().collect();
        keys.sort_by_key(|k| k.create_revision);
        let mut fields = vec![("revision".to_string(), self.store.revision.to_string())];
        for k in keys {
            let left = self.store.leases.iter().find(|l| l.id == k.lease).map_or(0, |l| l.expires_at_us - now_local_us);
            fields.push((format!("{} (rev {})", k.key, k.create_revision), format!("lease TTL left {}", fmt_us(left.max(0)))));
        }
        let status = match self.store.keys.iter().min_by_key(|k| k.create_revision) {
            Some(k) => format!("lock owned by client {}", k.owner + 1),
            None => "no lock key".into(),
        };
        NodeView { status, tone: Tone::Info, fields, ..NodeView::default() }
    }

    type Look = Vec<(String, NodeId)>;

    fn look(&self) -> Vec<(String, NodeId)> {
        self.store.keys.iter().map(|k| (k.key.clone(), k.owner)).collect()
    }

    /// A bar per lock key (its lease), and a note when a lease expires and takes its key.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let now = self.look();
        let restarted = matches!(step.input, Input::Restart { .. });
        let owner = self.store.keys.iter().min_by_key(|k| k.create_revision).map(|k| k.owner);
        let owner_before = step.before.first().map(|(_, o)| *o);
        if owner != owner_before || restarted {
            if owner_before.is_some() && !restarted {
                out.span_close("owner");
            }
            if let Some(o) = owner {
                out.span_open("owner", format!("lock: client {}", o + 1), Tone::Neutral);
            }
        }
        if matches!(step.input, Input::Timer(_)) {
            for (key, o) in step.before.iter().filter(|b| !now.contains(b)) {
                out.note(format!("client {}'s lease expired: {key} deleted", o + 1), Tone::Warn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, EtcdDisk>;

    /// The lock's transaction creates the key once, at the next revision; the owner is the lowest revision; a
    /// waiter's watch on the next-lower key fires when that key's lease expires.
    #[test]
    fn the_transaction_orders_the_keys_and_an_expired_lease_fires_the_watch() {
        let mut e = Etcd::new();
        let mut t = T::new(2, 0, 1);
        e.on_msg(&mut t.ctx(), 0, Msg::LeaseGrant { ttl_us: 1_000_000, req: 1 });
        e.on_msg(&mut t.ctx(), 1, Msg::LeaseGrant { ttl_us: 1_000_000, req: 1 });
        t.take();
        let (l1, l2) = (e.store.leases[0].id, e.store.leases[1].id);
        e.on_msg(&mut t.ctx(), 0, Msg::LockTxn { key: format!("lock/{l1:x}"), lease: l1, req: 2 });
        e.on_msg(&mut t.ctx(), 1, Msg::LockTxn { key: format!("lock/{l2:x}"), lease: l2, req: 2 });
        let replies: Vec<Msg> = t.take().into_iter().filter_map(|e| match e { Effect::Send { msg, .. } => Some(msg), _ => None }).collect();
        assert_eq!(
            replies,
            vec![Msg::TxnOk { my_rev: 1, owner_rev: 1, req: 2 }, Msg::TxnOk { my_rev: 2, owner_rev: 1, req: 2 }]
        );
        // The same transaction again changes nothing (the key exists): same revision.
        e.on_msg(&mut t.ctx(), 0, Msg::LockTxn { key: format!("lock/{l1:x}"), lease: l1, req: 3 });
        assert_eq!((e.store.revision, t.take().len()), (2, 1));
        // Client 2 watches the key before revision 2; client 1's lease expires at 1 s: the key goes, the watch fires.
        e.on_msg(&mut t.ctx(), 1, Msg::WaitDeletes { before: 2, req: 4 });
        t.take();
        e.on_msg(&mut T::new(2, 900_000, 1).ctx(), 1, Msg::KeepAlive { lease: l2, req: 5 });
        let mut t = T::new(2, 1_000_000, 1);
        e.on_timer(&mut t.ctx(), Timer::Expire);
        let sent: Vec<(NodeId, Msg)> = t.take().into_iter().filter_map(|e| match e { Effect::Send { to, msg } => Some((to, msg)), _ => None }).collect();
        assert_eq!(sent, vec![(1, Msg::Deleted { key: format!("lock/{l1:x}"), req: 4 })]);
        assert_eq!((e.store.keys.len(), e.store.leases.len(), e.store.revision), (1, 1, 3));
    }
}
