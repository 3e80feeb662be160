//! A Paxos Commit acceptor (Gray & Lamport §4): one Paxos acceptor for every participant's instance at once.
//!
//! It accepts a vote (`Phase2a`) whose ballot is at least the highest it promised, writes that to its durable
//! log, and reports it (`Phase2b`): ballot-0 votes come from the participants themselves and are reported to the
//! coordinator bundled — once it holds a vote for every instance, or at once for an `Aborted` vote; a vote in a
//! higher ballot came from a coordinator taking over and is reported to it. A coordinator taking over first asks
//! for a promise (`Phase1a`), answered with everything accepted so far (`Phase1b`), after which the acceptor
//! ignores lower ballots.

use super::disk::{AcceptorLog, Disk};
use super::msg::{Layout, Msg, Timer, COORDINATOR};
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptor {
    pub layout: Layout,
    /// Its durable state (all of it: an acceptor keeps nothing else).
    pub log: AcceptorLog,
    /// It has sent its bundled ballot-0 report for every instance.
    pub reported_all: bool,
}

impl Acceptor {
    pub fn new(layout: Layout) -> Self {
        let log = AcceptorLog { promised: 0, accepted: vec![None; layout.participants as usize] };
        Acceptor { layout, log, reported_all: false }
    }

    fn persist(&self, ctx: &mut C<'_>) {
        ctx.persist(Disk::Acceptor(self.log.clone()));
    }

    fn on_2a(&mut self, ctx: &mut C<'_>, from: NodeId, instance: NodeId, ballot: u64, prepared: bool) {
        let Some(slot) = (instance as usize).checked_sub(1).filter(|&i| i < self.log.accepted.len()) else { return };
        if ballot < self.log.promised {
            return; // it promised a higher ballot: this vote comes too late to count
        }
        self.log.promised = ballot;
        self.log.accepted[slot] = Some((ballot, prepared));
        self.persist(ctx);
        if ballot > 0 {
            ctx.send(from, Msg::Phase2b { ballot, accepted: vec![(instance, prepared)] });
        } else if !prepared {
            ctx.send(COORDINATOR, Msg::Phase2b { ballot: 0, accepted: vec![(instance, false)] });
        } else if !self.reported_all && self.log.accepted.iter().all(|a| matches!(a, Some((0, _)))) {
            self.reported_all = true;
            let accepted = self
                .log
                .accepted
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|(_, p)| (i as NodeId + 1, p)))
                .collect();
            ctx.send(COORDINATOR, Msg::Phase2b { ballot: 0, accepted });
        }
    }
}

impl Node for Acceptor {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Phase2a { instance, ballot, prepared } => self.on_2a(ctx, from, instance, ballot, prepared),
            Msg::Phase1a { ballot } if ballot > self.log.promised => {
                self.log.promised = ballot;
                self.persist(ctx);
                ctx.send(from, Msg::Phase1b { ballot, accepted: self.log.accepted.clone() });
            }
            _ => {}
        }
    }

    fn restart(&self, disk: &Disk) -> Self {
        let mut a = Acceptor::new(self.layout);
        if let Disk::Acceptor(log) = disk {
            a.log = log.clone();
        }
        a
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let votes = self
            .log
            .accepted
            .iter()
            .enumerate()
            .map(|(i, a)| match a {
                Some((b, p)) => format!("{}: {} (b{b})", i + 1, if *p { "Prepared" } else { "Aborted" }),
                None => format!("{}: —", i + 1),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let fields = vec![("promised ballot".to_string(), self.log.promised.to_string()), ("accepted".into(), votes)];
        let status = format!("acceptor, {} votes accepted", self.log.accepted.iter().flatten().count());
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
    }

    type Look = u64;

    fn look(&self) -> u64 {
        self.log.promised
    }

    /// Notes for the moments that matter in a takeover: a promise to a higher ballot, a late vote refused.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let Input::Msg { from, msg } = step.input else { return };
        match msg {
            Msg::Phase1a { ballot } if self.log.promised > *step.before => out.note(
                format!("promises ballot {ballot} to the {}: lower ballots are refused from now on", self.layout.name(from)),
                Tone::Neutral,
            ),
            Msg::Phase2a { instance, ballot, .. } if *ballot < *step.before => out.note(
                format!("refuses vote #{instance} of ballot {ballot}: it promised ballot {}", step.before),
                Tone::Neutral,
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    const LAYOUT: Layout = Layout { participants: 2, acceptors: 3 };

    /// Ballot-0 votes are reported to the coordinator once every instance has one; an abort at once.
    #[test]
    fn it_accepts_writes_and_reports_votes_bundled() {
        let mut a = Acceptor::new(LAYOUT);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        a.on_msg(&mut t.ctx(), 1, Msg::Phase2a { instance: 1, ballot: 0, prepared: true });
        let log = |accepted| Disk::Acceptor(AcceptorLog { promised: 0, accepted });
        assert_eq!(t.take(), [Effect::Persist(log(vec![Some((0, true)), None]))]);
        a.on_msg(&mut t.ctx(), 2, Msg::Phase2a { instance: 2, ballot: 0, prepared: true });
        assert_eq!(
            t.take(),
            [
                Effect::Persist(log(vec![Some((0, true)), Some((0, true))])),
                Effect::Send { to: COORDINATOR, msg: Msg::Phase2b { ballot: 0, accepted: vec![(1, true), (2, true)] } },
            ]
        );
        let mut a = Acceptor::new(LAYOUT);
        a.on_msg(&mut t.ctx(), 2, Msg::Phase2a { instance: 2, ballot: 0, prepared: false });
        assert_eq!(t.sent(), [(COORDINATOR, &Msg::Phase2b { ballot: 0, accepted: vec![(2, false)] })]);
    }

    /// After promising ballot 2 it reports what it accepted and refuses a late ballot-0 vote.
    #[test]
    fn a_promise_returns_what_was_accepted_and_refuses_lower_ballots() {
        let mut a = Acceptor::new(LAYOUT);
        let mut t: TestCtx<Msg, Timer, Disk> = TestCtx::new(3, 0, 1);
        a.on_msg(&mut t.ctx(), 1, Msg::Phase2a { instance: 1, ballot: 0, prepared: true });
        t.effects.clear();
        a.on_msg(&mut t.ctx(), 5, Msg::Phase1a { ballot: 2 });
        assert_eq!(t.sent(), [(5, &Msg::Phase1b { ballot: 2, accepted: vec![Some((0, true)), None] })]);
        t.effects.clear();
        a.on_msg(&mut t.ctx(), 2, Msg::Phase2a { instance: 2, ballot: 0, prepared: true });
        assert_eq!(t.take(), [], "too late: ballot 2 was promised");
        a.on_msg(&mut t.ctx(), 5, Msg::Phase2a { instance: 2, ballot: 2, prepared: false });
        assert_eq!(t.sent(), [(5, &Msg::Phase2b { ballot: 2, accepted: vec![(2, false)] })]);
    }
}
