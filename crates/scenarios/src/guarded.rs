//! What the lock scenarios (the Redis failover, Redlock, the leader lease) share about the resource a lock guards:
//! a counter that a holder reads, increments and writes back, kept by a storage service that may fence requests
//! by token, with its messages' texts (`CounterLabels`, shared by all five lock scenarios); and the checks on it —
//! who believes it holds the lock (`single-holder` / `single-leader`), and whether an accepted write was based on
//! the latest version (`no-lost-update`). The checks are fed from each step's snapshot in the scenario's
//! `observe`, so no node keeps anything for them.

use faultline_sim::{label, Breach, Condition, Label, NodeId, NodeView, Severity, Tone};

/// The texts of the guarded counter's messages, the same in every scenario whose storage it is; the field names the
/// number a fenced request carries (`token`, `revision`, `gen`): `READ counter [token 5]`, `counter = 3 (v2)`,
/// `WRITE counter = 4 [token 5]`, `OK (v3)`, `REJECTED: token 5 < 6`.
#[derive(Clone, Copy, Debug)]
pub struct CounterLabels(pub &'static str);

impl CounterLabels {
    pub fn read(self, fence: Option<u64>) -> Label {
        match fence {
            Some(f) => label!("READ counter [", self.0, ' ', f, ']'),
            None => "READ counter".into(),
        }
    }

    pub fn read_ok(self, value: i64, version: u64) -> Label {
        label!("counter = ", value, " (v", version, ')')
    }

    pub fn write(self, fence: Option<u64>, value: i64) -> Label {
        match fence {
            Some(f) => label!("WRITE counter = ", value, " [", self.0, ' ', f, ']'),
            None => label!("WRITE counter = ", value),
        }
    }

    pub fn write_ok(self, version: u64) -> Label {
        label!("OK (v", version, ')')
    }

    pub fn rejected(self, fence: u64, newest: u64) -> Label {
        label!("REJECTED: ", self.0, ' ', fence, " < ", newest)
    }
}

/// Since which step each node believes it holds the lock (or leads), if it does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Believers(Vec<Option<u32>>);

impl Believers {
    /// After a step of `node`: whether it believes now.
    pub fn update(&mut self, node: NodeId, believes: bool, step: u32) {
        let i = node as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, None);
        }
        match (believes, self.0[i]) {
            (true, None) => self.0[i] = Some(step),
            (false, _) => self.0[i] = None,
            (true, Some(_)) => {}
        }
    }

    /// A crashed process believes nothing any more.
    pub fn forget_crashed(&mut self, conditions: &[Condition]) {
        for (since, c) in self.0.iter_mut().zip(conditions) {
            if *c == Condition::Down {
                *since = None;
            }
        }
    }

    /// The believers (node, since), when there are two or more and one of them began in this step: the moment
    /// to report an overlap, once.
    pub fn overlap_begins(&self, step: u32) -> Option<Vec<(NodeId, u32)>> {
        let all: Vec<(NodeId, u32)> =
            self.0.iter().enumerate().filter_map(|(i, since)| since.map(|s| (i as NodeId, s))).collect();
        (all.len() >= 2 && all.iter().any(|(_, since)| *since == step)).then_some(all)
    }
}

/// How a lock that two nodes believe they hold is judged: a violation where the design relies on it, an
/// observation where the storage fences — with the sentence that says why it is harmless.
pub fn overlap_severity(fenced: bool) -> (Severity, &'static str) {
    if fenced {
        (Severity::Observation, " The storage checks fencing tokens, so the older holder's writes are refused.")
    } else {
        (Severity::Violation, "")
    }
}

/// How the storage fences: not at all, by the highest token it has seen, or by the newest token it issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fence {
    Off,
    HighestSeen,
    NewestIssued,
}

/// The guarded counter, durable: value, version, and the token the fence compares with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    pub value: i64,
    pub version: u64,
    /// The highest token seen, or the newest issued.
    pub token: u64,
}

/// The storage's logic, whatever its messages: the fence, the write, the panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterStore {
    pub fence: Fence,
    pub data: Counter,
    pub rejected: u32,
}

impl CounterStore {
    pub fn new(fence: Fence) -> Self {
        CounterStore { fence, data: Counter::default(), rejected: 0 }
    }

