//! Sentinel, reduced to one instance: it pings the primary every `ping_ms`; when the primary has not answered for
//! `down_after_ms` it promotes the replica (`REPLICAOF NO ONE`) and from then on names it as the master. A Redis
//! node that (re)starts asks it what to be; clients ask it where the master is. (Real Sentinel runs several
//! instances that agree by majority before a failover; one stands in for them here.)

use super::msg::{Msg, Timer};
use super::FailoverDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, FailoverDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentinelConfig {
    /// The Redis nodes, in order (`redis 1`, `redis 2`); the first starts as the primary.
    pub redis: Vec<NodeId>,
    pub ping_us: u64,
    pub down_after_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentinel {
    pub cfg: SentinelConfig,
    pub master: NodeId,
    pub last_pong_us: i64,
    pub failovers: u32,
}

impl Sentinel {
    pub fn new(cfg: SentinelConfig) -> Self {
        let master = cfg.redis[0];
        Sentinel { cfg, master, last_pong_us: 0, failovers: 0 }
    }

    fn number(&self, node: NodeId) -> u32 {
        self.cfg.redis.iter().position(|&r| r == node).map_or(0, |i| i as u32 + 1)
    }
}

impl Node for Sentinel {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = FailoverDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.last_pong_us = ctx.now_us();
        ctx.set_timer(self.cfg.ping_us, Timer::Ping);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Pong if from == self.master => self.last_pong_us = ctx.now_us(),
            Msg::GetMaster { req } => {
                ctx.send(from, Msg::Master { node: self.master, number: self.number(self.master), req })
            }
            Msg::Hello if from == self.master => ctx.send(from, Msg::Promote),
            Msg::Hello => ctx.send(from, Msg::Follow { master: self.master, number: self.number(self.master) }),
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, _timer: Timer) {
        let now = ctx.now_us();
        if now - self.last_pong_us >= self.cfg.down_after_us as i64 {
            // The primary is down (subjectively, and with one sentinel, objectively): fail over to the other.
            if let Some(&next) = self.cfg.redis.iter().find(|&&r| r != self.master) {
                self.master = next;
                self.failovers += 1;
                self.last_pong_us = now;
                // Sentinel rewrites its configuration file before it acts on a failover.
                ctx.persist(FailoverDisk::Master(next, self.failovers));
                ctx.send(next, Msg::Promote);
            }
        }
        ctx.send(self.master, Msg::Ping);
        ctx.set_timer(self.cfg.ping_us, Timer::Ping);
    }

    fn restart(&self, disk: &FailoverDisk) -> Self {
        let mut back = Sentinel::new(self.cfg.clone());
        if let FailoverDisk::Master(m, failovers) = disk {
            (back.master, back.failovers) = (*m, *failovers);
        }
        back
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let fields = vec![
            ("master".to_string(), format!("redis {}", self.number(self.master))),
            ("silent for".into(), fmt_us(now_local_us - self.last_pong_us)),
            ("failovers".into(), self.failovers.to_string()),
        ];
        NodeView { status: "watching the primary".into(), tone: Tone::Neutral, fields, ..NodeView::default() }
    }

    type Look = u32;

    fn look(&self) -> u32 {
        self.failovers
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        if matches!(step.input, Input::Timer(_)) && *step.before != self.failovers {
            out.note(
                format!(
                    "no PONG for {}: fails over — redis {} is the master now",
                    fmt_us(self.cfg.down_after_us as i64),
                    self.number(self.master)
                ),
                Tone::Warn,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    /// Sentinel pings the primary; after down_after of silence it persists the new master and promotes the replica.
    #[test]
    fn silence_past_down_after_promotes_the_replica() {
        let mut s = Sentinel::new(SentinelConfig { redis: vec![2, 3], ping_us: 50_000, down_after_us: 300_000 });
        let mut t = TestCtx::<Msg, Timer, FailoverDisk>::new(4, 250_000, 1);
        s.on_timer(&mut t.ctx(), Timer::Ping);
        assert_eq!(
            t.take(),
            vec![Effect::Send { to: 2, msg: Msg::Ping }, Effect::SetTimer { after_us: 50_000, timer: Timer::Ping }]
        );
        let mut t = TestCtx::<Msg, Timer, FailoverDisk>::new(4, 300_000, 1);
        s.on_timer(&mut t.ctx(), Timer::Ping);
        assert_eq!(
            t.take(),
            vec![
                Effect::Persist(FailoverDisk::Master(3, 1)),
                Effect::Send { to: 3, msg: Msg::Promote },
                Effect::Send { to: 3, msg: Msg::Ping },
                Effect::SetTimer { after_us: 50_000, timer: Timer::Ping },
            ]
        );
        s.on_msg(&mut t.ctx(), 0, Msg::GetMaster { req: 1 });
        assert_eq!(t.take(), vec![Effect::Send { to: 0, msg: Msg::Master { node: 3, number: 2, req: 1 } }]);
        s.on_msg(&mut t.ctx(), 2, Msg::Hello);
        assert_eq!(t.take(), vec![Effect::Send { to: 2, msg: Msg::Follow { master: 3, number: 2 } }]);
    }
}
