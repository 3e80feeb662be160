//! The service that owns the row: it answers a read with the row's version and applies a conditional write only
//! if the row is still at the version the writer read (optimistic concurrency, as in the AWS simulator's single
//! row). During an outage window it fails every call — or, for a slow outage, answers each only after a delay.

use super::msg::{Kind, Msg, Timer};
use super::SAMPLE_US;
use faultline_sim::{Agenda, Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, ()>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The outage: [from, to) in node-local µs.
    pub outage: (i64, i64),
    /// 0: every call fails during the outage; otherwise each is answered this much later.
    pub slow_us: u64,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub cfg: ServiceConfig,
    pub version: u64,
    /// Replies held back during a slow outage, with whom they go to.
    pub held: Agenda<(NodeId, Msg), Timer>,
    /// Since the start: calls (reads and writes), writes that conflicted, calls failed.
    pub calls: u64,
    pub conflicts: u64,
    pub failed: u64,
    pub sampled: u64,
    pub calls_per_s: u64,
}

impl Service {
    pub fn new(cfg: ServiceConfig) -> Self {
        Service { cfg, version: 0, held: Agenda::default(), calls: 0, conflicts: 0, failed: 0, sampled: 0, calls_per_s: 0 }
    }

    fn in_outage(&self, now: i64) -> bool {
        (self.cfg.outage.0..self.cfg.outage.1).contains(&now)
    }

    fn answer(&mut self, msg: &Msg) -> Option<Kind> {
        Some(match msg.kind {
            Kind::Read => Kind::Version(self.version),
            Kind::Write(expected) if expected == self.version => {
                self.version += 1;
                Kind::Written
            }
            Kind::Write(_) => {
                self.conflicts += 1;
                Kind::Conflict(self.version)
            }
            _ => return None,
        })
    }
}

impl Node for Service {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Look = ();

    fn on_start(&mut self, ctx: &mut C<'_>) {
        ctx.set_timer(SAMPLE_US, Timer::Sample);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        self.calls += 1;
        let now = ctx.now_us();
        if self.in_outage(now) && self.cfg.slow_us == 0 {
            self.failed += 1;
            ctx.send(from, msg.reply(Kind::Failed));
            return;
        }
        let Some(kind) = self.answer(&msg) else { return };
        if self.in_outage(now) {
            self.held.push(now + self.cfg.slow_us as i64, (from, msg.reply(kind)));
            self.held.arm(ctx, |_| true, |(_, m)| Timer::Done { client: m.client });
        } else {
            ctx.send(from, msg.reply(kind));
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Sample => {
                self.calls_per_s = (self.calls - self.sampled) * 1_000_000 / SAMPLE_US;
                self.sampled = self.calls;
                ctx.set_timer(SAMPLE_US, Timer::Sample);
            }
            Timer::Done { .. } => {
                self.held.fired();
                if let Some((to, reply)) = self.held.pop_due(ctx.now_us()) {
                    ctx.send(to, reply);
                }
                self.held.arm(ctx, |_| true, |(_, m)| Timer::Done { client: m.client });
            }
            Timer::Next { .. } => {}
        }
    }

    fn restart(&self, _: &()) -> Self {
        Service::new(self.cfg.clone())
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        match step.input {
            Input::Timer(Timer::Sample) => {
                out.metric("calls/s", self.calls_per_s as i64);
                out.metric("calls", self.calls as i64);
                out.metric("conflicts", self.conflicts as i64);
            }
            Input::Msg { .. } => {
                if let Some((_, m)) = step.sent().next().filter(|(_, m)| matches!(m.kind, Kind::Conflict(_))) {
                    out.note(format!("client {}: conflict — someone wrote first", m.client + 1), Tone::Warn);
                }
            }
            _ => {}
        }
    }

    fn view(&self, now: i64) -> NodeView {
        let status = match (self.in_outage(now), self.cfg.slow_us) {
            (true, 0) => "failing every call (an outage)".to_string(),
            (true, slow) => format!("answering {} ms late ({} calls held)", slow / 1_000, self.held.len()),
            (false, _) => format!("row at version {}", self.version),
        };
        NodeView {
            status,
            tone: if self.in_outage(now) { Tone::Bad } else { Tone::Neutral },
            fields: vec![
                ("calls".into(), self.calls.to_string()),
                ("conflicts".into(), self.conflicts.to_string()),
                ("failed".into(), self.failed.to_string()),
            ],
            widgets: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, ()>;

    fn call(kind: Kind) -> Msg {
        Msg { client: 7, call: 1, kind }
    }

    /// A conditional write applies only at the version read; in an outage every call fails, or — slow — is
    /// answered `slow_us` later.
    #[test]
    fn writes_are_conditional_and_an_outage_fails_or_delays_every_call() {
        let mut s = Service::new(ServiceConfig { outage: (1_000, 2_000), slow_us: 0 });
        let mut t = T::new(1, 0, 1);
        s.on_msg(&mut t.ctx(), 0, call(Kind::Write(0)));
        s.on_msg(&mut t.ctx(), 0, call(Kind::Write(0)));
        assert_eq!(
            t.take(),
            [Effect::Send { to: 0, msg: call(Kind::Written) }, Effect::Send { to: 0, msg: call(Kind::Conflict(1)) }]
        );
        let mut t = T::new(1, 1_500, 1);
        s.on_msg(&mut t.ctx(), 0, call(Kind::Read));
        assert_eq!(t.take(), [Effect::Send { to: 0, msg: call(Kind::Failed) }]);

        let mut slow = Service::new(ServiceConfig { outage: (1_000, 2_000), slow_us: 3_000 });
        let mut t = T::new(1, 1_500, 1);
        slow.on_msg(&mut t.ctx(), 0, call(Kind::Read));
        assert_eq!(t.take(), [Effect::SetTimer { after_us: 3_000, timer: Timer::Done { client: 7 } }]);
        let mut t = T::new(1, 4_500, 1);
        slow.on_timer(&mut t.ctx(), Timer::Done { client: 7 });
        assert_eq!(t.take(), [Effect::Send { to: 0, msg: call(Kind::Version(0)) }]);
    }
}
