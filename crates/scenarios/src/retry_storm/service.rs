//! The service that owns the row: it answers a read with the row's version and applies a conditional write only
//! if the row is still at the version the writer read (optimistic concurrency, as in the AWS simulator's single
//! row). During an outage window it fails every call.

use super::SAMPLE_US;
use super::msg::{Msg, Timer};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, ()>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub version: u64,
    /// Calls fail in [from, to) (node-local µs).
    pub outage: (i64, i64),
    /// Since the start: calls (reads and writes), writes that conflicted, calls failed.
    pub calls: u64,
    pub conflicts: u64,
    pub failed: u64,
    pub sampled: u64,
    pub calls_per_s: u64,
}

impl Service {
    pub fn new(outage: (i64, i64)) -> Self {
        Service { version: 0, outage, calls: 0, conflicts: 0, failed: 0, sampled: 0, calls_per_s: 0 }
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
        let reply = if (self.outage.0..self.outage.1).contains(&now) {
            self.failed += 1;
            Msg::Failed { client: msg.client() }
        } else {
            match msg {
                Msg::Read { client } => Msg::Version { client, version: self.version },
                Msg::Write { client, expected } if expected == self.version => {
                    self.version += 1;
                    Msg::Written { client }
                }
                Msg::Write { client, .. } => {
                    self.conflicts += 1;
                    Msg::Conflict { client, version: self.version }
                }
                _ => return,
            }
        };
        ctx.send(from, reply);
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        if timer == Timer::Sample {
            self.calls_per_s = (self.calls - self.sampled) * 1_000_000 / SAMPLE_US;
            self.sampled = self.calls;
            ctx.set_timer(SAMPLE_US, Timer::Sample);
        }
    }

    fn restart(&self, _: &()) -> Self {
        Service::new(self.outage)
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        match step.input {
            Input::Timer(Timer::Sample) => {
                out.metric("calls/s", self.calls_per_s as i64);
                out.metric("calls", self.calls as i64);
                out.metric("conflicts", self.conflicts as i64);
            }
            Input::Msg { .. } => {
                if let Some((_, Msg::Conflict { client, .. })) = step.sent().next() {
                    out.note(format!("client {}: conflict — someone wrote first", client + 1), Tone::Warn);
                }
            }
            _ => {}
        }
    }

    fn view(&self, now: i64) -> NodeView {
        let down = (self.outage.0..self.outage.1).contains(&now);
        NodeView {
            status: if down { "failing every call (an outage)".into() } else { format!("row at version {}", self.version) },
            tone: if down { Tone::Bad } else { Tone::Neutral },
            fields: vec![
                ("calls".into(), self.calls.to_string()),
                ("conflicts".into(), self.conflicts.to_string()),
                ("failed".into(), self.failed.to_string()),
            ],
            widgets: Vec::new(),
        }
    }
}
