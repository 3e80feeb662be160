//! A node that wants to lead. Every ttl/3 by its own clock it runs the UPDATE on the leader row; while it holds
//! the lease it acts as leader: it reads the counter, computes for `work_ms`, and writes it back plus one, again
//! and again. It checks that it still leads before it starts a round — not again before it writes: checking
//! there would narrow the window, never close it (a pause can strike between the check and the write).
//!
//! How long it believes it leads is measured on its own clock from when it sent the UPDATE that was granted:
//! `ttl`, less the safety `margin` where the fix leaves one. With `$now` from its own clock that is exactly the
//! `expires_at` the database stored; with `now()` in SQL it is the same length of time, from a moment a little
//! before the database's. A refusal (another holder) or a fenced-off request (a newer generation) ends it at once.

use super::msg::{req_id, session_of, Msg, Req, Timer};
use super::LeaseDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, Widget};

type C<'a> = Ctx<'a, Msg, Timer, LeaseDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateConfig {
    pub database: NodeId,
    pub storage: NodeId,
    pub ttl_us: u64,
    /// `$now` from the node's own clock (the broken design) rather than `now()` in SQL.
    pub own_clock: bool,
    pub margin_us: u64,
    pub fencing: bool,
    pub work_us: u64,
    pub reply_timeout_us: u64,
    /// When its first UPDATE goes out (the nodes are staggered).
    pub first_renew_us: u64,
}

/// The lease as the node believes it: its generation, and until when by its own clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Belief {
    pub generation: u64,
    pub until_local_us: i64,
}

/// The leader's round of work on the counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Round {
    #[default]
    Idle,
    /// Reading, as the leader of `generation` (sent with every request of the round under fencing).
    Reading { req: Req, generation: Option<u64> },
    /// Read `value` (version `version`) as the leader of `generation`; computing.
    Working { value: i64, version: u64, generation: Option<u64>, session: u32 },
    Writing(Req),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub number: u32,
    pub cfg: CandidateConfig,
    /// This process's boot count (durable).
    pub boots: u32,
    /// Its stints as leader so far in this process: each ends its session at the database, so that the next
    /// lease it takes is a new holder with a new generation.
    pub stint: u32,
    pub seq: u32,
    /// The UPDATE in flight, with the local time it was sent.
    pub asking: Option<(Req, i64)>,
    pub lease: Option<Belief>,
    pub round: Round,
    pub writes: u32,
    /// Why it last stopped leading, for its panel.
    pub stepped_down: Option<&'static str>,
}

impl Candidate {
    pub fn new(number: u32, cfg: CandidateConfig) -> Self {
        Candidate {
            number,
            cfg,
            boots: 0,
            stint: 0,
            seq: 0,
            asking: None,
            lease: None,
            round: Round::Idle,
            writes: 0,
            stepped_down: None,
        }
    }

    /// Whether it believes it leads (and so acts as the leader).
    pub fn leads(&self) -> bool {
        self.lease.is_some()
    }

    /// Its session at the database (`me` in `holder = me`): this process, this stint.
    pub fn session(&self) -> u32 {
        (self.boots << 16) | (self.stint & 0xffff)
    }

    fn next_req(&mut self) -> Req {
        self.seq += 1;
        req_id(self.session(), self.seq)
    }

    fn in_round(&self, req: Req) -> bool {
        matches!(self.round, Round::Reading { req: r, .. } | Round::Writing(r) if r == req)
    }

    fn generation(&self) -> Option<u64> {
        self.lease.filter(|_| self.cfg.fencing).map(|l| l.generation)
    }

    /// Stop leading; the next lease it takes is a new session (a new generation). An UPDATE still in flight
    /// belongs to the old session: its answer is ignored, or the old session's generation would come back.
    fn step_down(&mut self, ctx: &mut C<'_>, why: &'static str) {
        if self.lease.take().is_some() {
            self.stepped_down = Some(why);
            self.stint += 1;
            self.asking = None;
        }
        ctx.cancel_timer(Timer::LeaseOver);
    }

    /// Start a round of work if it leads and is not in one.
    fn work(&mut self, ctx: &mut C<'_>) {
        if self.round != Round::Idle || !self.leads() {
            return;
        }
        let req = self.next_req();
        let generation = self.generation();
        ctx.send(self.cfg.storage, Msg::Read { generation, req });
        ctx.set_timer(self.cfg.reply_timeout_us, Timer::GiveUp(req));
        self.round = Round::Reading { req, generation };
    }