    /// Check a request's token: `Err(newest)` when it is stale, `Ok(true)` when the check changed what must be
    /// durable (a newer token seen).
    pub fn check(&mut self, token: Option<u64>) -> Result<bool, u64> {
        let t = token.unwrap_or(0);
        match self.fence {
            Fence::Off => Ok(false),
            _ if t < self.data.token => Err(self.data.token),
            Fence::HighestSeen if t > self.data.token => {
                self.data.token = t;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// A write that passed the fence: the new version.
    pub fn write(&mut self, value: i64) -> u64 {
        self.data.value = value;
        self.data.version += 1;
        self.data.version
    }

    /// A refused write, for the panel.
    pub fn refused_write(&mut self) {
        self.rejected += 1;
    }

    /// The next token, where the storage issues them.
    pub fn issue(&mut self) -> u64 {
        self.data.token += 1;
        self.data.token
    }

    /// Its panel; `token` names what it fences by (`token`, `generation`).
    pub fn view(&self, token: &str) -> NodeView {
        let mut fields = vec![
            ("counter".to_string(), self.data.value.to_string()),
            ("version".into(), self.data.version.to_string()),
        ];
        let status = match self.fence {
            Fence::Off => "accepts every write".to_string(),
            Fence::HighestSeen => {
                fields.push((format!("highest {token} seen"), self.data.token.to_string()));
                format!("checks {token}s")
            }
            Fence::NewestIssued => {
                fields.push((format!("newest {token} issued"), self.data.token.to_string()));
                format!("issues and checks {token}s")
            }
        };
        if self.fence != Fence::Off {
            fields.push(("writes rejected".into(), self.rejected.to_string()));
        }
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
    }
}

/// A write that silently overwrote someone else's update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    pub writer: NodeId,
    pub value: i64,
    pub based_on_version: u64,
    pub read_step: u32,
    pub overwritten: NodeId,
    pub overwritten_step: u32,
    pub step: u32,
}

/// What the storage answered: who last read which version, and who wrote each accepted version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writes {
    /// The version each reader (a node and its session) last read, and when.
    last_read: Vec<((NodeId, u32), u64, u32)>,
    /// Who wrote each accepted version (index = version − 1), and when.
    accepted: Vec<(NodeId, u32)>,
    pub lost: Vec<LostUpdate>,
}

impl Writes {
    /// The storage answered a read by `reader` with `version`.
    pub fn read(&mut self, reader: (NodeId, u32), version: u64, step: u32) {
        self.last_read.retain(|(w, _, _)| *w != reader);
        self.last_read.push((reader, version, step));
    }

    /// The storage accepted a write by `writer` that made `version` (holding `value`).
    pub fn wrote(&mut self, writer: (NodeId, u32), version: u64, value: i64, step: u32) {
        let read = self.last_read.iter().find(|(w, _, _)| *w == writer).copied();
        if let Some((_, read_version, read_step)) = read.filter(|r| r.1 + 1 != version) {
            let (overwritten, overwritten_step) =
                self.accepted.get(read_version as usize).copied().unwrap_or((writer.0, step));
            self.lost.push(LostUpdate {
                writer: writer.0,
                value,
                based_on_version: read_version,
                read_step,
                overwritten,
                overwritten_step,
                step,
            });
        }
        self.accepted.push((writer.0, step));
    }

