//! The orchestrator (Garcia-Molina & Salem's saga execution component): it runs the steps T1…Tn in order, each
//! a local transaction at its service, and if step k fails it runs the compensations Ck−1…C1. It writes every
//! outcome to its durable saga log before it moves on, so that after a crash it resumes where the log says —
//! sending the pending request again, with the same idempotency key. Any request without an answer in time is
//! sent again (same key); a compensation that failed is retried after a pause: a compensation must not be given
//! up, since the saga's guarantee is that it either completes or is undone.

use super::disk::SagaDisk;
use super::msg::{key, name, Msg, Timer};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, SagaDisk>;

/// The saga log: how far it went forward, whether it is compensating and how far, and whether it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SagaLog {
    /// Steps that committed (T1…Tdone).
    pub done: u32,
    /// A step failed: the saga is being undone.
    pub compensating: bool,
    /// Compensations that committed (Cdone, Cdone−1, … counted).
    pub undone: u32,
    pub ended: bool,
}

impl SagaLog {
    /// The request pending now: (step, compensation?), or none once the saga ended.
    pub fn pending(&self, steps: u32) -> Option<(NodeId, bool)> {
        match (self.ended, self.compensating) {
            (true, _) => None,
            (false, false) if self.done < steps => Some((self.done + 1, false)),
            (false, true) if self.undone < self.done => Some((self.done - self.undone, true)),
            _ => None,
        }
    }

