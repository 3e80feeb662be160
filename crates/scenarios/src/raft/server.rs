//! A Raft server, after Figure 2 of the paper: persistent state (currentTerm, votedFor, log), volatile state
//! (commitIndex, lastApplied, and on leaders nextIndex / matchIndex), and the rules for each role.
//!
//! What survives a crash is [`Disk`], written with `ctx.persist` before any reply that depends on it. The server
//! keeps nothing for the invariants: the checker records what it needs in its own history (`checker.rs`).

use super::log::{Log, Saved};
use super::msg::{name, Cmd, Entry, Msg, Timer};
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone, Widget, US_PER_MS};

type C<'a> = Ctx<'a, Msg, Timer, Disk>;

/// Most entries a log may hold: a limit, reported as a note, never a hang.
pub const MAX_LOG: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub servers: u32,
    pub election_min_us: u64,
    pub election_max_us: u64,
    pub heartbeat_us: u64,
    /// A client request reaches the leader this often (0: never).
    pub request_us: u64,
    /// Correct: election timeouts drawn at random from [min, max]. Broken: always `min` (split votes).
    pub randomize: bool,
    /// Correct: votedFor is durable. Broken: a restarted server forgets whom it voted for.
    pub persist_votes: bool,
    /// Broken (the paper's Figure 8): a leader commits entries of earlier terms by counting replicas.
    pub count_old_terms: bool,
    /// Most entries one AppendEntries carries.
    pub max_batch: usize,
    /// A new leader appends a no-op of its term (Raft §8), which commits earlier entries sooner.
    pub leader_noop: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    Follower,
    Candidate,
    Leader,
}

/// What a server persists (Figure 2's "persistent state on all servers"): all that survives its crash.
///
/// The log is written whole at every save, in shared chunks ([`Saved`]): a save after an append copies the last
/// chunk only, and the kernel's copy of what was persisted, like every checkpoint's, shares the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub log: Saved,
}

/// What the narration compares across a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerLook {
    pub role: Role,
    pub term: u64,
    pub commit: u64,
    pub last_leader_us: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub id: NodeId,
    pub cfg: Config,
    // Persistent state.
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub log: Log,
    // Volatile state.
    pub role: Role,
    pub commit: u64,
    pub applied: u64,
    pub kv: [u32; 4],
    pub votes: Vec<NodeId>,
    pub leader: Option<NodeId>,
    pub next_index: Vec<u64>,
    pub match_index: Vec<u64>,
    /// When the election timer fires, by this server's clock (for the draining arc); `None` while no election
    /// timer is pending (a leader's).
    pub election_deadline_us: Option<i64>,
    pub election_timeout_us: u64,
    requests: u32,
    /// When this server last heard from a leader (or started), by its own clock: an election's duration.
    pub last_leader_us: i64,
}

impl Server {
    pub fn new(id: NodeId, cfg: Config) -> Self {
        let n = cfg.servers as usize;
        Server {
            id,
            cfg,
            term: 0,
            voted_for: None,
            log: Log::default(),
            role: Role::Follower,
            commit: 0,
            applied: 0,
            kv: [0; 4],
            votes: Vec::new(),
            leader: None,
            next_index: vec![1; n],
            match_index: vec![0; n],
            election_deadline_us: None,
            election_timeout_us: 0,
            requests: 0,
            last_leader_us: 0,
        }
    }

    pub fn last_index(&self) -> u64 {
        self.log.len() as u64
    }

    pub fn last_term(&self) -> u64 {
        self.log.last().map_or(0, |e| e.term)
    }

    /// The term of the entry at `index` (1-based; 0 for index 0 or past the end).
    pub fn term_at(&self, index: u64) -> u64 {
        if index == 0 {
            0
        } else {
            self.log.get(index as usize - 1).map_or(0, |e| e.term)
        }
    }

    fn majority(&self) -> usize {
        self.cfg.servers as usize / 2 + 1
    }