    /// Feed the storage's replies of one step; `reader` tells who read or wrote from the reply's destination and
    /// request id (a node and its process or session).
    pub fn observe<'m, M: CounterMsgs + 'm>(
        &mut self,
        sent: impl Iterator<Item = (NodeId, &'m M)>,
        value: i64,
        step: u32,
        reader: impl Fn(NodeId, u64) -> (NodeId, u32),
    ) {
        for (to, m) in sent {
            if let Some((version, req)) = m.as_read_ok() {
                self.read(reader(to, req), version, step);
            } else if let Some((version, req)) = m.as_write_ok() {
                self.wrote(reader(to, req), version, value, step);
            }
        }
    }

    /// The reader of a request whose id carries the process (or session) in its high half.
    pub fn process_of(to: NodeId, req: u64) -> (NodeId, u32) {
        (to, (req >> 32) as u32)
    }

    /// The lost updates of this step, as violations; `name` says who a node is (`node 2`, `client 1`).
    pub fn breaches(&self, step: u32, name: impl Fn(NodeId) -> String, out: &mut Vec<Breach>) {
        for l in self.lost.iter().rev().take_while(|l| l.step == step) {
            out.push(Breach {
                severity: Severity::Violation,
                message: format!(
                    "{} wrote counter = {} computed from version {} (read at step {}), but {} had written a newer \
                     version at step {}: that update is lost.",
                    name(l.writer),
                    l.value,
                    l.based_on_version,
                    l.read_step,
                    name(l.overwritten),
                    l.overwritten_step
                ),
                steps: vec![l.read_step, l.overwritten_step, l.step],
            });
        }
    }
}

/// What a scenario's messages must say for [`GuardedStorage`] to serve them: which are reads, writes and token
/// requests, and how to build the replies.
pub trait CounterMsgs: Sized {
    /// A read (`None` value) or a write (`Some(value)`), with its token and request id.
    fn request(&self) -> Option<(Option<u64>, Option<i64>, u64)>;
    /// A request for the next token, where the storage issues them (its request id).
    fn token_request(&self) -> Option<u64> {
        None
    }
    fn read_ok(value: i64, version: u64, req: u64) -> Self;
    fn write_ok(version: u64, req: u64) -> Self;
    fn rejected(token: u64, newest: u64, req: u64) -> Self;
    fn token_ok(_token: u64, _req: u64) -> Option<Self> {
        None
    }
    /// A refusal: its token and the newest, for the narration.
    fn as_rejected(&self) -> Option<(u64, u64)>;
    /// A read answered: the version read, and the request.
    fn as_read_ok(&self) -> Option<(u64, u64)>;
    /// A write accepted: the version it made, and the request.
    fn as_write_ok(&self) -> Option<(u64, u64)>;
}

/// Implements [`CounterMsgs`] for a scenario's messages whose storage variants are `Read { <token>, req }`,
/// `ReadOk { value, version, req }`, `Write { <token>, value, req }`, `WriteOk { version, req }` and
/// `Rejected { <token>, <newest>, req }` (and, with `tokens`, `Token { req }` and `TokenOk { token, req }`), and
/// [`CounterDisk`] for its durable state's variant that holds the counter.
#[macro_export]
macro_rules! guarded_storage {
    ($msg:ident, $disk:ident :: $variant:ident, $tok:ident, $newest:ident $(, tokens: $token:ident / $token_ok:ident)?) => {
        impl $crate::guarded::CounterMsgs for $msg {
            fn request(&self) -> Option<(Option<u64>, Option<i64>, u64)> {
                match *self {
                    $msg::Read { $tok, req } => Some(($tok, None, req)),
                    $msg::Write { $tok, value, req } => Some(($tok, Some(value), req)),
                    _ => None,
                }
            }
            $(
                fn token_request(&self) -> Option<u64> {
                    match *self {
                        $msg::$token { req } => Some(req),
                        _ => None,
                    }
                }
                fn token_ok(token: u64, req: u64) -> Option<Self> {
                    Some($msg::$token_ok { token, req })
                }
            )?
            fn read_ok(value: i64, version: u64, req: u64) -> Self {
                $msg::ReadOk { value, version, req }
            }
            fn write_ok(version: u64, req: u64) -> Self {
                $msg::WriteOk { version, req }
            }
            fn rejected($tok: u64, $newest: u64, req: u64) -> Self {
                $msg::Rejected { $tok, $newest, req }
            }
            fn as_rejected(&self) -> Option<(u64, u64)> {
                match *self {
                    $msg::Rejected { $tok, $newest, .. } => Some(($tok, $newest)),
                    _ => None,
                }
            }
            fn as_read_ok(&self) -> Option<(u64, u64)> {
                match *self {
                    $msg::ReadOk { version, req, .. } => Some((version, req)),
                    _ => None,
                }
            }
            fn as_write_ok(&self) -> Option<(u64, u64)> {
                match *self {
                    $msg::WriteOk { version, req } => Some((version, req)),
                    _ => None,
                }
            }
        }

        impl $crate::guarded::CounterDisk for $disk {
            fn counter(c: $crate::guarded::Counter) -> Self {
                $disk::$variant(c)
            }
            fn as_counter(&self) -> Option<&$crate::guarded::Counter> {
                match self {
                    $disk::$variant(c) => Some(c),
                    _ => None,
                }
            }
        }
    };
}

/// How a scenario's durable state holds the storage's counter.
pub trait CounterDisk: Clone + std::fmt::Debug + Default + PartialEq {
    fn counter(c: Counter) -> Self;
    fn as_counter(&self) -> Option<&Counter>;
}

/// The storage node of the lock scenarios: the guarded counter behind its fence, speaking the scenario's
/// messages. `who` and `token` are the words its notes use (`client`, `revision`).
#[derive(Debug)]
pub struct GuardedStorage<M, T, D> {
    pub store: CounterStore,
    pub who: &'static str,
    pub token: &'static str,
    _kinds: Kinds<M, T, D>,
}

/// The message, timer and durable types a [`GuardedStorage`] speaks (it holds none of them).
type Kinds<M, T, D> = std::marker::PhantomData<fn() -> (M, T, D)>;

impl<M, T, D> Clone for GuardedStorage<M, T, D> {
    fn clone(&self) -> Self {
        GuardedStorage { store: self.store.clone(), who: self.who, token: self.token, _kinds: std::marker::PhantomData }
    }
}

impl<M, T, D> PartialEq for GuardedStorage<M, T, D> {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store
    }
}

impl<M, T, D> Eq for GuardedStorage<M, T, D> {}

impl<M, T, D> GuardedStorage<M, T, D> {
    pub fn new(fence: Fence, who: &'static str, token: &'static str) -> Self {
        GuardedStorage { store: CounterStore::new(fence), who, token, _kinds: std::marker::PhantomData }
    }
}

impl<M, T, D> faultline_sim::Node for GuardedStorage<M, T, D>
where
    M: CounterMsgs + Clone + std::fmt::Debug + faultline_sim::Describe,
    T: Clone + std::fmt::Debug + faultline_sim::Describe + PartialEq,
    D: CounterDisk,
{
    type Msg = M;
    type Timer = T;
    type Durable = D;

    fn on_msg(&mut self, ctx: &mut faultline_sim::Ctx<'_, M, T, D>, from: NodeId, msg: M) {
        if let (Some(req), Fence::NewestIssued) = (msg.token_request(), self.store.fence) {
            let token = self.store.issue();
            ctx.persist(D::counter(self.store.data.clone()));
            if let Some(reply) = M::token_ok(token, req) {
                ctx.send(from, reply);
            }
            return;
        }
        let Some((token, write, req)) = msg.request() else { return };
        match self.store.check(token) {
            Err(newest) => {
                if write.is_some() {
                    self.store.refused_write();
                }
                ctx.send(from, M::rejected(token.unwrap_or(0), newest, req));
            }
            Ok(changed) => {
                let reply = match write {
                    Some(value) => M::write_ok(self.store.write(value), req),
                    None => M::read_ok(self.store.data.value, self.store.data.version, req),
                };
                if changed || write.is_some() {
                    ctx.persist(D::counter(self.store.data.clone()));
                }
                ctx.send(from, reply);
            }
        }
    }

    fn restart(&self, disk: &D) -> Self {
        let mut back = GuardedStorage::new(self.store.fence, self.who, self.token);
        if let Some(c) = disk.as_counter() {
            back.store.data = c.clone();
        }
        back
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        self.store.view(self.token)
    }

    type Look = ();

    /// Each reply, in words: what was accepted, and what the fence turned away.
    fn narrate(&self, step: &faultline_sim::Handled<'_, Self>, out: &mut faultline_sim::Narration) {
        let faultline_sim::Input::Msg { from, msg } = step.input else { return };
        for (_, reply) in step.sent() {
            if let Some((token, newest)) = reply.as_rejected() {
                let text = format!("rejected {} {}: {} {token} < {newest}", self.who, from + 1, self.token);
                out.note(text, Tone::Good);
            } else if let (Some(_), Some((_, Some(value), _))) = (reply.as_write_ok(), msg.request()) {
                out.note(format!("accepted counter = {value} from {} {}", self.who, from + 1), Tone::Neutral);
                out.metric("counter", value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CounterLabels;

    /// The storage's messages read the same in every lock scenario, fenced or not, whatever the fence is called.
    #[test]
    fn the_counter_messages_are_labelled_word_for_word() {
        let gen = CounterLabels("gen");
        assert_eq!(gen.read(Some(5)), "READ counter [gen 5]");
        assert_eq!(gen.read(None), "READ counter");
        assert_eq!(gen.read_ok(-3, 2), "counter = -3 (v2)");
        assert_eq!(gen.write(Some(12), 4), "WRITE counter = 4 [gen 12]");
        assert_eq!(gen.write(None, 4), "WRITE counter = 4");
        assert_eq!(gen.write_ok(3), "OK (v3)");
        assert_eq!(CounterLabels("revision").rejected(5, 6), "REJECTED: revision 5 < 6");
    }
}
