//! A service that runs one step of the saga: a local transaction that commits at once (a booking) and its
//! compensation (a cancellation with a refund). It holds no lock across services: a reader of its data sees the
//! booking as soon as it commits, whatever happens to the rest of the saga.
//!
//! With idempotency keys it records, in the same local transaction, the key of every request it applied and the
//! answer it gave: a request that comes again (a retry after a lost reply or a timeout, a resend after the
//! orchestrator restarted) gets the same answer and changes nothing. Without them (the broken variant) it applies
//! whatever arrives: a retried cancellation refunds twice.

use super::disk::SagaDisk;
use super::msg::{Msg, Timer};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, SagaDisk>;

/// A service's durable data: how often it booked and refunded, and the answers it gave by idempotency key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub booked: u32,
    pub refunded: u32,
    pub answers: Vec<(String, Msg)>,
}

impl Ledger {
    /// What it holds now: a booking that is not refunded.
    pub fn holds(&self) -> bool {
        self.booked > self.refunded
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Its step cannot be done (no car available).
    pub fails: bool,
    /// Each cancellation fails this many times before it succeeds (a transient error).
    pub undo_failures: u32,
    pub idempotency_keys: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub cfg: ServiceConfig,
    pub ledger: Ledger,
    /// Cancellations that failed so far (volatile: transient errors).
    pub undo_attempts: u32,
}

impl Service {
    pub fn new(cfg: ServiceConfig) -> Self {
        Service { cfg, ledger: Ledger::default(), undo_attempts: 0 }
    }

    /// The local transaction for a request: its answer, and its effect on the data.
    fn apply(&mut self, msg: &Msg) -> Option<Msg> {
        let key = msg.key().to_string();
        match msg {
            Msg::Do { .. } if self.cfg.fails => Some(Msg::Failed { key }),
            Msg::Do { .. } => {
                self.ledger.booked += 1;
                Some(Msg::Done { key })
            }
            Msg::Undo { .. } if self.undo_attempts < self.cfg.undo_failures => {
                self.undo_attempts += 1;
                Some(Msg::UndoFailed { key })
            }
            Msg::Undo { .. } => {
                self.ledger.refunded += 1;
                Some(Msg::Undone { key })
            }
            _ => None,
        }
    }
}

impl Node for Service {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = SagaDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        if self.cfg.idempotency_keys {
            if let Some((_, answer)) = self.ledger.answers.iter().find(|(k, _)| k == msg.key()) {
                ctx.send(from, answer.clone());
                return;
            }
        }
        let Some(answer) = self.apply(&msg) else { return };
        // A transient failure changes nothing and is not recorded: the retry must run the cancellation. Anything
        // else is one local transaction: the change and its key, durable before the answer.
        if !matches!(answer, Msg::UndoFailed { .. }) {
            if self.cfg.idempotency_keys {
                self.ledger.answers.push((msg.key().to_string(), answer.clone()));
            }
            ctx.persist(SagaDisk::Ledger(self.ledger.clone()));
        }
        ctx.send(from, answer);
    }

    fn restart(&self, disk: &SagaDisk) -> Self {
        let ledger = if let SagaDisk::Ledger(l) = disk { l.clone() } else { Ledger::default() };
        Service { ledger, ..Service::new(self.cfg.clone()) }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let status = if self.ledger.holds() { "booked" } else { "nothing booked" }.to_string();
        let fields = vec![
            ("bookings / refunds".to_string(), format!("{} / {}", self.ledger.booked, self.ledger.refunded)),
            ("idempotency keys seen".into(), self.ledger.answers.len().to_string()),
        ];
        let tone = if self.ledger.refunded > self.ledger.booked { Tone::Bad } else { Tone::Neutral };
        NodeView { status, tone, fields, ..NodeView::default() }
    }

    type Look = Ledger;

    fn look(&self) -> Ledger {
        self.ledger.clone()
    }

    /// The lane's bar is the booking, visible to any reader while it stands; notes say what a request did.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (before, now) = (step.before, &self.ledger);
        if before.holds() != now.holds() || matches!(step.input, Input::Restart { .. }) {
            if before.holds() && !matches!(step.input, Input::Restart { .. }) {
                out.span_close("booking");
            }
            if now.holds() {
                out.span_open("booking", "booked: visible to every reader", Tone::Info);
            }
        }
        let Input::Msg { msg, .. } = step.input else { return };
        let answer = step.sent().next().map(|(_, m)| m);
        let replayed = self.cfg.idempotency_keys && before.answers.iter().any(|(k, _)| k == msg.key());
        let text = match answer {
            _ if replayed => Some((format!("{} seen before: answers again, changes nothing", msg.key()), Tone::Good)),
            Some(Msg::Failed { .. }) => Some(("cannot book: none available".to_string(), Tone::Warn)),
            Some(Msg::UndoFailed { .. }) => {
                Some(("the cancellation fails this time (a transient error)".to_string(), Tone::Warn))
            }
            Some(Msg::Undone { .. }) if now.refunded > now.booked => {
                Some((format!("refunds again: {} refunds for {} booking(s)", now.refunded, now.booked), Tone::Bad))
            }
            Some(Msg::Done { .. }) if now.booked > 1 => {
                Some((format!("books again: {} bookings", now.booked), Tone::Bad))
            }
            _ => None,
        };
        if let Some((text, tone)) = text {
            out.note(text, tone);
        }
        if before.holds() != now.holds() {
            out.metric("bookings standing", i64::from(now.holds()));
        }
        if now.refunded != before.refunded {
            out.metric("refunds", i64::from(now.refunded));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn service(idempotency_keys: bool, undo_failures: u32) -> Service {
        Service::new(ServiceConfig { fails: false, undo_failures, idempotency_keys })
    }

    /// With keys, a repeated request gets the same answer and changes nothing; without, it is applied again.
    #[test]
    fn a_repeated_cancellation_refunds_once_with_a_key_and_twice_without() {
        for (keys, refunds) in [(true, 1), (false, 2)] {
            let mut s = service(keys, 0);
            let mut t: TestCtx<Msg, Timer, SagaDisk> = TestCtx::new(2, 0, 1);
            s.on_msg(&mut t.ctx(), 0, Msg::Do { key: "T2".into() });
            for _ in 0..2 {
                s.on_msg(&mut t.ctx(), 0, Msg::Undo { key: "C2".into() });
            }
            assert_eq!((s.ledger.booked, s.ledger.refunded), (1, refunds), "keys: {keys}");
            assert_eq!(t.sent().iter().filter(|(_, m)| **m == Msg::Undone { key: "C2".into() }).count(), 2);
        }
    }

    /// A transient failure is answered, changes nothing and is not remembered: the retry runs the cancellation.
    #[test]
    fn a_failed_cancellation_is_not_recorded_so_its_retry_runs() {
        let mut s = service(true, 1);
        let mut t: TestCtx<Msg, Timer, SagaDisk> = TestCtx::new(2, 0, 1);
        s.on_msg(&mut t.ctx(), 0, Msg::Do { key: "T2".into() });
        t.effects.clear();
        s.on_msg(&mut t.ctx(), 0, Msg::Undo { key: "C2".into() });
        assert_eq!(t.take(), [Effect::Send { to: 0, msg: Msg::UndoFailed { key: "C2".into() } }], "nothing written");
        s.on_msg(&mut t.ctx(), 0, Msg::Undo { key: "C2".into() });
        assert_eq!(s.ledger.refunded, 1);
    }
}