    fn others(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.cfg.servers).filter(move |&p| p != self.id)
    }

    /// (Re)arm the election timer with a fresh timeout; setting it replaces the pending one.
    fn reset_election_timer(&mut self, ctx: &mut C<'_>) {
        let timeout = if self.cfg.randomize {
            ctx.random_between(self.cfg.election_min_us, self.cfg.election_max_us)
        } else {
            self.cfg.election_min_us
        };
        self.election_timeout_us = timeout;
        self.election_deadline_us = Some(ctx.now_us() + timeout as i64);
        ctx.set_timer(timeout, Timer::Election);
    }

    /// A higher term seen anywhere: adopt it and become a follower.
    fn step_down(&mut self, ctx: &mut C<'_>, term: u64) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.save(ctx);
        }
        if self.role == Role::Leader {
            ctx.cancel_timer(Timer::Heartbeat);
        }
        self.role = Role::Follower;
        self.votes.clear();
        if self.election_deadline_us.is_none() {
            self.reset_election_timer(ctx);
        }
    }

    fn start_election(&mut self, ctx: &mut C<'_>) {
        self.term += 1;
        self.voted_for = Some(self.id);
        self.save(ctx);
        self.role = Role::Candidate;
        self.votes = vec![self.id];
        self.leader = None;
        self.reset_election_timer(ctx);
        if self.votes.len() >= self.majority() {
            self.become_leader(ctx);
            return;
        }
        let (last_log_index, last_log_term) = (self.last_index(), self.last_term());
        for p in self.others().collect::<Vec<_>>() {
            ctx.send(p, Msg::RequestVote { term: self.term, last_log_index, last_log_term });
        }
    }

    fn become_leader(&mut self, ctx: &mut C<'_>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        ctx.cancel_timer(Timer::Election);
        self.election_deadline_us = None;
        self.last_leader_us = ctx.now_us();
        let next = self.last_index() + 1;
        self.next_index.iter_mut().for_each(|n| *n = next);
        self.match_index.iter_mut().for_each(|m| *m = 0);
        // A no-op of its own term lets it commit what earlier leaders left (Raft §8).
        if self.cfg.leader_noop {
            self.append(ctx, Cmd::Noop);
        }
        self.broadcast(ctx);
        ctx.set_timer(self.cfg.heartbeat_us, Timer::Heartbeat);
    }

    fn append(&mut self, ctx: &mut C<'_>, cmd: Cmd) {
        if self.log.len() >= MAX_LOG {
            return; // the request is dropped (the narration says so)
        }
        self.log.push(Entry { term: self.term, cmd });
        self.save(ctx);
        let me = self.id as usize;
        self.match_index[me] = self.last_index();
        self.advance_commit();
    }

    /// Persist currentTerm, votedFor and the log (Figure 2: "updated on stable storage before responding to
    /// RPCs"). The forgetful-voter variant leaves votedFor out.
    fn save(&mut self, ctx: &mut C<'_>) {
        let voted_for = if self.cfg.persist_votes { self.voted_for } else { None };
        ctx.persist(Disk { term: self.term, voted_for, log: self.log.save() });
    }

    fn send_append(&mut self, ctx: &mut C<'_>, to: NodeId) {
        let next = self.next_index[to as usize].max(1);
        let prev = next - 1;
        let entries: Vec<Entry> =
            self.log.iter().skip(prev as usize).take(self.cfg.max_batch.max(1)).copied().collect();
        ctx.send(
            to,
            Msg::AppendEntries {
                term: self.term,
                prev_log_index: prev,
                prev_log_term: self.term_at(prev),
                entries,
                leader_commit: self.commit,
            },
        );
    }

    fn broadcast(&mut self, ctx: &mut C<'_>) {
        for p in self.others().collect::<Vec<_>>() {
            self.send_append(ctx, p);
        }
    }

    /// Figure 2: the highest N replicated on a majority, with log[N].term == currentTerm, is committed.
    /// The broken variant drops the term condition (Figure 8).
    fn advance_commit(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        let mut n = self.last_index();
        while n > self.commit {
            let replicas = self.match_index.iter().filter(|&&m| m >= n).count();
            if replicas >= self.majority() && (self.cfg.count_old_terms || self.term_at(n) == self.term) {
                self.set_commit(n);
                break;
            }
            n -= 1;
        }
    }

    fn set_commit(&mut self, commit: u64) {
        if commit <= self.commit {
            return;
        }
        self.commit = commit;
        while self.applied < self.commit {
            self.applied += 1;
            let i = self.applied;
            let e = self.log[i as usize - 1];
            if let Cmd::Set { key, value } = e.cmd {
                self.kv[key as usize % 4] = value;
            }
        }
    }

    fn on_request_vote(&mut self, ctx: &mut C<'_>, from: NodeId, term: u64, last_index: u64, last_term: u64) {
        if term > self.term {
            self.step_down(ctx, term);
        }
        let up_to_date =
            last_term > self.last_term() || (last_term == self.last_term() && last_index >= self.last_index());
        let granted = term == self.term && self.voted_for.is_none_or(|v| v == from) && up_to_date;
        if granted {
            self.voted_for = Some(from);
            self.save(ctx);
            self.reset_election_timer(ctx);
        }
        ctx.send(from, Msg::Vote { term: self.term, granted });
    }

    fn on_vote(&mut self, ctx: &mut C<'_>, from: NodeId, term: u64, granted: bool) {
        if term > self.term {
            self.step_down(ctx, term);
            return;
        }
        if self.role != Role::Candidate || term != self.term || !granted {
            return;
        }
        if !self.votes.contains(&from) {
            self.votes.push(from);
        }
        if self.votes.len() >= self.majority() {
            self.become_leader(ctx);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append_entries(
        &mut self,
        ctx: &mut C<'_>,
        from: NodeId,
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    ) {
        if term < self.term {
            ctx.send(from, Msg::Appended { term: self.term, success: false, matched: 0 });
            return;
        }
        if term > self.term || self.role != Role::Follower {
            self.step_down(ctx, term);
        }
        self.leader = Some(from);
        self.last_leader_us = ctx.now_us();
        self.reset_election_timer(ctx);
        if prev_index > self.last_index() || self.term_at(prev_index) != prev_term {
            // Tell the leader where to retry from: our end of log, or the index that did not match.
            let retry = prev_index.min(self.last_index() + 1).max(1);
            ctx.send(from, Msg::Appended { term: self.term, success: false, matched: retry });
            return;
        }
        let mut changed = false;
        for (k, e) in entries.iter().enumerate() {
            let index = prev_index + 1 + k as u64;
            if index <= self.last_index() {
                if self.term_at(index) == e.term {
                    continue;
                }
                // A conflict: delete this entry and all that follow (Figure 2, AppendEntries step 3).
                self.log.truncate(index as usize - 1);
                changed = true;
            }
            if self.log.len() >= MAX_LOG {
                break;
            }
            self.log.push(*e);
            changed = true;
        }
        if changed {
            self.save(ctx);
        }
        // What now matches the leader's log (less, if the log limit cut the append short).
        let matched = (prev_index + entries.len() as u64).min(self.last_index());
        if leader_commit > self.commit {
            self.set_commit(leader_commit.min(matched));
        }
        ctx.send(from, Msg::Appended { term: self.term, success: true, matched });
    }

    fn on_appended(&mut self, ctx: &mut C<'_>, from: NodeId, term: u64, success: bool, matched: u64) {
        if term > self.term {
            self.step_down(ctx, term);
            return;
        }
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let f = from as usize;
        if success {
            self.match_index[f] = self.match_index[f].max(matched);
            self.next_index[f] = self.match_index[f] + 1;
            self.advance_commit();
            if self.next_index[f] <= self.last_index() {
                self.send_append(ctx, from);
            }
        } else {
            self.next_index[f] = self.next_index[f].saturating_sub(1).min(matched).max(1);
            self.send_append(ctx, from);
        }
    }
}

impl Node for Server {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn on_start(&mut self, ctx: &mut C<'_>) {
        self.last_leader_us = ctx.now_us();
        self.reset_election_timer(ctx);
        if self.cfg.request_us > 0 {
            ctx.set_timer(self.cfg.request_us, Timer::ClientRequest);
        }
    }

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::RequestVote { term, last_log_index, last_log_term } => {
                self.on_request_vote(ctx, from, term, last_log_index, last_log_term)
            }
            Msg::Vote { term, granted } => self.on_vote(ctx, from, term, granted),
            Msg::AppendEntries { term, prev_log_index, prev_log_term, entries, leader_commit } => {
                self.on_append_entries(ctx, from, term, prev_log_index, prev_log_term, entries, leader_commit)
            }
            Msg::Appended { term, success, matched } => self.on_appended(ctx, from, term, success, matched),
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, timer: Timer) {
        match timer {
            Timer::Election => {
                self.election_deadline_us = None;
                if self.role != Role::Leader {
                    self.start_election(ctx);
                }
            }
            Timer::Heartbeat => {
                if self.role == Role::Leader {
                    self.broadcast(ctx);
                    ctx.set_timer(self.cfg.heartbeat_us, Timer::Heartbeat);
                }
            }
            Timer::ClientRequest => {
                if self.role == Role::Leader {
                    self.requests += 1;
                    let key = ctx.random_between(0, 3) as u8;
                    let value = self.id * 1_000_000 + self.requests;
                    self.append(ctx, Cmd::Set { key, value });
                    self.broadcast(ctx);
                }
                ctx.set_timer(self.cfg.request_us, Timer::ClientRequest);
            }
        }
    }

    fn on_force_timeout(&mut self, ctx: &mut C<'_>) {
        if self.role != Role::Leader {
            self.start_election(ctx);
        }
    }

    fn restart(&self, disk: &Disk) -> Self {
        // Only what was persisted survives: currentTerm, votedFor (unless the broken variant left it out), the log.
        let mut s = Server::new(self.id, self.cfg);
        s.term = disk.term;
        s.voted_for = disk.voted_for;
        s.log = Log::restored(&disk.log);
        s
    }

    type Look = ServerLook;

    fn look(&self) -> ServerLook {
        ServerLook { role: self.role, term: self.term, commit: self.commit, last_leader_us: self.last_leader_us }
    }

    /// The lane's bar is the role (candidate or leader, per term); the charts get the term, who leads, the commit
    /// index and how long the cluster went without a leader.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let before = step.before;
        let restarted = matches!(step.input, Input::Restart { .. });
        if self.term != before.term {
            out.metric("term", self.term as i64);
        }
        if (self.role, self.term) != (before.role, before.term) {
            if before.role != Role::Follower {
                out.span_close("role");
            }
            match self.role {
                Role::Candidate => out.span_open("role", format!("candidate, term {}", self.term), Tone::Warn),
                Role::Leader => out.span_open("role", format!("leader, term {}", self.term), Tone::Good),
                Role::Follower if before.role != Role::Follower && !restarted => {
                    out.note(format!("steps down to follower in term {}", self.term), Tone::Neutral)
                }
                Role::Follower => {}
            }
        }
        if self.role == Role::Leader && before.role != Role::Leader {
            out.metric("leader", self.id as i64 + 1);
            let leaderless = (step.now_us - before.last_leader_us).max(0);
            let (term, votes, after) = (self.term, self.votes.len(), fmt_us(leaderless));
            out.note(format!("becomes leader of term {term} with {votes} votes, {after} after it last heard a leader"), Tone::Good);
            out.metric("ms without a leader", leaderless / 1_000);
        }
        if self.commit > before.commit {
            out.metric("committed", self.commit as i64);
        }
        if let (Input::Timer(Timer::ClientRequest), Role::Leader, true) =
            (step.input, self.role, self.log.len() >= MAX_LOG)
        {
            out.note(format!("log is full ({MAX_LOG} entries): request dropped"), Tone::Warn);
        }
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, tone) = match self.role {
            Role::Leader => (format!("leader, term {}", self.term), Tone::Good),
            Role::Candidate => (format!("candidate, term {} ({} votes)", self.term, self.votes.len()), Tone::Warn),
            Role::Follower => (format!("follower, term {}", self.term), Tone::Neutral),
        };
        let mut fields = vec![
            ("voted for".to_string(), self.voted_for.map_or("nobody".into(), name)),
            ("log".into(), format!("{} entries, last term {}", self.log.len(), self.last_term())),
            ("commit index".into(), self.commit.to_string()),
            ("state".into(), format!("a={} b={} c={} d={}", self.kv[0], self.kv[1], self.kv[2], self.kv[3])),
        ];
        if let Some(d) = self.election_deadline_us {
            fields.push(("election timeout in".into(), fmt_us((d - now_local_us).max(0))));
        }
        if self.role == Role::Leader {
            fields.push((
                "match index".into(),
                self.match_index.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
            ));
        }
        let badge = match self.role {
            Role::Leader => format!("L{}", self.term),
            Role::Candidate => format!("C{}", self.term),
            Role::Follower => format!("F{}", self.term),
        };
        let mut widgets = vec![
            Widget::Badge(badge),
            Widget::Cells {
                values: self.log.iter().map(|e| e.term).collect(),
                marked: self.commit,
                cell: "entry".into(),
                value: "term".into(),
                marked_as: "committed".into(),
            },
        ];
        if let Some(d) = self.election_deadline_us {
            widgets.push(Widget::Countdown {
                left_us: (d - now_local_us).max(0) as u64,
                total_us: self.election_timeout_us.max(1),
                label: "election timer".into(),
            });
        }
        NodeView { status, tone, fields, widgets }
    }
}

