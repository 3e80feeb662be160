//! A participant (resource manager): it works on the transaction holding a row lock from its first write, votes
//! when the coordinator asks (`Prepare`), and applies the outcome.
//!
//! Voting yes is a promise: the participant first forces a *prepared* record to its durable log, then sends
//! `Prepared`, and from then on it holds its locks and may not decide alone (as PostgreSQL's `PREPARE
//! TRANSACTION` keeps its locks until `COMMIT PREPARED` or `ROLLBACK PREPARED`). Before it votes it may abort on
//! its own at any time. What it does when it hears nothing is the protocol's choice:
//! - `2pc`: it asks the coordinator again and again, and waits — blocked while the coordinator is down;
//! - `2pc-ctp`: it also asks its peers (cooperative termination): a peer that knows the outcome tells it, a peer
//!   that has not voted aborts and says so, a peer that is uncertain too cannot help;
//! - `3pc`: the timeout rules of three-phase commit — uncertain (voted yes, no `PreCommit`) → abort,
//!   pre-committed → commit.

use super::disk::{outcome, Disk, ParticipantLog};
use super::msg::{Layout, Msg, Protocol, Timer, COORDINATOR};
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantConfig {
    pub id: NodeId,
    pub layout: Layout,
    pub protocol: Protocol,
    /// How long its work takes (the initiating participant's exactly; the others' is drawn in [½, 1]×).
    pub work_us: u64,
    /// The time to force a record to the durable log.
    pub fsync_us: u64,
    /// How long it waits for `Prepare` after its work, or for the outcome after voting yes.
    pub timeout_us: u64,
    /// It chooses to abort while working, and votes no.
    pub votes_no: bool,
    /// It starts the protocol: its `Prepared` asks the coordinator to begin (Gray & Lamport's setup).
    pub initiator: bool,
    /// Broken: after voting yes, a timeout makes it abort on its own.
    pub abort_when_uncertain: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Working on the transaction, holding its row lock.
    #[default]
    Working,
    /// Work done, waiting for `Prepare`.
    Ready,
    /// Forcing its prepared record to the log (the vote goes out when the write completes).
    Forcing,
    /// Voted yes: uncertain, holding its locks, bound to the coordinator's decision.
    Prepared,
    /// Three-phase commit: every participant voted yes; it will commit unless told otherwise.
    PreCommitted,
    Committed,
    Aborted,
}

impl Phase {
    /// The phase an outcome ends in.
    pub fn outcome(commit: bool) -> Phase {
        if commit {
            Phase::Committed
        } else {
            Phase::Aborted
        }
    }

    pub fn holds_locks(self) -> bool {
        !matches!(self, Phase::Committed | Phase::Aborted)
    }

    /// Voted yes and does not know the outcome.
    pub fn in_doubt(self) -> bool {
        matches!(self, Phase::Prepared | Phase::PreCommitted)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    pub cfg: ParticipantConfig,
    pub phase: Phase,
    /// `Prepare` arrived while it was still working.
    pub asked: bool,
    /// Its durable log (the kernel keeps what was persisted across a crash; this copy is for its panel).
    pub log: ParticipantLog,
    /// Its own clock when it took its lock (for the lock-held time).
    pub locked_at_us: i64,
    /// Its own clock when it voted yes (for the time in doubt).
    pub prepared_at_us: Option<i64>,
}

impl Participant {
    pub fn new(cfg: ParticipantConfig) -> Self {
        Participant {
            cfg,
            phase: Phase::Working,
            asked: false,
            log: ParticipantLog::default(),
            locked_at_us: 0,
            prepared_at_us: None,
        }
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.cfg.layout.participants().filter(move |&p| p != self.cfg.id)
    }

    fn persist(&mut self, ctx: &mut C<'_>) {
        ctx.persist(Disk::Participant(self.log.clone()));
    }

    /// Vote: to the coordinator (2PC, 3PC), or as this instance's ballot-0 Paxos vote to F+1 acceptors (Paxos
    /// Commit; the initiating participant first asks the coordinator to begin).
    fn vote(&self, ctx: &mut C<'_>, prepared: bool) {
        if self.cfg.protocol != Protocol::PaxosCommit {
            ctx.send(COORDINATOR, if prepared { Msg::Prepared } else { Msg::Aborted });
            return;
        }
        if self.cfg.initiator {
            ctx.send(COORDINATOR, Msg::BeginCommit);
        }
        for a in self.cfg.layout.first_quorum() {
            ctx.send(a, Msg::Phase2a { instance: self.cfg.id, ballot: 0, prepared });
        }
    }

