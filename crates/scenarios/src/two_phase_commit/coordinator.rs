//! The coordinator (transaction manager). The initiating participant's `Prepared` starts the protocol: the
//! coordinator sends `Prepare` to every other participant and collects votes. Commit only if every participant
//! voted `Prepared`; any `Aborted`, or no vote before the vote timeout, means abort. It forces the decision to
//! its durable log and only then sends it (write-ahead), then resends it until every participant acknowledged.
//! Three-phase commit puts a round between the votes and the decision: `PreCommit`, acknowledged by each
//! participant, so that no participant can commit while another is still uncertain.
//!
//! After a crash it reads its log: a decision there is sent again; no decision means nothing was sent, so it
//! aborts ("presumed abort").
//!
//! With Paxos Commit (Gray & Lamport §4) it is the Paxos leader instead: the initiating participant's
//! `BeginCommit` makes it send `Prepare`; participants vote through the acceptors (ballot 0), whose `Phase2b`
//! reports tell it which vote each instance chose (F+1 acceptors agreeing). It decides commit when every
//! instance chose `Prepared` and abort as soon as one chose `Aborted`; it writes nothing, since the acceptors
//! hold the outcome. If votes do not come in time — or, for the backup coordinator, when an uncertain
//! participant asks — it takes over with a higher ballot of its own: `Phase1a` to every acceptor, and from the
//! promises of F+1 of them it proposes, for each open instance, the vote accepted in the highest ballot (or
//! `Aborted` if none was), exactly as Paxos requires. So a coordinator crash blocks no one while F+1 acceptors
//! and one coordinator are up. The broken variant `force_decision = false` sends the decision before the log
//! write completes: a crash in between loses a decision that participants may already have applied.