    fn renew(&mut self, ctx: &mut C<'_>) {
        let req = self.next_req();
        let now = ctx.now_us();
        ctx.send(self.cfg.database, Msg::Acquire { now_us: self.cfg.own_clock.then_some(now), req });
        self.asking = Some((req, now));
        ctx.set_timer(self.cfg.ttl_us / 3, Timer::Renew);
    }
}

impl Node for Candidate {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = LeaseDisk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        // Its boot count, so that a restarted process is a new session (nothing to write on the first boot).
        if self.boots > 0 {
            ctx.persist(LeaseDisk::Boots(self.boots));
        }
        let first = if self.boots == 0 { self.cfg.first_renew_us } else { 0 };
        let jitter = ctx.random_between(0, 20_000);
        ctx.set_timer(first + jitter, Timer::Renew);
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, _from: NodeId, msg: Msg) {
        match msg {
            Msg::Granted { generation, req, .. } if self.asking.is_some_and(|(r, _)| r == req) => {
                let Some((_, sent)) = self.asking.take() else { return };
                let until = sent + self.cfg.ttl_us as i64 - self.cfg.margin_us as i64;
                let now = ctx.now_us();
                if until <= now {
                    self.step_down(ctx, "the lease was granted, but its time had run out on arrival");
                    return;
                }
                self.lease = Some(Belief { generation, until_local_us: until });
                ctx.set_timer((until - now) as u64, Timer::LeaseOver);
                self.work(ctx);
            }
            Msg::Refused { req, .. } if self.asking.is_some_and(|(r, _)| r == req) => {
                self.asking = None;
                self.step_down(ctx, "the database gave the lease to another node");
            }
            Msg::ReadOk { value, version, req } if matches!(self.round, Round::Reading { req: r, .. } if r == req) => {
                ctx.cancel_timer(Timer::GiveUp(req));
                let Round::Reading { generation, .. } = self.round else { return };
                self.round = Round::Working { value, version, generation, session: session_of(req) };
                ctx.set_timer(self.cfg.work_us, Timer::Work);
            }
            Msg::WriteOk { req, .. } if self.round == Round::Writing(req) => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.writes += 1;
                self.round = Round::Idle;
                self.work(ctx);
            }
            Msg::Rejected { req, .. } if self.in_round(req) => {
                ctx.cancel_timer(Timer::GiveUp(req));
                self.round = Round::Idle;
                self.step_down(ctx, "the storage fenced it off: a newer generation leads");
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Renew => self.renew(ctx),
            Timer::LeaseOver => {
                self.step_down(ctx, "its lease ran out by its own clock");
            }
            // The computation is done: write, without checking again (see the module doc).
            Timer::Work => {
                // The round's requests are one reader's: the session it began in.
                if let Round::Working { value, generation, session, .. } = self.round {
                    self.seq += 1;
                    let req = req_id(session, self.seq);
                    ctx.send(self.cfg.storage, Msg::Write { generation, value: value + 1, req });
                    ctx.set_timer(self.cfg.reply_timeout_us, Timer::GiveUp(req));
                    self.round = Round::Writing(req);
                }
            }
            // No reply: it cannot know whether its write landed, so it may not go on in this generation — a late
            // copy could land after its next write. It steps down; its next lease is a new generation.
            Timer::GiveUp(req) => {
                if self.in_round(req) {
                    self.round = Round::Idle;
                    self.step_down(ctx, "a request to the storage went unanswered");
                }
            }
        }
    }

    fn restart(&self, disk: &LeaseDisk) -> Self {
        let boots = if let LeaseDisk::Boots(b) = disk { b + 1 } else { 1 };
        Candidate { boots, ..Candidate::new(self.number, self.cfg.clone()) }
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, tone) = match self.lease {
            Some(_) => ("acts as leader".to_string(), Tone::Good),
            None => ("follower".to_string(), Tone::Neutral),
        };
        let mut fields = vec![("its clock reads".to_string(), fmt_us(now_local_us))];
        if let Some(l) = self.lease {
            fields.push(("leads until (its clock)".into(), fmt_us(l.until_local_us)));
            fields.push(("generation".into(), l.generation.to_string()));
        } else if let Some(why) = self.stepped_down {
            fields.push(("stopped leading".into(), why.to_string()));
        }
        fields.push(("writes accepted".into(), self.writes.to_string()));
        let badge = if self.leads() { format!("L{}", self.number) } else { format!("F{}", self.number) };
        NodeView { status, tone, fields, widgets: vec![Widget::Badge(badge)] }
    }

    type Look = Option<Belief>;

    fn look(&self) -> Option<Belief> {
        self.lease
    }

    /// The lane's bar is the lease as this node believes it; notes say why it began or ended.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (before, now) = (step.before, self.lease);
        let restarted = matches!(step.input, Input::Restart { .. });
        if before.map(|b| b.generation) != now.map(|b| b.generation) || restarted {
            if before.is_some() && !restarted {
                out.span_close("leads");
                if now.is_none() {
                    if let Some(why) = self.stepped_down {
                        out.note(format!("stops leading: {why}"), Tone::Neutral);
                    }
                }
            }
            if let Some(l) = now {
                out.span_open("leads", format!("believes it leads (gen {})", l.generation), Tone::Good);
            }
        }
        if let (Input::Timer(Timer::Work), Some((_, Msg::Write { value, .. }))) = (&step.input, step.sent().next()) {
            if self.lease.is_none() {
                out.note(format!("writes counter = {value} although it no longer leads"), Tone::Bad);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, LeaseDisk>;

    fn cfg(own_clock: bool, margin_us: u64, fencing: bool) -> CandidateConfig {
        CandidateConfig {
            database: 2,
            storage: 3,
            ttl_us: 3_000_000,
            own_clock,
            margin_us,
            fencing,
            work_us: 200_000,
            reply_timeout_us: 1_000_000,
            first_renew_us: 10_000,
        }
    }

    /// A renewal puts the node's own clock in the UPDATE (the broken design) or leaves `now()` to the database,
    /// and comes again after ttl/3.
    #[test]
    fn a_renewal_sends_the_update_with_its_own_clock_or_none() {
        for own_clock in [true, false] {
            let mut c = Candidate::new(1, cfg(own_clock, 0, false));
            let mut t = T::new(0, 700_000, 1);
            c.on_timer(&mut t.ctx(), Timer::Renew);
            let now_us = own_clock.then_some(700_000);
            assert_eq!(
                t.take(),
                vec![
                    Effect::Send { to: 2, msg: Msg::Acquire { now_us, req: req_id(0, 1) } },
                    Effect::SetTimer { after_us: 1_000_000, timer: Timer::Renew },
                ]
            );
            assert_eq!(c.asking, Some((req_id(0, 1), 700_000)));
        }
    }

    /// A grant makes it lead until the ttl (less the margin) after it sent the UPDATE, by its own clock, and it
    /// starts a round at once: a read carrying its generation under fencing.
    #[test]
    fn a_grant_starts_leading_until_ttl_less_margin_after_the_send() {
        let mut c = Candidate::new(1, cfg(false, 1_000_000, true));
        let mut t = T::new(0, 700_000, 1);
        c.on_timer(&mut t.ctx(), Timer::Renew);
        t.take();
        let mut t = T::new(0, 720_000, 1);
        c.on_msg(&mut t.ctx(), 2, Msg::Granted { expires_at_us: 3_705_000, generation: 4, req: req_id(0, 1) });
        assert_eq!(c.lease, Some(Belief { generation: 4, until_local_us: 2_700_000 }));
        assert_eq!(
            t.take(),
            vec![
                Effect::SetTimer { after_us: 1_980_000, timer: Timer::LeaseOver },
                Effect::Send { to: 3, msg: Msg::Read { generation: Some(4), req: req_id(0, 2) } },
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::GiveUp(req_id(0, 2)) },
            ]
        );
        // A refusal ends it at once; its next lease will be a new session.
        let mut t = T::new(0, 1_800_000, 1);
        c.on_timer(&mut t.ctx(), Timer::Renew);
        let req = c.asking.unwrap().0;
        c.on_msg(&mut t.ctx(), 2, Msg::Refused { holder: 1, expires_at_us: 9, req });
        assert_eq!((c.leads(), c.stint), (false, 1));
        assert_ne!(c.session(), 0);
    }

    /// The write goes out when the work is done, without checking the lease again, with the generation the
    /// round began under; an unanswered request ends its leadership.
    #[test]
    fn the_write_goes_out_without_a_second_check_and_silence_ends_the_stint() {
        let mut c = Candidate::new(1, cfg(false, 0, true));
        c.round = Round::Working { value: 41, version: 41, generation: Some(2), session: 0 };
        c.lease = None; // its lease ran out while it computed
        let mut t = T::new(0, 5_000_000, 1);
        c.on_timer(&mut t.ctx(), Timer::Work);
        let req = req_id(0, 1);
        assert_eq!(
            t.take(),
            vec![
                Effect::Send { to: 3, msg: Msg::Write { generation: Some(2), value: 42, req } },
                Effect::SetTimer { after_us: 1_000_000, timer: Timer::GiveUp(req) },
            ]
        );
        c.lease = Some(Belief { generation: 2, until_local_us: 9_000_000 });
        c.on_timer(&mut t.ctx(), Timer::GiveUp(req));
        assert_eq!((c.leads(), c.round, c.stint), (false, Round::Idle, 1));
    }
}