/// `US_PER_MS` for the scenario's parameter conversions.
pub const MS: u64 = US_PER_MS;

/// The configuration unit tests start from: `servers` servers, timeouts 150–300 ms, heartbeats every 50 ms.
#[cfg(test)]
pub(crate) fn test_config(servers: u32) -> Config {
    Config {
        servers,
        election_min_us: 150_000,
        election_max_us: 300_000,
        heartbeat_us: 50_000,
        request_us: 0,
        randomize: true,
        persist_votes: true,
        count_old_terms: false,
        max_batch: 16,
        leader_noop: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::{Effect, Shown, TestCtx};

    fn cfg() -> Config {
        test_config(5)
    }

    fn sent(t: &TestCtx<Msg, Timer, Disk>) -> Vec<(NodeId, Msg)> {
        t.sent().into_iter().map(|(to, m)| (to, m.clone())).collect()
    }

    #[test]
    fn grants_a_vote_once_per_term_to_an_up_to_date_candidate() {
        let mut s = Server::new(0, cfg());
        let mut t = TestCtx::new(0, 0, 1);
        s.on_msg(&mut t.ctx(), 2, Msg::RequestVote { term: 1, last_log_index: 0, last_log_term: 0 });
        assert_eq!(sent(&t), vec![(2, Msg::Vote { term: 1, granted: true })]);
        assert_eq!((s.term, s.voted_for), (1, Some(2)));
        t.effects.clear();
        s.on_msg(&mut t.ctx(), 3, Msg::RequestVote { term: 1, last_log_index: 5, last_log_term: 1 });
        assert_eq!(sent(&t), vec![(3, Msg::Vote { term: 1, granted: false })], "already voted in term 1");
    }

    #[test]
    fn denies_a_vote_to_a_candidate_with_a_stale_log() {
        let mut s = Server::new(0, cfg());
        s.term = 3;
        s.log = vec![Entry { term: 3, cmd: Cmd::Noop }].into();
        let mut t = TestCtx::new(0, 0, 1);
        s.on_msg(&mut t.ctx(), 1, Msg::RequestVote { term: 4, last_log_index: 9, last_log_term: 2 });
        assert_eq!(sent(&t), vec![(1, Msg::Vote { term: 4, granted: false })]);
        assert_eq!((s.term, s.voted_for), (4, None), "the term is adopted even when the vote is denied");
    }

    #[test]
    fn rejects_a_stale_term() {
        let mut s = Server::new(0, cfg());
        s.term = 5;
        let mut t = TestCtx::new(0, 0, 1);
        s.on_msg(&mut t.ctx(), 1, Msg::RequestVote { term: 4, last_log_index: 0, last_log_term: 0 });
        s.on_msg(
            &mut t.ctx(),
            2,
            Msg::AppendEntries { term: 4, prev_log_index: 0, prev_log_term: 0, entries: vec![], leader_commit: 0 },
        );
        assert_eq!(
            sent(&t),
            vec![
                (1, Msg::Vote { term: 5, granted: false }),
                (2, Msg::Appended { term: 5, success: false, matched: 0 })
            ]
        );
        assert_eq!(s.term, 5);
    }

    #[test]
    fn a_leader_steps_down_on_a_higher_term() {
        let mut s = Server::new(0, cfg());
        let mut t = TestCtx::new(0, 0, 1);
        s.on_timer(&mut t.ctx(), Timer::Election);
        assert_eq!((s.role, s.term), (Role::Candidate, 1));
        let asks = sent(&t);
        assert_eq!(asks.len(), 4);
        assert!(asks.iter().all(|(_, m)| *m == Msg::RequestVote { term: 1, last_log_index: 0, last_log_term: 0 }));
        s.on_msg(&mut t.ctx(), 1, Msg::Vote { term: 1, granted: true });
        s.on_msg(&mut t.ctx(), 2, Msg::Vote { term: 1, granted: true });
        assert_eq!(s.role, Role::Leader);
        assert_eq!(s.log.to_vec(), vec![Entry { term: 1, cmd: Cmd::Noop }]);
        t.effects.clear();
        s.on_msg(&mut t.ctx(), 3, Msg::Appended { term: 2, success: false, matched: 0 });
        assert_eq!((s.role, s.term, s.voted_for), (Role::Follower, 2, None));
        assert!(t.effects.contains(&Effect::CancelTimer { timer: Timer::Heartbeat }), "the heartbeat stops");
    }

    /// A follower's election timeout, every effect in order: the new term and its own vote persisted, a fresh
    /// election timer drawn from its stream, and a vote request to each peer; its narration charts the new term
    /// and opens the candidate bar.
    #[test]
    fn an_election_timeout_starts_an_election_with_exactly_these_effects() {
        let mut s = Server::new(0, cfg());
        let mut t = TestCtx::new(0, 1_000, 7);
        let before = s.look();
        s.on_timer(&mut t.ctx(), Timer::Election);
        assert_eq!(
            t.narration(&s, &before, Input::Timer(&Timer::Election)).shown(),
            [
                Shown::Metric { name: "term", value: 1 },
                Shown::SpanOpen { key: "role", label: "candidate, term 1".into(), tone: Tone::Warn },
            ]
        );
        let timeout = s.election_timeout_us;
        assert!((150_000..=300_000).contains(&timeout), "drawn between the bounds: {timeout}");
        let ask = Msg::RequestVote { term: 1, last_log_index: 0, last_log_term: 0 };
        assert_eq!(
            t.take(),
            vec![
                Effect::Persist(Disk { term: 1, voted_for: Some(0), log: Saved::default() }),
                Effect::SetTimer { after_us: timeout, timer: Timer::Election },
                Effect::Send { to: 1, msg: ask.clone() },
                Effect::Send { to: 2, msg: ask.clone() },
                Effect::Send { to: 3, msg: ask.clone() },
                Effect::Send { to: 4, msg: ask },
            ]
        );
        assert_eq!(s.election_deadline_us, Some(1_000 + timeout as i64));
    }

    #[test]
    fn the_leader_advances_its_commit_index_on_a_majority_of_its_own_term() {
        let mut s = Server::new(0, cfg());
        let mut t = TestCtx::new(0, 0, 1);
        s.on_timer(&mut t.ctx(), Timer::Election);
        for p in [1, 2] {
            s.on_msg(&mut t.ctx(), p, Msg::Vote { term: 1, granted: true });
        }
        assert_eq!(s.commit, 0);
        s.on_msg(&mut t.ctx(), 1, Msg::Appended { term: 1, success: true, matched: 1 });
        assert_eq!(s.commit, 0, "two of five is no majority");
        s.on_msg(&mut t.ctx(), 2, Msg::Appended { term: 1, success: true, matched: 1 });
        assert_eq!(s.commit, 1, "three of five");
        assert_eq!(s.applied, 1);
    }

    #[test]
    fn an_entry_of_an_earlier_term_is_not_committed_by_counting_replicas() {
        for (count_old_terms, expect) in [(false, 0), (true, 1)] {
            let mut s = Server::new(0, Config { count_old_terms, ..cfg() });
            s.term = 4;
            s.role = Role::Leader;
            s.log = vec![Entry { term: 2, cmd: Cmd::Set { key: 0, value: 7 } }, Entry { term: 4, cmd: Cmd::Noop }].into();
            s.match_index = vec![2, 1, 1, 0, 0];
            s.advance_commit();
            assert_eq!(s.commit, expect, "count_old_terms = {count_old_terms}");
        }
    }

    #[test]
    fn a_follower_repairs_a_conflicting_suffix() {
        let mut s = Server::new(1, cfg());
        s.term = 3;
        s.log = vec![
            Entry { term: 1, cmd: Cmd::Noop },
            Entry { term: 2, cmd: Cmd::Noop },
            Entry { term: 2, cmd: Cmd::Noop },
        ].into();
        let mut t = TestCtx::new(1, 0, 1);
        let e = Entry { term: 3, cmd: Cmd::Set { key: 1, value: 9 } };
        s.on_msg(
            &mut t.ctx(),
            0,
            Msg::AppendEntries { term: 3, prev_log_index: 1, prev_log_term: 1, entries: vec![e], leader_commit: 2 },
        );
        assert_eq!(s.log.to_vec(), vec![Entry { term: 1, cmd: Cmd::Noop }, e]);
        assert_eq!(s.commit, 2);
        assert_eq!(s.kv[1], 9);
        assert_eq!(sent(&t), vec![(0, Msg::Appended { term: 3, success: true, matched: 2 })]);
    }

    #[test]
    fn a_full_log_takes_no_more_entries_and_commits_only_what_it_holds() {
        let mut s = Server::new(1, cfg());
        s.term = 1;
        for _ in 0..MAX_LOG - 1 {
            s.log.push(Entry { term: 1, cmd: Cmd::Noop });
        }
        let mut t = TestCtx::new(1, 0, 1);
        let more = vec![Entry { term: 1, cmd: Cmd::Noop }; 3];
        let prev = (MAX_LOG - 1) as u64;
        s.on_msg(
            &mut t.ctx(),
            0,
            Msg::AppendEntries {
                term: 1,
                prev_log_index: prev,
                prev_log_term: 1,
                entries: more,
                leader_commit: prev + 3,
            },
        );
        assert_eq!(s.log.len(), MAX_LOG);
        assert_eq!(s.commit, MAX_LOG as u64, "commits what it holds, not what it was sent");
        assert!(t.sent().contains(&(0, &Msg::Appended { term: 1, success: true, matched: MAX_LOG as u64 })));
    }

    /// Granting a vote persists term and vote before the reply goes out, and a restart gets back exactly that —
    /// unless votes are forgotten (the broken variant persists no vote).
    #[test]
    fn a_vote_is_persisted_before_it_is_sent_and_survives_a_restart_unless_forgotten() {
        for persist_votes in [true, false] {
            let mut s = Server::new(0, Config { persist_votes, ..cfg() });
            s.log = vec![Entry { term: 6, cmd: Cmd::Noop }].into();
            s.commit = 1;
            let mut t = TestCtx::new(0, 0, 1);
            s.on_msg(&mut t.ctx(), 3, Msg::RequestVote { term: 7, last_log_index: 1, last_log_term: 6 });
            let effects = t.take();
            let persisted: Vec<&Disk> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Persist(d) => Some(d),
                    _ => None,
                })
                .collect();
            let vote = if persist_votes { Some(3) } else { None };
            let log = vec![Entry { term: 6, cmd: Cmd::Noop }];
            assert_eq!(
                persisted,
                vec![
                    &Disk { term: 7, voted_for: None, log: log.clone().into() },
                    &Disk { term: 7, voted_for: vote, log: log.into() }
                ]
            );
            let persisted_at = effects.iter().rposition(|e| matches!(e, Effect::Persist(_)));
            let replied_at = effects.iter().position(|e| matches!(e, Effect::Send { .. }));
            assert!(persisted_at < replied_at, "write-ahead: persisted before the reply");
            let back = s.restart(persisted[1]);
            assert_eq!((back.term, back.voted_for, back.log.len(), back.commit), (7, vote, 1, 0));
        }
    }
}