use super::disk::{outcome, CoordinatorLog, Disk};
use super::msg::{Accepted, Layout, Msg, Protocol, Timer};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinatorConfig {
    pub layout: Layout,
    pub protocol: Protocol,
    /// Paxos Commit: 0 for the coordinator, 1 for the backup (its ballots are 1 + rank + 2k: never the other's).
    pub rank: u64,
    pub fsync_us: u64,
    /// How long it waits for votes (and, in 3PC, for `PreCommit` acknowledgements).
    pub vote_timeout_us: u64,
    /// How often it resends the decision to participants that have not acknowledged it.
    pub resend_us: u64,
    /// Correct: the decision is on the log before it is sent. Broken: sent first, written after.
    pub force_decision: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the initiating participant.
    #[default]
    Idle,
    Collecting,
    /// Forcing a record to its log (the pre-commit record, or the decision).
    Forcing,
    /// Three-phase commit: `PreCommit` sent, collecting acknowledgements.
    PreCommitting,
    /// Paxos Commit: taking over with a ballot of its own (phase 1, then phase 2 for the open instances).
    Recovering,
    /// The decision is sent; waiting for acknowledgements.
    Decided,
    /// Every participant acknowledged: the transaction is forgotten.
    Done,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coordinator {
    pub cfg: CoordinatorConfig,
    pub phase: Phase,
    /// Each participant's vote (index: participant − 1): as it arrived (2PC, 3PC), or as the acceptors chose it
    /// (Paxos Commit).
    pub votes: Vec<Option<bool>>,
    pub decision: Option<bool>,
    pub acked: Vec<bool>,
    /// Its log (the kernel keeps what was persisted across a crash; this copy is for its panel).
    pub log: CoordinatorLog,
    /// This incarnation came back from a crash.
    pub recovered: bool,
    /// Paxos Commit: the ballot it leads (0: the participants' own ballot, before any takeover).
    pub ballot: u64,
    /// Paxos Commit: per instance, the (ballot, vote, acceptor) reports received.
    pub accepts: Vec<Vec<(u64, bool, NodeId)>>,
    /// Paxos Commit: the promises for its ballot, from which acceptors, with what they had accepted.
    pub promises: Vec<(NodeId, Vec<Accepted>)>,
}

impl Coordinator {
    pub fn new(cfg: CoordinatorConfig) -> Self {
        let n = cfg.layout.participants as usize;
        Coordinator {
            cfg,
            phase: Phase::Idle,
            votes: vec![None; n],
            decision: None,
            acked: vec![false; n],
            log: CoordinatorLog::default(),
            recovered: false,
            ballot: 0,
            accepts: vec![Vec::new(); n],
            promises: Vec::new(),
        }
    }

    fn participants(&self) -> impl Iterator<Item = NodeId> {
        self.cfg.layout.participants()
    }

    fn paxos(&self) -> bool {
        self.cfg.protocol == Protocol::PaxosCommit
    }

    /// Paxos Commit: an acceptor reports votes it accepted; a vote is chosen once F+1 acceptors accepted it in
    /// the same ballot. Decide as soon as the chosen votes settle the outcome.
    fn on_2b(&mut self, ctx: &mut C<'_>, from: NodeId, ballot: u64, accepted: Vec<(NodeId, bool)>) {
        for (instance, prepared) in accepted {
            let Some(i) = self.slot(instance) else { continue };
            if !self.accepts[i].iter().any(|&(b, _, a)| b == ballot && a == from) {
                self.accepts[i].push((ballot, prepared, from));
            }
            let agreeing = self.accepts[i].iter().filter(|&&(b, p, _)| b == ballot && p == prepared).count();
            if agreeing >= self.cfg.layout.quorum() {
                self.votes[i] = Some(prepared);
            }
        }
        if self.decision.is_none() {
            if self.votes.contains(&Some(false)) {
                self.decide_paxos(ctx, false);
            } else if self.all_voted_yes() {
                self.decide_paxos(ctx, true);
            }
        }
    }

    /// Paxos Commit: the acceptors hold the outcome, so the decision is sent at once, with no log write.
    fn decide_paxos(&mut self, ctx: &mut C<'_>, commit: bool) {
        self.decision = Some(commit);
        ctx.cancel_timer(Timer::VoteTimeout);
        self.send_decision(ctx);
    }

    /// Paxos Commit: take over with the next ballot of its own, above any it has started or seen.
    fn take_over(&mut self, ctx: &mut C<'_>) {
        let above = self.ballot.max(self.log.ballot);
        let mut ballot = 1 + self.cfg.rank;
        while ballot <= above {
            ballot += 2;
        }
        self.ballot = ballot;
        self.log.ballot = ballot;
        ctx.persist(Disk::Coordinator(self.log.clone()));
        self.phase = Phase::Recovering;
        self.promises.clear();
        for a in self.cfg.layout.acceptors().collect::<Vec<_>>() {
            ctx.send(a, Msg::Phase1a { ballot });
        }
        ctx.set_timer(self.cfg.vote_timeout_us, Timer::VoteTimeout);
    }

    /// Paxos Commit: with F+1 promises, propose for each open instance the vote accepted in the highest ballot
    /// (none: `Aborted`, which its participant may not have sent — but then no one can have chosen `Prepared`).
    fn on_1b(&mut self, ctx: &mut C<'_>, from: NodeId, ballot: u64, accepted: Vec<Accepted>) {
        if self.phase != Phase::Recovering || ballot != self.ballot || self.promises.iter().any(|(a, _)| *a == from) {
            return;
        }
        self.promises.push((from, accepted));
        if self.promises.len() != self.cfg.layout.quorum() {
            return;
        }
        for i in 0..self.votes.len() {
            if self.votes[i].is_some() {
                continue;
            }
            let highest = self.promises.iter().filter_map(|(_, acc)| acc.get(i).copied().flatten()).max_by_key(|(b, _)| *b);
            let prepared = highest.is_some_and(|(_, p)| p);
            for a in self.cfg.layout.acceptors().collect::<Vec<_>>() {
                ctx.send(a, Msg::Phase2a { instance: i as NodeId + 1, ballot, prepared });
            }
        }
    }

    fn slot(&self, from: NodeId) -> Option<usize> {
        (from as usize).checked_sub(1).filter(|&i| i < self.votes.len())
    }

    /// Decide: force the decision to the log, then send it (the broken variant sends first).
    fn decide(&mut self, ctx: &mut C<'_>, commit: bool) {
        self.decision = Some(commit);
        if self.cfg.force_decision {
            self.phase = Phase::Forcing;
        } else {
            self.send_decision(ctx);
        }
        ctx.cancel_timer(Timer::VoteTimeout);
        ctx.set_timer(self.cfg.fsync_us, Timer::LogForced);
    }

    fn send_decision(&mut self, ctx: &mut C<'_>) {
        let Some(commit) = self.decision else { return };
        self.phase = Phase::Decided;
        let msg = Msg::decision(commit);
        for p in self.participants().collect::<Vec<_>>() {
            if !self.acked[p as usize - 1] {
                ctx.send(p, msg.clone());
            }
        }
        ctx.set_timer(self.cfg.resend_us, Timer::Resend);
    }

    fn all_voted_yes(&self) -> bool {
        self.votes.iter().all(|v| *v == Some(true))
    }

    fn on_vote(&mut self, ctx: &mut C<'_>, from: NodeId, yes: bool) {
        let Some(i) = self.slot(from) else { return };
        self.votes[i].get_or_insert(yes);
        match self.phase {
            Phase::Idle => {
                // The initiating participant's vote starts the protocol.
                self.phase = Phase::Collecting;
                for p in self.participants().filter(|&p| p != from).collect::<Vec<_>>() {
                    ctx.send(p, Msg::Prepare);
                }
                ctx.set_timer(self.cfg.vote_timeout_us, Timer::VoteTimeout);
            }
            Phase::Decided if self.acked.get(i) == Some(&false) => {
                // A participant that missed the decision votes again: tell it.
                ctx.send(from, Msg::decision(self.decision == Some(true)));
                return;
            }
            _ => {}
        }
        if self.phase != Phase::Collecting {
            return;
        }
        if !yes {
            self.decide(ctx, false);
        } else if self.all_voted_yes() {
            if self.cfg.protocol == Protocol::ThreePc {
                self.phase = Phase::Forcing;
                ctx.cancel_timer(Timer::VoteTimeout);
                ctx.set_timer(self.cfg.fsync_us, Timer::LogForced);
            } else {
                self.decide(ctx, true);
            }
        }
    }
}

impl Node for Coordinator {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        // Paxos Commit keeps no decision on a coordinator's log: a restarted one waits to be asked, then takes over.
        if !self.recovered || self.paxos() {
            return;
        }
        // Recovery: a decision on the log is sent again; a pre-commit record means every vote was yes (3PC):
        // commit; nothing means nothing was sent: presumed abort.
        match (self.log.decision, self.log.precommit) {
            (Some(commit), _) => {
                self.decision = Some(commit);
                self.send_decision(ctx);
            }
            (None, precommit) => self.decide(ctx, precommit),
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Prepared => self.on_vote(ctx, from, true),
            Msg::Aborted => self.on_vote(ctx, from, false),
            Msg::Ack => {
                if let Some(i) = self.slot(from) {
                    self.acked[i] = true;
                }
                if self.phase == Phase::Decided && self.acked.iter().all(|a| *a) {
                    self.phase = Phase::Done;
                    ctx.cancel_timer(Timer::Resend);
                }
            }
            Msg::PreCommitAck => {
                if let Some(i) = self.slot(from) {
                    self.acked[i] = true;
                }
                if self.phase == Phase::PreCommitting && self.acked.iter().all(|a| *a) {
                    self.acked.iter_mut().for_each(|a| *a = false);
                    self.decide(ctx, true);
                }
            }
            Msg::DecisionRequest => match (self.phase, self.decision) {
                (Phase::Decided | Phase::Done, Some(commit)) => {
                    ctx.send(from, Msg::decision(commit));
                }
                // Paxos Commit: a coordinator that is not running this transaction (the backup, or one that
                // restarted) takes over when asked.
                (Phase::Idle, _) if self.paxos() => self.take_over(ctx),
                // It never started this transaction (the initiator's vote was lost): nothing was decided, abort.
                (Phase::Idle, _) => self.decide(ctx, false),
                _ => {}
            },
            Msg::BeginCommit if self.phase == Phase::Idle && self.cfg.rank == 0 => {
                self.phase = Phase::Collecting;
                for p in self.participants().filter(|&p| p != from).collect::<Vec<_>>() {
                    ctx.send(p, Msg::Prepare);
                }
                ctx.set_timer(self.cfg.vote_timeout_us, Timer::VoteTimeout);
            }
            Msg::Phase2b { ballot, accepted } => self.on_2b(ctx, from, ballot, accepted),
            Msg::Phase1b { ballot, accepted } => self.on_1b(ctx, from, ballot, accepted),
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::VoteTimeout => match self.phase {
                // Paxos Commit: votes did not come in time (an acceptor is down, a vote was lost): take over.
                Phase::Collecting | Phase::Recovering if self.paxos() => self.take_over(ctx),
                Phase::Collecting => self.decide(ctx, false),
                // 3PC: every vote was yes; a participant that does not acknowledge PreCommit does not change that.
                Phase::PreCommitting => {
                    self.acked.iter_mut().for_each(|a| *a = false);
                    self.decide(ctx, true);
                }
                _ => {}
            },
            Timer::LogForced => match (self.phase, self.decision) {
                (Phase::Forcing, None) => {
                    // 3PC: the pre-commit record is on the log; now the extra round.
                    self.log.precommit = true;
                    ctx.persist(Disk::Coordinator(self.log.clone()));
                    self.phase = Phase::PreCommitting;
                    for p in self.participants().collect::<Vec<_>>() {
                        ctx.send(p, Msg::PreCommit);
                    }
                    ctx.set_timer(self.cfg.vote_timeout_us, Timer::VoteTimeout);
                }
                (_, Some(commit)) => {
                    self.log.decision = Some(commit);
                    ctx.persist(Disk::Coordinator(self.log.clone()));
                    if self.phase == Phase::Forcing {
                        self.send_decision(ctx);
                    }
                }
                _ => {}
            },
            Timer::Resend if self.phase == Phase::Decided => self.send_decision(ctx),
            _ => {}
        }
    }

    fn restart(&self, disk: &Disk) -> Self {
        let mut c = Coordinator::new(self.cfg.clone());
        if let Disk::Coordinator(log) = disk {
            c.log = log.clone();
        }
        c.recovered = true;
        c
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let (status, tone) = match (self.phase, self.decision) {
            (Phase::Idle, _) => ("waiting for the initiating participant".to_string(), Tone::Neutral),
            (Phase::Collecting, _) => ("collecting votes".to_string(), Tone::Info),
            (Phase::Forcing, Some(c)) => (format!("forcing decision {} to its log", outcome(c)), Tone::Info),
            (Phase::Forcing, None) => ("forcing its pre-commit record".to_string(), Tone::Info),
            (Phase::PreCommitting, _) => ("PreCommit sent: collecting acknowledgements".to_string(), Tone::Info),
            (Phase::Recovering, _) => (format!("taking over with ballot {}", self.ballot), Tone::Warn),
            (Phase::Decided, Some(c)) => (format!("decided {}: waiting for acknowledgements", outcome(c)), Tone::Good),
            (Phase::Decided, None) => ("decided".to_string(), Tone::Good),
            (Phase::Done, _) => ("done: every participant acknowledged".to_string(), Tone::Good),
        };
        let votes = self
            .votes
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{}: {}", i + 1, v.map_or("?", |y| if y { "yes" } else { "no" })))
            .collect::<Vec<_>>()
            .join(", ");
        let log = match (self.log.decision, self.log.precommit) {
            (Some(c), _) => format!("decision {}", outcome(c)),
            (None, true) => "pre-commit".into(),
            (None, false) => "nothing".into(),
        };
        let fields = vec![("votes".to_string(), votes), ("durable log".into(), log)];
        NodeView { status, tone, fields, ..NodeView::default() }
    }

    type Look = (Phase, Option<bool>, CoordinatorLog, u64);

    fn look(&self) -> Self::Look {
        (self.phase, self.decision, self.log.clone(), self.ballot)
    }

    /// The lane's bar is the transaction as the coordinator sees it; notes give each decision and its reason.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (phase, decision, log, _) = step.before;
        let bar = |p: Phase, d: Option<bool>| match (p, d) {
            (Phase::Collecting, _) => Some(("collecting votes".to_string(), Tone::Info)),
            (Phase::Forcing, Some(c)) => Some((format!("forcing {} to its log", outcome(c)), Tone::Info)),
            (Phase::Forcing, None) | (Phase::PreCommitting, _) => Some(("pre-commit round".to_string(), Tone::Info)),
            (Phase::Recovering, _) => Some(("taking over".to_string(), Tone::Warn)),
            (Phase::Decided, Some(c)) => Some((format!("decided {}: awaiting acks", outcome(c)), Tone::Good)),
            _ => None,
        };
        let restarted = matches!(step.input, Input::Restart { .. });
        let (was, now) = (bar(*phase, *decision), bar(self.phase, self.decision));
        if was != now || restarted {
            if was.is_some() && !restarted {
                out.span_close("txn");
            }
            if let Some((label, tone)) = now {
                out.span_open("txn", label, tone);
            }
        }
        if restarted && self.paxos() {
            out.note("restarted: the acceptors hold the outcome; it takes over if asked", Tone::Neutral);
        } else if restarted {
            let text = match (self.log.decision, self.log.precommit) {
                (Some(c), _) => format!("restarted: its log holds decision {}: sends it again", outcome(c)),
                (None, true) => "restarted: its log holds the pre-commit record: every vote was yes, commits".into(),
                (None, false) => "restarted with no decision on its log: nothing was sent, so it aborts".into(),
            };
            out.note(text, Tone::Neutral);
        }
        if decision.is_none() && !restarted {
            if let Some(commit) = self.decision {
                let text = match (commit, step.input) {
                    (true, _) if self.paxos() => {
                        "the acceptors chose Prepared for every participant: decides commit".to_string()
                    }
                    (false, _) if self.paxos() => "the acceptors chose Aborted for a participant: decides abort".to_string(),
                    (true, _) if self.cfg.protocol == Protocol::ThreePc => "every participant pre-committed (or timed out): decides commit".to_string(),
                    (true, _) => format!("all {} voted yes: decides commit", self.votes.len()),
                    (false, Input::Timer(Timer::VoteTimeout)) => "not every vote came in time: decides abort".into(),
                    (false, Input::Msg { from, msg: Msg::Aborted }) => {
                        format!("{} voted no: decides abort", self.cfg.layout.name(from))
                    }
                    (false, _) => "decides abort".into(),
                };
                out.note(text, if commit { Tone::Good } else { Tone::Neutral });
                if !self.cfg.force_decision && !self.paxos() {
                    out.note("sends the decision before it is on its log", Tone::Bad);
                }
            }
        }
        if *phase == Phase::Collecting && self.phase == Phase::Forcing && self.decision.is_none() {
            out.note(format!("all {} voted yes: pre-commit round first (3PC)", self.votes.len()), Tone::Good);
        }
        if log.decision.is_none() {
            if let Some(c) = self.log.decision {
                out.note(format!("decision {} is on its log", outcome(c)), Tone::Neutral);
            }
        }
        if self.ballot > step.before.3 {
            let why = if *phase == Phase::Idle { "asked, and not running this transaction" } else { "votes did not come in time" };
            out.note(format!("{why}: takes over with ballot {} (Paxos phase 1)", self.ballot), Tone::Warn);
        }
        if *phase != Phase::Done && self.phase == Phase::Done {
            out.note("every participant acknowledged: the transaction is forgotten", Tone::Neutral);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    fn coordinator(protocol: Protocol, force_decision: bool) -> Coordinator {
        Coordinator::new(CoordinatorConfig {
            layout: Layout { participants: 3, acceptors: 0 },
            protocol,
            rank: 0,
            fsync_us: 5_000,
            vote_timeout_us: 200_000,
            resend_us: 300_000,
            force_decision,
        })
    }

    fn ctx() -> TestCtx<Msg, Timer, Disk> {
        TestCtx::new(0, 0, 1)
    }

    /// The initiating participant's vote starts the protocol; the last yes vote starts forcing commit; only when
    /// the decision is on the log does `Commit` go out — to every participant, with a resend timer.
    #[test]
    fn it_prepares_the_others_then_forces_commit_before_sending_it() {
        let mut c = coordinator(Protocol::TwoPc, true);
        let mut t = ctx();
        c.on_msg(&mut t.ctx(), 1, Msg::Prepared);
        assert_eq!(
            t.take(),
            [
                Effect::Send { to: 2, msg: Msg::Prepare },
                Effect::Send { to: 3, msg: Msg::Prepare },
                Effect::SetTimer { after_us: 200_000, timer: Timer::VoteTimeout },
            ]
        );
        c.on_msg(&mut t.ctx(), 2, Msg::Prepared);
        assert_eq!(t.take(), []);
        c.on_msg(&mut t.ctx(), 3, Msg::Prepared);
        assert_eq!(
            t.take(),
            [Effect::CancelTimer { timer: Timer::VoteTimeout }, Effect::SetTimer { after_us: 5_000, timer: Timer::LogForced }]
        );
        c.on_timer(&mut t.ctx(), Timer::LogForced);
        assert_eq!(
            t.take(),
            [
                Effect::Persist(Disk::Coordinator(CoordinatorLog { decision: Some(true), ..CoordinatorLog::default() })),
                Effect::Send { to: 1, msg: Msg::Commit },
                Effect::Send { to: 2, msg: Msg::Commit },
                Effect::Send { to: 3, msg: Msg::Commit },
                Effect::SetTimer { after_us: 300_000, timer: Timer::Resend },
            ]
        );
    }

    #[test]
    fn the_broken_coordinator_sends_its_decision_before_the_log_write() {
        let mut c = coordinator(Protocol::TwoPc, false);
        c.phase = Phase::Collecting;
        c.votes = vec![Some(true), Some(true), None];
        let mut t = ctx();
        c.on_msg(&mut t.ctx(), 3, Msg::Prepared);
        let e = t.take();
        assert_eq!(e[0], Effect::Send { to: 1, msg: Msg::Commit }, "{e:?}");
        assert!(!e.iter().any(|x| matches!(x, Effect::Persist(_))), "nothing is on the log yet: {e:?}");
        assert_eq!(e.last(), Some(&Effect::SetTimer { after_us: 5_000, timer: Timer::LogForced }));
    }

    #[test]
    fn a_no_vote_or_a_vote_timeout_aborts() {
        let mut c = coordinator(Protocol::TwoPc, true);
        let mut t = ctx();
        c.on_msg(&mut t.ctx(), 1, Msg::Prepared);
        c.on_msg(&mut t.ctx(), 2, Msg::Aborted);
        assert_eq!(c.decision, Some(false));
        let mut c = coordinator(Protocol::TwoPc, true);
        c.on_msg(&mut t.ctx(), 1, Msg::Prepared);
        c.on_timer(&mut t.ctx(), Timer::VoteTimeout);
        assert_eq!(c.decision, Some(false));
    }

    /// Recovery reads the log: a decision is sent again; none means presumed abort.
    #[test]
    fn a_recovered_coordinator_resends_its_logged_decision_or_presumes_abort() {
        let c = coordinator(Protocol::TwoPc, true);
        let mut t = ctx();
        let mut back = c.restart(&Disk::Coordinator(CoordinatorLog { decision: Some(true), ..CoordinatorLog::default() }));
        back.on_start(&mut t.ctx());
        assert_eq!(t.sent().len(), 3);
        assert!(t.sent().iter().all(|(_, m)| **m == Msg::Commit));
        t.effects.clear();
        let mut back = c.restart(&Disk::Empty);
        back.on_start(&mut t.ctx());
        assert_eq!(back.decision, Some(false));
        assert_eq!(t.take(), [Effect::CancelTimer { timer: Timer::VoteTimeout }, Effect::SetTimer { after_us: 5_000, timer: Timer::LogForced }]);
    }

    /// 3PC: after the last yes vote, a pre-commit record and a `PreCommit` round before any decision.
    #[test]
    fn three_phase_commit_puts_a_pre_commit_round_before_the_decision() {
        let mut c = coordinator(Protocol::ThreePc, true);
        c.phase = Phase::Collecting;
        c.votes = vec![Some(true), Some(true), None];
        let mut t = ctx();
        c.on_msg(&mut t.ctx(), 3, Msg::Prepared);
        c.on_timer(&mut t.ctx(), Timer::LogForced);
        assert_eq!(c.decision, None);
        assert_eq!(t.sent().iter().filter(|(_, m)| **m == Msg::PreCommit).count(), 3);
        for p in 1..=3 {
            c.on_msg(&mut t.ctx(), p, Msg::PreCommitAck);
        }
        assert_eq!((c.phase, c.decision), (Phase::Forcing, Some(true)));
    }

    /// Paxos Commit, a takeover: the backup persists its ballot before it asks for promises; with F+1 promises it
    /// proposes, for each instance, the vote accepted in the highest ballot — or Aborted where none was.
    #[test]
    fn a_backup_takes_over_with_its_own_ballot_and_proposes_what_paxos_allows() {
        let layout = Layout { participants: 2, acceptors: 3 };
        let mut c = Coordinator::new(CoordinatorConfig {
            layout,
            protocol: Protocol::PaxosCommit,
            rank: 1,
            ..coordinator(Protocol::PaxosCommit, true).cfg
        });
        let mut t = ctx();
        c.on_msg(&mut t.ctx(), 1, Msg::DecisionRequest);
        assert_eq!(
            t.take(),
            [
                Effect::Persist(Disk::Coordinator(CoordinatorLog { ballot: 2, ..CoordinatorLog::default() })),
                Effect::Send { to: 3, msg: Msg::Phase1a { ballot: 2 } },
                Effect::Send { to: 4, msg: Msg::Phase1a { ballot: 2 } },
                Effect::Send { to: 5, msg: Msg::Phase1a { ballot: 2 } },
                Effect::SetTimer { after_us: 200_000, timer: Timer::VoteTimeout },
            ]
        );
        // Acceptor 1 accepted participant 1's Prepared at ballot 0; acceptor 2 nothing.
        c.on_msg(&mut t.ctx(), 3, Msg::Phase1b { ballot: 2, accepted: vec![Some((0, true)), None] });
        assert_eq!(t.take(), [], "one promise is no majority");
        c.on_msg(&mut t.ctx(), 4, Msg::Phase1b { ballot: 2, accepted: vec![None, None] });
        let proposals: Vec<_> = t.sent().into_iter().map(|(to, m)| (to, m.clone())).collect();
        let p2a = |instance, prepared| Msg::Phase2a { instance, ballot: 2, prepared };
        assert_eq!(
            proposals,
            [(3, p2a(1, true)), (4, p2a(1, true)), (5, p2a(1, true)), (3, p2a(2, false)), (4, p2a(2, false)), (5, p2a(2, false))]
        );
        // Two acceptors accept: instance 2 chose Aborted, so the transaction aborts.
        t.effects.clear();
        for a in [3, 4] {
            c.on_msg(&mut t.ctx(), a, Msg::Phase2b { ballot: 2, accepted: vec![(2, false)] });
        }
        assert_eq!(c.decision, Some(false));
        assert_eq!(t.sent().iter().filter(|(_, m)| **m == Msg::Abort).count(), 2);
    }
}