    /// Force the prepared record; the vote goes out when the write completes.
    fn prepare(&mut self, ctx: &mut C<'_>) {
        self.phase = Phase::Forcing;
        ctx.cancel_timer(Timer::Timeout);
        ctx.set_timer(self.cfg.fsync_us, Timer::LogForced);
    }

    /// Abort on its own: allowed only before it voted yes (and by the broken variant after).
    fn abort_alone(&mut self, ctx: &mut C<'_>) {
        self.apply(ctx, false);
    }

    /// Apply an outcome: write it to the log, release the locks, stop every timer.
    fn apply(&mut self, ctx: &mut C<'_>, commit: bool) {
        if !self.phase.holds_locks() {
            return; // decided already (a contrary outcome happens only in broken runs; the narration says so)
        }
        self.log.outcome = Some(commit);
        self.persist(ctx);
        self.phase = Phase::outcome(commit);
        for t in [Timer::WorkDone, Timer::LogForced, Timer::Timeout] {
            ctx.cancel_timer(t);
        }
    }

    /// Ask for the outcome: the coordinator (with Paxos Commit the backup too), and with cooperative termination
    /// every peer.
    fn ask(&mut self, ctx: &mut C<'_>) {
        for leader in self.cfg.layout.leaders().collect::<Vec<_>>() {
            ctx.send(leader, Msg::DecisionRequest);
        }
        if self.cfg.protocol == Protocol::Ctp {
            for p in self.peers().collect::<Vec<_>>() {
                ctx.send(p, Msg::DecisionRequest);
            }
        }
        ctx.set_timer(self.cfg.timeout_us, Timer::Timeout);
    }
}

impl Node for Participant {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.locked_at_us = ctx.now_us();
        match self.phase {
            // Its first write takes the row lock; the work takes a while.
            Phase::Working => {
                let work = if self.cfg.initiator {
                    self.cfg.work_us
                } else {
                    ctx.random_between(self.cfg.work_us / 2, self.cfg.work_us)
                };
                ctx.set_timer(work, Timer::WorkDone);
            }
            // Restarted with a prepared record and no outcome: locks taken again, still bound; it asks.
            Phase::Prepared | Phase::PreCommitted => {
                self.prepared_at_us = Some(ctx.now_us());
                self.ask(ctx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match (timer, self.phase) {
            (Timer::WorkDone, Phase::Working) => {
                if self.cfg.votes_no {
                    self.abort_alone(ctx);
                    if self.cfg.initiator || self.asked {
                        self.vote(ctx, false);
                    }
                } else if self.cfg.initiator || self.asked {
                    self.prepare(ctx);
                } else {
                    self.phase = Phase::Ready;
                    ctx.set_timer(self.cfg.timeout_us, Timer::Timeout);
                }
            }
            (Timer::LogForced, Phase::Forcing) => {
                self.log.prepared = true;
                self.persist(ctx);
                self.phase = Phase::Prepared;
                self.prepared_at_us = Some(ctx.now_us());
                self.vote(ctx, true);
                ctx.set_timer(self.cfg.timeout_us, Timer::Timeout);
            }
            // No `Prepare` came: it has not voted, so it may abort.
            (Timer::Timeout, Phase::Ready) => self.abort_alone(ctx),
            (Timer::Timeout, Phase::Prepared) => {
                if self.cfg.protocol == Protocol::ThreePc || self.cfg.abort_when_uncertain {
                    self.abort_alone(ctx);
                } else {
                    self.ask(ctx);
                }
            }
            (Timer::Timeout, Phase::PreCommitted) => self.apply(ctx, true),
            _ => {}
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Prepare => match self.phase {
                Phase::Working => self.asked = true,
                Phase::Ready => self.prepare(ctx),
                Phase::Prepared | Phase::PreCommitted => self.vote(ctx, true),
                Phase::Aborted => self.vote(ctx, false),
                Phase::Forcing | Phase::Committed => {}
            },
            Msg::Commit | Msg::Abort => {
                self.apply(ctx, msg == Msg::Commit);
                if self.cfg.layout.leaders().any(|l| l == from) {
                    ctx.send(from, Msg::Ack);
                }
            }
            Msg::PreCommit => {
                if self.phase == Phase::Prepared {
                    self.phase = Phase::PreCommitted;
                    self.log.precommitted = true;
                    self.persist(ctx);
                    ctx.set_timer(self.cfg.timeout_us, Timer::Timeout);
                }
                if self.phase == Phase::PreCommitted {
                    ctx.send(COORDINATOR, Msg::PreCommitAck);
                }
            }
            // A peer asks (cooperative termination).
            Msg::DecisionRequest => match self.phase {
                Phase::Committed | Phase::Aborted => ctx.send(from, Msg::decision(self.phase == Phase::Committed)),
                Phase::Working | Phase::Ready | Phase::Forcing => {
                    self.abort_alone(ctx);
                    ctx.send(from, Msg::Abort);
                }
                Phase::Prepared | Phase::PreCommitted => ctx.send(from, Msg::Uncertain),
            },
            _ => {}
        }
    }

    fn restart(&self, disk: &Disk) -> Self {
        // Its work was in memory: without a prepared record the transaction is aborted here. With one, it is
        // bound: it takes its locks again and waits for the outcome.
        let mut p = Participant::new(self.cfg.clone());
        if let Disk::Participant(log) = disk {
            p.log = log.clone();
        }
        p.phase = match (p.log.outcome, p.log.prepared, p.log.precommitted) {
            (Some(true), ..) => Phase::Committed,
            (Some(false), ..) | (None, false, _) => Phase::Aborted,
            (None, true, true) => Phase::PreCommitted,
            (None, true, false) => Phase::Prepared,
        };
        p
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, tone) = match self.phase {
            Phase::Working => ("working, holding its row lock".to_string(), Tone::Info),
            Phase::Ready => ("work done, waiting for Prepare".to_string(), Tone::Info),
            Phase::Forcing => ("forcing its prepared record".to_string(), Tone::Info),
            Phase::Prepared => ("prepared: in doubt, holding its locks".to_string(), Tone::Warn),
            Phase::PreCommitted => ("pre-committed, holding its locks".to_string(), Tone::Warn),
            Phase::Committed => ("committed".to_string(), Tone::Good),
            Phase::Aborted => ("aborted".to_string(), Tone::Neutral),
        };
        let mut fields = vec![("locks".to_string(), if self.phase.holds_locks() { "held" } else { "released" }.into())];
        if let (Some(at), true) = (self.prepared_at_us, self.phase.in_doubt()) {
            fields.push(("in doubt for".into(), fmt_us((now_local_us - at).max(0))));
        }
        let log = match (self.log.outcome, self.log.prepared) {
            (Some(c), _) => format!("outcome {}", outcome(c)),
            (None, true) if self.log.precommitted => "prepared, pre-committed".into(),
            (None, true) => "prepared".into(),
            (None, false) => "nothing".into(),
        };
        fields.push(("durable log".into(), log));
        if self.cfg.votes_no {
            fields.push(("will vote".into(), "no".into()));
        }
        NodeView { status, tone, fields, ..NodeView::default() }
    }

    type Look = Phase;

    fn look(&self) -> Phase {
        self.phase
    }

    /// The lane's bar is the lock, labelled by what the participant knows; notes say why each step happened;
    /// the charts get locks held, participants in doubt and the total lock-held time.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (before, now) = (*step.before, self.phase);
        let label = |p: Phase| match p {
            Phase::Working | Phase::Ready | Phase::Forcing => Some(("row lock held", Tone::Info)),
            Phase::Prepared => Some(("prepared, in doubt: locks held", Tone::Warn)),
            Phase::PreCommitted => Some(("pre-committed: locks held", Tone::Warn)),
            Phase::Committed | Phase::Aborted => None,
        };
        let restarted = matches!(step.input, Input::Restart { .. });
        let first = matches!(step.input, Input::Start) || restarted;
        if label(before) != label(now) || first {
            // A crash ended the crashed node's bars; a start has none to end.
            if label(before).is_some() && !first {
                out.span_close("lock");
            }
            if let Some((text, tone)) = label(now) {
                out.span_open("lock", text, tone);
            }
        }
        let waited = fmt_us(self.cfg.timeout_us as i64);
        match step.input {
            Input::Restart { .. } => {
                let text = match now {
                    Phase::Prepared | Phase::PreCommitted => {
                        "restarted with a prepared record and no outcome: takes its locks again and asks".to_string()
                    }
                    Phase::Aborted if !self.log.prepared => {
                        "restarted with no prepared record: the transaction is aborted here".to_string()
                    }
                    _ => format!("restarted: its log says {}", outcome(now == Phase::Committed)),
                };
                out.note(text, Tone::Neutral);
            }
            Input::Timer(Timer::WorkDone) if now == Phase::Aborted => {
                out.note("chooses to abort while working (it has not voted): votes no", Tone::Neutral)
            }
            Input::Timer(Timer::LogForced) if now == Phase::Prepared => {
                out.note("prepared record forced to its log: votes yes, and is bound from now on", Tone::Neutral)
            }
            Input::Timer(Timer::Timeout) => match (before, now) {
                (Phase::Ready, Phase::Aborted) => {
                    out.note(format!("no Prepare in {waited}: it has not voted, so it aborts"), Tone::Neutral)
                }
                (Phase::Prepared, Phase::Aborted) if self.cfg.protocol == Protocol::ThreePc => out.note(
                    format!("no decision in {waited} while uncertain: aborts (3PC's timeout rule)"),
                    Tone::Warn,
                ),
                (Phase::Prepared, Phase::Aborted) => out.note(
                    format!("no decision in {waited}: aborts on its own although it voted yes — it may not!"),
                    Tone::Bad,
                ),
                (Phase::PreCommitted, Phase::Committed) => out.note(
                    format!("no decision in {waited} after PreCommit: commits (3PC's timeout rule)"),
                    Tone::Warn,
                ),
                (Phase::Prepared, Phase::Prepared) => {
                    let whom = if self.cfg.protocol == Protocol::Ctp {
                        "asks the coordinator and its peers (cooperative termination)"
                    } else {
                        "asks the coordinator again — it voted yes and may not decide alone"
                    };
                    out.note(format!("no decision in {waited}: {whom}"), Tone::Warn)
                }
                _ => {}
            },
            Input::Msg { from, msg } => match msg {
                Msg::Commit | Msg::Abort if before == now && now == Phase::outcome(*msg != Msg::Commit) => out.note(
                    format!(
                        "told to {} by {}, but it already did the opposite",
                        outcome(*msg == Msg::Commit),
                        self.cfg.layout.name(from)
                    ),
                    Tone::Bad,
                ),
                Msg::Commit | Msg::Abort if before != now && self.cfg.layout.participants().contains(&from) => out.note(
                    format!(
                        "learns {} from {} (cooperative termination)",
                        outcome(*msg == Msg::Commit),
                        self.cfg.layout.name(from)
                    ),
                    Tone::Good,
                ),
                Msg::Commit | Msg::Abort if before != now => {
                    let by = if from == COORDINATOR { String::new() } else { format!(" (told by the {})", self.cfg.layout.name(from)) };
                    out.note(format!("{}s: locks released{by}", outcome(*msg == Msg::Commit)), Tone::Good)
                }
                Msg::DecisionRequest if before != now => out.note(
                    format!("{} asks; it has not voted, so it aborts and says so", self.cfg.layout.name(from)),
                    Tone::Neutral,
                ),
                Msg::Uncertain => {
                    out.note(format!("{} is uncertain too: it cannot help", self.cfg.layout.name(from)), Tone::Neutral)
                }
                _ => {}
            },
            _ => {}
        }
        if before.holds_locks() != now.holds_locks() || first {
            out.metric("locks held", i64::from(now.holds_locks()));
            if before.holds_locks() && !now.holds_locks() {
                out.metric("lock-held ms", (step.now_us - self.locked_at_us).max(0) / 1_000);
            }
        }
        if before.in_doubt() != now.in_doubt() || restarted {
            out.metric("in doubt", i64::from(now.in_doubt()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn participant(id: NodeId, protocol: Protocol) -> Participant {
        Participant::new(ParticipantConfig {
            id,
            layout: Layout { participants: 3, acceptors: 0 },
            protocol,
            work_us: 50_000,
            fsync_us: 5_000,
            timeout_us: 300_000,
            votes_no: false,
            initiator: id == 1,
            abort_when_uncertain: false,
        })
    }

    fn ctx() -> TestCtx<Msg, Timer, Disk> {
        TestCtx::new(2, 100_000, 1)
    }

    /// Voting yes, every effect in order: force the prepared record (an fsync), then — only when it is on the
    /// log — vote, and wait for the outcome.
    #[test]
    fn a_yes_vote_is_sent_only_after_the_prepared_record_is_forced() {
        let mut p = participant(2, Protocol::TwoPc);
        p.phase = Phase::Ready;
        let mut t = ctx();
        p.on_msg(&mut t.ctx(), COORDINATOR, Msg::Prepare);
        assert_eq!(
            t.take(),
            [Effect::CancelTimer { timer: Timer::Timeout }, Effect::SetTimer { after_us: 5_000, timer: Timer::LogForced }]
        );
        assert_eq!(p.phase, Phase::Forcing);
        p.on_timer(&mut t.ctx(), Timer::LogForced);
        assert_eq!(
            t.take(),
            [
                Effect::Persist(Disk::Participant(ParticipantLog { prepared: true, ..ParticipantLog::default() })),
                Effect::Send { to: COORDINATOR, msg: Msg::Prepared },
                Effect::SetTimer { after_us: 300_000, timer: Timer::Timeout },
            ]
        );
        assert_eq!(p.phase, Phase::Prepared);
    }

    /// Uncertain after a timeout: plain 2PC asks the coordinator only; cooperative termination asks the peers
    /// too; 3PC aborts.
    #[test]
    fn an_uncertain_participant_asks_whom_its_protocol_says_or_aborts_in_3pc() {
        for (protocol, asked) in [(Protocol::TwoPc, vec![0]), (Protocol::Ctp, vec![0, 1, 3]), (Protocol::ThreePc, vec![])] {
            let mut p = participant(2, protocol);
            p.phase = Phase::Prepared;
            let mut t = ctx();
            p.on_timer(&mut t.ctx(), Timer::Timeout);
            let to: Vec<NodeId> = t.sent().iter().map(|(to, m)| {
                assert_eq!(**m, Msg::DecisionRequest);
                *to
            }).collect();
            assert_eq!(to, asked, "{protocol:?}");
            let expect = if protocol == Protocol::ThreePc { Phase::Aborted } else { Phase::Prepared };
            assert_eq!(p.phase, expect, "{protocol:?}");
        }
    }

    /// Cooperative termination: a peer that knows tells, a peer that has not voted aborts and says so, a peer in
    /// doubt cannot help.
    #[test]
    fn a_peer_answers_a_decision_request_by_what_it_knows() {
        for (phase, answer, after) in [
            (Phase::Committed, Msg::Commit, Phase::Committed),
            (Phase::Working, Msg::Abort, Phase::Aborted),
            (Phase::Ready, Msg::Abort, Phase::Aborted),
            (Phase::Prepared, Msg::Uncertain, Phase::Prepared),
        ] {
            let mut p = participant(3, Protocol::Ctp);
            p.phase = phase;
            let mut t = ctx();
            p.on_msg(&mut t.ctx(), 2, Msg::DecisionRequest);
            assert_eq!(t.sent(), [(2, &answer)], "{phase:?}");
            assert_eq!(p.phase, after, "{phase:?}");
        }
    }

    #[test]
    fn a_restart_keeps_what_the_log_says_and_nothing_else() {
        let p = participant(2, Protocol::TwoPc);
        let log = |prepared, outcome| Disk::Participant(ParticipantLog { prepared, precommitted: false, outcome });
        for (disk, phase) in [
            (Disk::Empty, Phase::Aborted),
            (log(false, None), Phase::Aborted),
            (log(true, None), Phase::Prepared),
            (log(true, Some(true)), Phase::Committed),
        ] {
            assert_eq!(p.restart(&disk).phase, phase, "{disk:?}");
        }
        // Restarted in doubt: it asks at once.
        let mut back = p.restart(&log(true, None));
        let mut t = ctx();
        back.on_start(&mut t.ctx());
        assert_eq!(t.sent(), [(COORDINATOR, &Msg::DecisionRequest)]);
    }
}