    /// Completed (every step committed) or compensated (every committed step undone).
    pub fn outcome(&self) -> &'static str {
        if self.compensating {
            "compensated"
        } else {
            "completed"
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrchestratorConfig {
    pub steps: u32,
    pub timeout_us: u64,
    pub retry_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Orchestrator {
    pub cfg: OrchestratorConfig,
    /// Its saga log (the kernel keeps what was persisted across a crash; this copy is what it acts on).
    pub log: SagaLog,
    /// Requests sent for the pending step (1: the first try).
    pub tries: u32,
}

impl Orchestrator {
    pub fn new(cfg: OrchestratorConfig) -> Self {
        Orchestrator { cfg, log: SagaLog::default(), tries: 0 }
    }

    /// Send the pending request (or end the saga if nothing is pending), with a reply timeout.
    fn next(&mut self, ctx: &mut C<'_>) {
        match self.log.pending(self.cfg.steps) {
            Some((step, compensate)) => {
                self.tries += 1;
                let key = key(step, compensate);
                ctx.send(step, if compensate { Msg::Undo { key } } else { Msg::Do { key } });
                ctx.set_timer(self.cfg.timeout_us, Timer::Timeout);
            }
            None if !self.log.ended => {
                self.log.ended = true;
                ctx.persist(SagaDisk::Log(self.log.clone()));
                ctx.cancel_timer(Timer::Timeout);
            }
            None => {}
        }
    }

    /// Record an outcome in the saga log (before anything depends on it), then go on.
    fn advance(&mut self, ctx: &mut C<'_>, change: impl FnOnce(&mut SagaLog)) {
        change(&mut self.log);
        ctx.persist(SagaDisk::Log(self.log.clone()));
        self.tries = 0;
        ctx.cancel_timer(Timer::Timeout);
        self.next(ctx);
    }
}

impl Node for Orchestrator {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = SagaDisk;

    /// The saga begins at time 0; after a restart it resumes where its log says.
    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.next(ctx);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        // Only the answer to the pending request counts; a late duplicate answer is ignored.
        let Some((step, compensate)) = self.log.pending(self.cfg.steps) else { return };
        if from != step || msg.key() != key(step, compensate) {
            return;
        }
        match msg {
            Msg::Done { .. } => self.advance(ctx, |l| l.done += 1),
            Msg::Failed { .. } => self.advance(ctx, |l| l.compensating = true),
            Msg::Undone { .. } => self.advance(ctx, |l| l.undone += 1),
            Msg::UndoFailed { .. } => {
                ctx.cancel_timer(Timer::Timeout);
                ctx.set_timer(self.cfg.retry_us, Timer::Retry);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, _timer: Timer) {
        self.next(ctx);
    }

    fn restart(&self, disk: &SagaDisk) -> Self {
        let log = if let SagaDisk::Log(l) = disk { l.clone() } else { SagaLog::default() };
        Orchestrator { log, ..Orchestrator::new(self.cfg.clone()) }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let (status, tone) = match self.log.pending(self.cfg.steps) {
            Some((step, false)) => (format!("booking the {}", name(step)), Tone::Info),
            Some((step, true)) => (format!("compensating: cancelling the {}", name(step)), Tone::Warn),
            None if self.log.ended => (format!("saga {}", self.log.outcome()), Tone::Good),
            None => ("ending".to_string(), Tone::Neutral),
        };
        let log = format!(
            "{} step(s) done{}{}",
            self.log.done,
            if self.log.compensating { format!(", compensating, {} undone", self.log.undone) } else { String::new() },
            if self.log.ended { ", ended" } else { "" }
        );
        NodeView { status, tone, fields: vec![("saga log".into(), log), ("tries".into(), self.tries.to_string())], ..NodeView::default() }
    }

    type Look = (SagaLog, u32);

    fn look(&self) -> (SagaLog, u32) {
        (self.log.clone(), self.tries)
    }

    /// The lane's bar is the saga going forward or being undone; notes give each turn and each retry.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (before, tries_before) = (&step.before.0, step.before.1);
        let bar = |l: &SagaLog| match (l.ended, l.compensating) {
            (true, _) => None,
            (false, false) => Some(("saga: going forward", Tone::Info)),
            (false, true) => Some(("saga: compensating", Tone::Warn)),
        };
        let restarted = matches!(step.input, Input::Restart { .. });
        if bar(before) != bar(&self.log) || matches!(step.input, Input::Start) || restarted {
            if bar(before).is_some() && !matches!(step.input, Input::Start) && !restarted {
                out.span_close("saga");
            }
            if let Some((label, tone)) = bar(&self.log) {
                out.span_open("saga", label, tone);
            }
        }
        if restarted {
            let text = match self.log.pending(self.cfg.steps) {
                Some((s, c)) => format!("restarted: its saga log says to resume with {}, sent again", key(s, c)),
                None => "restarted: its saga log says the saga ended".to_string(),
            };
            out.note(text, Tone::Neutral);
        }
        if !before.compensating && self.log.compensating {
            out.note(
                format!("step {} failed: compensating the {} step(s) done, last first", self.log.done + 1, self.log.done),
                Tone::Warn,
            );
        }
        if !before.ended && self.log.ended {
            out.note(format!("saga {}", self.log.outcome()), Tone::Good);
        }
        if self.tries > 1 && self.tries > tries_before {
            let (s, c) = self.log.pending(self.cfg.steps).unwrap_or_default();
            let why = if matches!(step.input, Input::Timer(Timer::Retry)) { "retries" } else { "no answer in time: sends again" };
            out.note(format!("{why} {} (try {}, same idempotency key)", key(s, c), self.tries), Tone::Warn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn orchestrator() -> Orchestrator {
        Orchestrator::new(OrchestratorConfig { steps: 3, timeout_us: 100_000, retry_us: 50_000 })
    }

    /// Forward: each answer is logged before the next request goes out; a failure turns the saga around and the
    /// compensations run last first.
    #[test]
    fn it_logs_each_outcome_then_asks_for_the_next_and_compensates_last_first() {
        let mut o = orchestrator();
        let mut t: TestCtx<Msg, Timer, SagaDisk> = TestCtx::new(0, 0, 1);
        o.on_start(&mut t.ctx());
        let book = |s| Msg::Do { key: key(s, false) };
        assert_eq!(t.take(), [Effect::Send { to: 1, msg: book(1) }, Effect::SetTimer { after_us: 100_000, timer: Timer::Timeout }]);
        o.on_msg(&mut t.ctx(), 1, Msg::Done { key: key(1, false) });
        assert_eq!(
            t.take(),
            [
                Effect::Persist(SagaDisk::Log(SagaLog { done: 1, ..SagaLog::default() })),
                Effect::CancelTimer { timer: Timer::Timeout },
                Effect::Send { to: 2, msg: book(2) },
                Effect::SetTimer { after_us: 100_000, timer: Timer::Timeout },
            ]
        );
        o.on_msg(&mut t.ctx(), 2, Msg::Done { key: key(2, false) });
        o.on_msg(&mut t.ctx(), 3, Msg::Failed { key: key(3, false) });
        let cancels: Vec<_> = t.sent().into_iter().filter(|(_, m)| matches!(m, Msg::Undo { .. })).map(|(to, _)| to).collect();
        assert_eq!(cancels, [2], "the hotel first");
        o.on_msg(&mut t.ctx(), 2, Msg::Undone { key: key(2, true) });
        o.on_msg(&mut t.ctx(), 1, Msg::Undone { key: key(1, true) });
        assert_eq!(o.log, SagaLog { done: 2, compensating: true, undone: 2, ended: true });
    }

    /// A late or foreign answer changes nothing; no answer in time sends the same request again.
    #[test]
    fn it_resends_with_the_same_key_and_ignores_answers_it_does_not_wait_for() {
        let mut o = orchestrator();
        let mut t: TestCtx<Msg, Timer, SagaDisk> = TestCtx::new(0, 0, 1);
        o.on_start(&mut t.ctx());
        t.effects.clear();
        o.on_msg(&mut t.ctx(), 2, Msg::Done { key: key(2, false) });
        assert_eq!(t.take(), [], "not the pending request");
        o.on_timer(&mut t.ctx(), Timer::Timeout);
        assert_eq!(t.sent(), [(1, &Msg::Do { key: key(1, false) })]);
        assert_eq!(o.tries, 2);
    }

    #[test]
    fn a_restart_resumes_where_the_log_says() {
        let o = orchestrator();
        let mut back = o.restart(&SagaDisk::Log(SagaLog { done: 2, compensating: true, undone: 1, ended: false }));
        let mut t: TestCtx<Msg, Timer, SagaDisk> = TestCtx::new(0, 0, 1);
        back.on_start(&mut t.ctx());
        assert_eq!(t.sent(), [(1, &Msg::Undo { key: key(1, true) })], "the flight's cancellation is next");
    }
}
