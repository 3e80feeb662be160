//! The trace: the product's spine. Serializable, versioned and hashed; the UI replays it, tests pin it, and
//! native and wasm builds must produce the same hash for the same inputs.

use crate::fault::{fmt_us, Fault, FaultPlan};
use crate::label::Label;
use crate::params::ParamValue;
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A span's key or a metric's name: the scenario's own `&'static str`, borrowed (an imported trace's, owned). A
/// `String` each was an allocation per event, and most of a crowd's events are metrics (the thundering herd's: 6,480
/// of 8,528). Serialized and hashed as a string.
pub type Name = Cow<'static, str>;

/// Bumped whenever the meaning or shape of a trace changes; an import of another version is refused.
pub const TRACE_VERSION: u32 = 3;

/// How an event, a note or a node's status should look: the UI picks colours from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    #[default]
    Neutral,
    Info,
    Good,
    Warn,
    Bad,
}

/// The text with its first letter in upper case, for a name or a sentence that starts a line ("client 1 …",
/// "the run was stopped …"). ASCII only, on purpose: `char::to_uppercase` would bring Unicode's case tables into
/// every page that calls it, 7 KB of wasm gzip; a first letter outside ASCII is left as it is.
pub fn capitalized(text: &str) -> String {
    let mut out = text.to_string();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// A node as the views draw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// `client 1`, `storage`.
    pub name: String,
    /// The node's kind in its scenario, for grouping and styling: `client`, `storage`.
    pub role: String,
}

/// What a node shows on its panel at some step: a short status and labelled fields, chosen by its scenario, and
/// widgets that compact views (a ring of peers) draw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub status: String,
    pub tone: Tone,
    pub fields: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub widgets: Vec<Widget>,
}

/// A generic piece of a node's picture. The web crate draws each kind the same way for every scenario; the
/// scenario's view code chooses what goes in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Widget {
    /// A short label in the node's symbol (`L3`).
    Badge(String),
    /// A row of cells, each coloured by its value, the first `marked` of them outlined (a log: each entry's term,
    /// the committed ones marked). `cell` and `value` name them in tooltips: "entry 4, term 2, committed".
    Cells { values: Vec<u64>, marked: u64, cell: String, value: String, marked_as: String },
    /// A running timer: time left of its full length, in µs, drawn as a draining arc; `label` names it.
    Countdown { left_us: u64, total_us: u64, label: String },
    /// A level against a maximum (a queue's length), drawn as a filling bar.
    Gauge { value: u64, max: u64, label: String },
    /// The crowd a node acts for: each member's state, as an index into the states of the scenario's
    /// [`crate::View::Population`]; drawn as a block of coloured cells.
    Population { members: Vec<u32>, states: Vec<u8> },
}

impl NodeView {
    pub fn badge(&self) -> Option<&str> {
        self.widgets.iter().find_map(|w| match w {
            Widget::Badge(b) => Some(b.as_str()),
            _ => None,
        })
    }
}

/// Whether the process is running, stopped in a pause, or down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    #[default]
    Up,
    Paused,
    Down,
}

/// A node's panel as of `step` (recorded only when it changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewChange {
    pub step: u32,
    pub node: NodeId,
    pub condition: Condition,
    pub view: NodeView,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The network lost it (the loss probability).
    Loss,
    /// The link was cut by a partition.
    LinkCut,
    /// The receiver was down when it arrived.
    NodeDown,
    /// A fault of the plan dropped this very message.
    Injected,
}

impl DropReason {
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::Loss => "lost by the network",
            DropReason::LinkCut => "link is cut",
            DropReason::NodeDown => "receiver is down",
            DropReason::Injected => "dropped by an injected fault",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A safety property broke: the run is wrong.
    Violation,
    /// Something a learner should notice that is not (by itself) a breach, e.g. two clients believing they hold
    /// a lock while fencing keeps the data safe.
    Observation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The node's process started (at time 0, and again after each restart).
    Start {
        node: NodeId,
    },
    /// `from` sent message `id`; it arrives at `arrives_at_us` unless dropped (`dup`: a duplicate copy). Message ids
    /// are numbered from 0 in send order; a recorded run could not hold 2³² events in memory, so 32 bits hold them
    /// (see [`Event`] on why its size matters).
    Send {
        from: NodeId,
        to: NodeId,
        id: MsgId,
        label: Label,
        arrives_at_us: u64,
        dup: bool,
    },
    /// `to` handled message `id`. `waited_us` > 0 when the message had to wait for a paused receiver.
    Deliver {
        from: NodeId,
        to: NodeId,
        id: MsgId,
        waited_us: u64,
    },
    /// Message `id` never arrived.
    Drop {
        from: NodeId,
        to: NodeId,
        id: MsgId,
        reason: DropReason,
    },
    /// A timer the node had set fired.
    Timer {
        node: NodeId,
        label: Label,
    },
    /// Something the node wants a learner to see (`rejected: token 33 < 34`).
    Note {
        node: NodeId,
        text: String,
        tone: Tone,
    },
    /// A stretch of time a node is in some state (`holds the lock`), until the matching close.
    SpanOpen {
        node: NodeId,
        key: Name,
        label: Box<str>,
        tone: Tone,
    },
    SpanClose {
        node: NodeId,
        key: Name,
    },
    /// A fault of the plan struck.
    Fault {
        fault: Fault,
    },
    /// A paused node runs again.
    Resume {
        node: NodeId,
    },
    /// The node wrote to its durable storage: what survives its crash changed (a forced log record, Raft's
    /// persistent state). Recorded by the kernel whenever a handler's `persist` changes what is stored.
    Persist {
        node: NodeId,
    },
    /// A number a scenario charts over time (`term`, `committed`), as of this node.
    Metric {
        node: NodeId,
        name: Name,
        value: i64,
    },
    /// An invariant broke, or an observation worth a learner's attention. Boxed: breaches are rare, and unboxed
    /// their three strings and list made every event of a trace take 104 bytes instead of 80.
    Breach(Box<BreachEvent>),
}

/// What [`EventKind::Breach`] records; `steps` are the steps that caused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachEvent {
    pub invariant: String,
    pub severity: Severity,
    pub message: String,
    pub steps: Vec<u32>,
}

/// A message's number in its run (see [`EventKind::Send`]).
pub type MsgId = u32;

/// One thing that happened in a step. 64 bytes, natively and in wasm32 (a test holds it there natively): a recorded
/// run keeps every event, and the recorded storm of the bench writes two a step. At 80 bytes, 39% of that storm's
/// native time went to the operating system faulting in the events' memory, and 11% to dropping them (perf).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub step: u32,
    pub at_us: u64,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The crowd member the event belongs to (see [`crate::Describe::member`]); such events are kept only for
    /// followed members, and the hash covers them through [`Trace::members`] instead.
    #[serde(default, skip_serializing_if = "Member::is_none")]
    pub member: Member,
}

/// The crowd member an event belongs to, or none: an `Option<u32>` in four bytes instead of eight, `u32::MAX` standing
/// for none (no crowd comes near it: the scenarios' `clients` knobs stop at thousands). Serialized as the
/// `Option<u32>` it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Member(u32);

impl Member {
    pub const NONE: Member = Member(u32::MAX);

    pub fn get(self) -> Option<u32> {
        (self != Member::NONE).then_some(self.0)
    }

    pub fn is_none(&self) -> bool {
        *self == Member::NONE
    }

    pub fn is_some(&self) -> bool {
        !self.is_none()
    }
}

impl Default for Member {
    fn default() -> Self {
        Member::NONE
    }
}

impl From<Option<u32>> for Member {
    fn from(member: Option<u32>) -> Self {
        member.map_or(Member::NONE, Member)
    }
}

impl Serialize for Member {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<u32>::deserialize(d).map(Member::from)
    }
}

/// A run's events: a vector of them which, when dropped, leaves its memory to the next run recorded on the same
/// thread ([`Events::recycled`]). Recorded into fresh memory, every run has the operating system fault each page of it
/// in again: the bench's recorded storm writes 38 MB of events a run, and those faults were 39% of its native time
/// (perf; glibc hands blocks that big back to the system when they are freed). A browser's wasm memory is never handed
/// back, but a run's vector still grows by doubling and copying; reused, it starts at the size the last run needed.
/// At most [`SPARE_MAX_EVENTS`] events' memory is kept; a thread keeps one vector, the bigger.
///
/// The last run's events are not dropped when it goes, but each where the next run writes its own over it
/// ([`Events::push`]): dropping them all at once read the whole vector back from memory once more, 14% of the
/// recorded storm's native time (perf), where a write to the same place has that memory read anyway.
#[derive(Default)]
pub struct Events {
    /// The events from `len` on are a past run's, kept until written over.
    list: Vec<Event>,
    len: usize,
}

/// The most events whose memory a thread keeps for its next run (64 MB natively, 64 bytes each); a bigger vector is
/// freed as usual.
pub const SPARE_MAX_EVENTS: usize = 1 << 20;

thread_local! {
    static SPARE: std::cell::Cell<Vec<Event>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Events {
    /// An empty list in the memory the last list dropped on this thread left, if any.
    pub fn recycled() -> Events {
        Events { list: SPARE.try_with(std::cell::Cell::take).unwrap_or_default(), len: 0 }
    }

    /// Forget the memory kept for the next run (for the bench's figure of a run into fresh memory).
    pub fn drop_spare() {
        let _ = SPARE.try_with(std::cell::Cell::take);
    }

    /// Add an event at the end, over a past run's if one is there.
    pub fn push(&mut self, event: Event) {
        match self.list.get_mut(self.len) {
            Some(slot) => *slot = event,
            None => self.list.push(event),
        }
        self.len += 1;
    }

    /// The events as a vector to change, a past run's dropped from its end first.
    fn live(&mut self) -> &mut Vec<Event> {
        self.list.truncate(self.len);
        &mut self.list
    }

    pub fn pop(&mut self) -> Option<Event> {
        let last = self.live().pop();
        self.len = self.list.len();
        last
    }

    /// Take every event out, in order.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Event> {
        self.list.truncate(self.len);
        self.len = 0;
        self.list.drain(..)
    }
}

impl From<Vec<Event>> for Events {
    fn from(list: Vec<Event>) -> Self {
        Events { len: list.len(), list }
    }
}

impl std::ops::Deref for Events {
    type Target = [Event];
    fn deref(&self) -> &[Event] {
        self.list.get(..self.len).unwrap_or_default()
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = std::slice::Iter<'a, Event>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Clone for Events {
    fn clone(&self) -> Self {
        Events::from(self.to_vec())
    }
}

impl PartialEq for Events {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Events {}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Events {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let room = self.list.capacity();
        if room == 0 || room > SPARE_MAX_EVENTS {
            return;
        }
        let events = std::mem::take(&mut self.list);
        // At a thread's exit the spare may be gone already: the vector is then freed as usual.
        let _ = SPARE.try_with(|spare| {
            let kept = spare.take();
            spare.set(if kept.capacity() >= room { kept } else { events });
        });
    }
}

/// A digest of every crowd member's protocol events (sends, deliveries, drops, timers, durable writes) in a
/// compact form without labels — computed as they happen, whether they are kept or not, so that following
/// another member changes what the trace keeps but not its hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDigest {
    pub events: u64,
    pub digest: u64,
}

impl MemberDigest {
    /// Fold one event, given as words, into the digest (the trace hash's step, a word at a time: it was FNV-1a a
    /// byte at a time, 64 multiplies for every event of every client of a crowd).
    pub fn mix(&mut self, words: &[u64]) {
        let start = if self.events == 0 { crate::hash::OFFSET } else { self.digest };
        self.digest = words.iter().fold(start, |h, &w| crate::hash::mix(h, w));
        self.events += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.events == 0
    }
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing left to do: every node is idle.
    Quiescent,
    /// The run reached its time horizon.
    TimeLimit { limit_us: u64 },
    /// The run was cut off after `limit` steps (probably a livelock, or a limit set too low).
    StepLimit { limit: u32 },
    /// More events were pending at once than the queue allows (probably a message storm).
    QueueLimit { limit: usize },
}

impl Outcome {
    /// A limit was hit that cut the run short: worth a clear message wherever the trace is shown.
    pub fn limit_message(&self) -> Option<String> {
        match self {
            Outcome::StepLimit { limit } => {
                Some(format!("the run was stopped after {limit} steps (the step limit); what follows is cut off"))
            }
            Outcome::QueueLimit { limit } => {
                Some(format!("the run was stopped: more than {limit} events were pending at once (the queue limit)"))
            }
            _ => None,
        }
    }
}

/// A whole run: its inputs, every event, how it ended, and a stable hash of all of that. It is written, never
/// read back whole: an import reads only its inputs (see the web crate's `transfer`) and re-runs them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub version: u32,
    pub scenario: String,
    pub seed: u64,
    pub params: BTreeMap<String, ParamValue>,
    pub faults: FaultPlan,
    pub nodes: Vec<NodeInfo>,
    /// Number of steps (kernel events); every event belongs to one step in `0..steps`.
    pub steps: u32,
    pub end_us: u64,
    pub outcome: Outcome,
    pub events: Events,
    /// Every crowd member's events, kept or not, as a digest (empty for a scenario without a crowd).
    #[serde(default, skip_serializing_if = "MemberDigest::is_empty")]
    pub members: MemberDigest,
    /// Panel contents, recorded only when asked for (the UI asks; sweeps do not). Not part of the hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ViewChange>,
    pub hash: String,
}

/// One event of no crowd member (the only ones the hash covers) into the trace's hash, in as few words as say it
/// all: a word of the kind's number (with a small field folded in), the step, the time, then the kind's fields
/// in a fixed order, two node ids to a word, a text as its length and its bytes. Field names are not hashed: each
/// kind has a fixed list of fields, so they add nothing. Until this encoding, events were hashed as serde encodes
/// them, a name before every field ([`hash_event_v3`]): a send with a 30-byte label took 35 words, each a multiply in
/// one chain, where it now takes 11, and hashing was a fifth of a recorded Raft run's time natively (perf). Timed
/// alternately against that build, the recorded bench runs natively: Raft 1.14× as fast, the Redis lock 1.13×, 2PC
/// 1.10×, the Redis failover 1.24×; in Node: 1.09×, 1.12×, 1.13×, 1.14×.
fn hash_event(h: &mut crate::hash::Hasher, e: &Event) {
    debug_assert!(e.member.is_none(), "a crowd member's event is left out of the hash");
    let pair = |a: NodeId, b: NodeId| u64::from(a) << 32 | u64::from(b);
    let head = |h: &mut crate::hash::Hasher, kind: u64, small: u64| {
        h.word(kind | small << 8);
        h.word(u64::from(e.step));
        h.word(e.at_us);
    };
    match &e.kind {
        EventKind::Start { node } => {
            head(h, 0, 0);
            h.word(u64::from(*node));
        }
        EventKind::Send { from, to, id, label, arrives_at_us, dup } => {
            head(h, 1, u64::from(*dup));
            h.word(pair(*from, *to));
            h.word(u64::from(*id));
            h.word(*arrives_at_us);
            h.str(label.as_str());
        }
        EventKind::Deliver { from, to, id, waited_us } => {
            head(h, 2, 0);
            h.word(pair(*from, *to));
            h.word(u64::from(*id));
            h.word(*waited_us);
        }
        EventKind::Drop { from, to, id, reason } => {
            head(h, 3, *reason as u64);
            h.word(pair(*from, *to));
            h.word(u64::from(*id));
        }
        EventKind::Timer { node, label } => {
            head(h, 4, 0);
            h.word(u64::from(*node));
            h.str(label.as_str());
        }
        EventKind::Note { node, text, tone } => {
            head(h, 5, *tone as u64);
            h.word(u64::from(*node));
            h.str(text);
        }
        EventKind::SpanOpen { node, key, label, tone } => {
            head(h, 6, *tone as u64);
            h.word(u64::from(*node));
            h.str(key);
            h.str(label);
        }
        EventKind::SpanClose { node, key } => {
            head(h, 7, 0);
            h.word(u64::from(*node));
            h.str(key);
        }
        EventKind::Fault { fault } => {
            head(h, 8, 0);
            h.value(fault);
        }
        EventKind::Resume { node } => {
            head(h, 9, 0);
            h.word(u64::from(*node));
        }
        EventKind::Persist { node } => {
            head(h, 10, 0);
            h.word(u64::from(*node));
        }
        EventKind::Metric { node, name, value } => {
            head(h, 11, 0);
            h.word(u64::from(*node));
            h.str(name);
            h.word(*value as u64);
        }
        EventKind::Breach(b) => {
            head(h, 12, b.severity as u64);
            h.str(&b.invariant);
            h.str(&b.message);
            h.value(&b.steps);
        }
    }
}

/// One event as builds before the compact encoding ([`hash_event`]) hashed it, word for word as serde's path encodes
/// it: a map of unknown length (`step`, `at_us`, then the kind's `type` and fields, flattened; `member`,
/// being `None`, is skipped), each entry its name and its value; a unit variant (a tone, a reason) is its index.
fn hash_event_v3(h: &mut crate::hash::Hasher, e: &Event) {
    use crate::hash::{CLOSE, OPEN};
    debug_assert!(e.member.is_none(), "a crowd member's event is left out of the hash");
    let word = |h: &mut crate::hash::Hasher, name: &str, w: u64| {
        h.str(name);
        h.word(w);
    };
    let text = |h: &mut crate::hash::Hasher, name: &str, s: &str| {
        h.str(name);
        h.str(s);
    };
    h.word(OPEN);
    word(h, "step", u64::from(e.step));
    word(h, "at_us", e.at_us);
    let tag = |h: &mut crate::hash::Hasher, t: &str| text(h, "type", t);
    match &e.kind {
        EventKind::Start { node } => {
            tag(h, "start");
            word(h, "node", u64::from(*node));
        }
        EventKind::Send { from, to, id, label, arrives_at_us, dup } => {
            tag(h, "send");
            word(h, "from", u64::from(*from));
            word(h, "to", u64::from(*to));
            word(h, "id", u64::from(*id));
            text(h, "label", label.as_str());
            word(h, "arrives_at_us", *arrives_at_us);
            word(h, "dup", u64::from(*dup));
        }
        EventKind::Deliver { from, to, id, waited_us } => {
            tag(h, "deliver");
            word(h, "from", u64::from(*from));
            word(h, "to", u64::from(*to));
            word(h, "id", u64::from(*id));
            word(h, "waited_us", *waited_us);
        }
        EventKind::Drop { from, to, id, reason } => {
            tag(h, "drop");
            word(h, "from", u64::from(*from));
            word(h, "to", u64::from(*to));
            word(h, "id", u64::from(*id));
            word(h, "reason", *reason as u64);
        }
        EventKind::Timer { node, label } => {
            tag(h, "timer");
            word(h, "node", u64::from(*node));
            text(h, "label", label.as_str());
        }
        EventKind::Note { node, text: note, tone } => {
            tag(h, "note");
            word(h, "node", u64::from(*node));
            text(h, "text", note);
            word(h, "tone", *tone as u64);
        }
        EventKind::SpanOpen { node, key, label, tone } => {
            tag(h, "span_open");
            word(h, "node", u64::from(*node));
            text(h, "key", key);
            text(h, "label", label);
            word(h, "tone", *tone as u64);
        }
        EventKind::SpanClose { node, key } => {
            tag(h, "span_close");
            word(h, "node", u64::from(*node));
            text(h, "key", key);
        }
        EventKind::Fault { fault } => {
            tag(h, "fault");
            h.field("fault", fault);
        }
        EventKind::Resume { node } => {
            tag(h, "resume");
            word(h, "node", u64::from(*node));
        }
        EventKind::Persist { node } => {
            tag(h, "persist");
            word(h, "node", u64::from(*node));
        }
        EventKind::Metric { node, name, value } => {
            tag(h, "metric");
            word(h, "node", u64::from(*node));
            text(h, "name", name);
            word(h, "value", *value as u64);
        }
        EventKind::Breach(b) => {
            tag(h, "breach");
            text(h, "invariant", &b.invariant);
            word(h, "severity", b.severity as u64);
            text(h, "message", &b.message);
            h.field("steps", &b.steps);
        }
    }
    h.word(CLOSE);
}

impl Trace {
    /// The stable hash of this trace's inputs, events and outcome (16 hex digits): the serde encoding
    /// ([`crate::hash`]) of `{version, scenario, seed, params, faults, nodes, steps, end_us, outcome, events,
    /// members}`, where `events` are those of no crowd member, each in the compact encoding of `hash_event`. The
    /// golden traces pin it.
    pub fn compute_hash(&self) -> String {
        self.hash_with(hash_event)
    }

    /// The hash as builds before the compact encoding computed it: each event as serde encodes it, a name before
    /// every field (`hash_event_v3`; a test holds the two together). A trace file exported by such a build
    /// carries this hash, and an import accepts it.
    pub fn compute_hash_v3(&self) -> String {
        self.hash_with(hash_event_v3)
    }

    fn hash_with(&self, hash_event: fn(&mut crate::hash::Hasher, &Event)) -> String {
        let mut h = crate::hash::Hasher::new();
        h.field("version", &self.version);
        h.field("scenario", &self.scenario);
        h.field("seed", &self.seed);
        h.field("params", &self.params);
        h.field("faults", &self.faults);
        h.field("nodes", &self.nodes);
        h.field("steps", &self.steps);
        h.field("end_us", &self.end_us);
        h.field("outcome", &self.outcome);
        h.str("events");
        // A sequence of a length not given up front (the kept events are filtered).
        h.word(crate::hash::OPEN);
        for e in self.events.iter().filter(|e| e.member.is_none()) {
            hash_event(&mut h, e);
        }
        h.field("members", &self.members);
        h.hex()
    }

    /// Each metric's value at the end of the run: the sum over nodes of the last value each reported (a crowd's
    /// totals, a chart's last point).
    pub fn final_metrics(&self) -> BTreeMap<String, i64> {
        let mut last: BTreeMap<(&str, NodeId), i64> = BTreeMap::new();
        for e in &self.events {
            if let EventKind::Metric { node, name, value } = &e.kind {
                last.insert((name.as_ref(), *node), *value);
            }
        }
        let mut out = BTreeMap::new();
        for ((name, _), v) in last {
            *out.entry(name.to_string()).or_default() += v;
        }
        out
    }

    pub fn node_name(&self, id: NodeId) -> String {
        self.nodes.get(id as usize).map(|n| n.name.clone()).unwrap_or_else(|| format!("node {id}"))
    }

    /// The breaches of the given severity, in order.
    pub fn breaches(&self, severity: Severity) -> impl Iterator<Item = (&Event, &str, &str, &[u32])> {
        self.events.iter().filter_map(move |e| match &e.kind {
            EventKind::Breach(b) if b.severity == severity => {
                Some((e, b.invariant.as_str(), b.message.as_str(), b.steps.as_slice()))
            }
            _ => None,
        })
    }

    pub fn violations(&self) -> impl Iterator<Item = (&Event, &str, &str, &[u32])> {
        self.breaches(Severity::Violation)
    }

    /// The label of message `id`, from its send event.
    pub fn message_label(&self, id: MsgId) -> Option<&str> {
        self.message_label_before(self.events.len(), id)
    }

    /// The label of message `id`, searching back from event index `end` (a message is sent before it is
    /// delivered, usually shortly before: this stays cheap in long traces).
    fn message_label_before(&self, end: usize, id: MsgId) -> Option<&str> {
        self.events[..end.min(self.events.len())].iter().rev().find_map(|e| match &e.kind {
            EventKind::Send { id: i, label, .. } if *i == id => Some(label.as_str()),
            _ => None,
        })
    }

    /// One line for a learner: what happened in this event (without its time).
    pub fn describe(&self, event: &Event) -> String {
        let n = |id: NodeId| self.node_name(id);
        // Everything this event can refer to happened no later than its own step.
        let end = self.events.partition_point(|e| e.step <= event.step);
        match &event.kind {
            EventKind::Start { node } => format!("{} starts", n(*node)),
            EventKind::Send { from, to, label, dup, .. } => {
                format!("{} -> {}: {label}{}", n(*from), n(*to), if *dup { " (duplicate)" } else { "" })
            }
            EventKind::Deliver { from, to, id, waited_us } => {
                let label = self.message_label_before(end, *id).unwrap_or("?");
                let waited = if *waited_us > 0 {
                    format!(" (it waited {} for the paused receiver)", fmt_us(*waited_us as i64))
                } else {
                    String::new()
                };
                format!("{} <- {}: {label}{waited}", n(*to), n(*from))
            }
            EventKind::Drop { from, to, id, reason } => {
                let label = self.message_label_before(end, *id).unwrap_or("?");
                format!("dropped {} -> {}: {label} ({})", n(*from), n(*to), reason.describe())
            }
            EventKind::Timer { node, label } => format!("{}: timer {label}", n(*node)),
            EventKind::Note { node, text, .. } => format!("{}: {text}", n(*node)),
            EventKind::SpanOpen { node, label, .. } => format!("{}: {label}", n(*node)),
            EventKind::SpanClose { node, key } => {
                // Search back from this very event: a span of the same key may open later in the same step, and
                // a closed span keeps its own label.
                let start = self.events.partition_point(|e| e.step < event.step);
                let at = self.events[start..end].iter().position(|e| std::ptr::eq(e, event)).map_or(end, |i| start + i);
                let label = self.events[..at].iter().rev().find_map(|o| match &o.kind {
                    EventKind::SpanOpen { node: on, key: ok, label, .. } if on == node && ok == key => Some(&**label),
                    _ => None,
                });
                format!("{}: no longer {}", n(*node), label.unwrap_or(key))
            }
            EventKind::Fault { fault } => format!("FAULT: {}", fault.describe(&n)),
            EventKind::Resume { node } => format!("{} resumes after its pause", n(*node)),
            EventKind::Persist { node } => format!("{}: written to its durable log (survives a crash)", n(*node)),
            EventKind::Metric { node, name, value } => format!("{}: {name} = {value}", n(*node)),
            EventKind::Breach(b) => match b.severity {
                Severity::Violation => format!("VIOLATION of {}: {}", b.invariant, b.message),
                Severity::Observation => format!("observation ({}): {}", b.invariant, b.message),
            },
        }
    }
}

/// A violation as the JSON report lists it.
#[derive(Serialize)]
pub struct ReportViolation<'a> {
    pub invariant: &'a str,
    pub step: u32,
    pub at_us: u64,
    pub message: &'a str,
    pub steps: &'a [u32],
}

/// The JSON report of a run (`faultline run --format json`, the golden traces, the UI's download): the trace
/// itself plus a `violations` array of `{invariant, step, at_us, message, steps}`.
#[derive(Serialize)]
pub struct Report<'a> {
    #[serde(flatten)]
    pub trace: &'a Trace,
    pub violations: Vec<ReportViolation<'a>>,
}

impl Trace {
    pub fn report(&self) -> Report<'_> {
        let violations = self
            .violations()
            .map(|(e, invariant, message, steps)| ReportViolation {
                invariant,
                step: e.step,
                at_us: e.at_us,
                message,
                steps,
            })
            .collect();
        Report { trace: self, violations }
    }

    /// The report as a JSON value.
    pub fn report_json(&self) -> serde_json::Value {
        serde_json::to_value(self.report()).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalized_raises_an_ascii_first_letter_and_leaves_the_rest() {
        assert_eq!(capitalized("the run was stopped"), "The run was stopped");
        assert_eq!(capitalized("client 1"), "Client 1");
        assert_eq!(capitalized(""), "");
        assert_eq!(capitalized("élan"), "élan", "a first letter of two bytes is left as it is, without a panic");
    }

    /// The part of a trace its hash covers, encoded through serde: what [`Trace::compute_hash`] feeds the hash
    /// word by word.
    #[derive(Serialize)]
    struct Hashed<'a> {
        version: u32,
        scenario: &'a str,
        seed: u64,
        params: &'a BTreeMap<String, ParamValue>,
        faults: &'a FaultPlan,
        nodes: &'a [NodeInfo],
        steps: u32,
        end_us: u64,
        outcome: &'a Outcome,
        events: Unkept<'a>,
        members: MemberDigest,
    }

    /// The events a trace keeps whatever is followed: those of no crowd member.
    struct Unkept<'a>(&'a [Event]);

    impl Serialize for Unkept<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().filter(|e| e.member.is_none()))
        }
    }

    fn by_serde(t: &Trace) -> String {
        crate::hash::hash_value(&Hashed {
            version: t.version,
            scenario: &t.scenario,
            seed: t.seed,
            params: &t.params,
            faults: &t.faults,
            nodes: &t.nodes,
            steps: t.steps,
            end_us: t.end_us,
            outcome: &t.outcome,
            events: Unkept(&t.events),
            members: t.members,
        })
    }

    /// A run's list of events starts in the memory the last list dropped on its thread left, and holds none of its
    /// events: a shorter run after a longer one on the same thread reads, compares, clones and serializes as what was
    /// pushed into it, as the same events on a new thread do.
    #[test]
    fn events_reuse_the_last_runs_memory_and_hold_none_of_its_events() {
        let all = every_kind();
        Events::drop_spare();
        let mut long = Events::recycled();
        for _ in 0..100 {
            for e in &all {
                long.push(e.clone());
            }
        }
        let room = long.list.capacity();
        drop(long);
        let mut short = Events::recycled();
        assert!(short.is_empty() && short.list.capacity() == room, "the spare's memory, and none of its events");
        for e in all.iter().take(3) {
            short.push(e.clone());
        }
        assert_eq!(*short, all[..3]);
        assert_eq!(short.clone(), Events::from(all[..3].to_vec()));
        assert_eq!(short.iter().count(), 3);
        assert_eq!(serde_json::to_string(&short).ok(), serde_json::to_string(&all[..3]).ok());
        let three = all[..3].to_vec();
        let fresh = std::thread::spawn(move || {
            let mut fresh = Events::recycled();
            three.into_iter().for_each(|e| fresh.push(e));
            (fresh.list.capacity(), fresh.to_vec())
        });
        let (fresh_room, fresh) = fresh.join().unwrap_or_default();
        assert_eq!(fresh, *short);
        assert!(fresh_room < room, "a new thread has no spare");
        assert_eq!(short.pop().as_ref(), all.get(2));
        assert_eq!(short.drain().collect::<Vec<_>>(), all[..2]);
        assert!(short.is_empty() && short.list.is_empty(), "the past run's events went with the drain");
        // A list bigger than the most kept is freed, and leaves the spare as it was.
        drop(short);
        drop(Events::from(Vec::with_capacity(SPARE_MAX_EVENTS + 1)));
        assert_eq!(Events::recycled().list.capacity(), room);
    }

    /// Every kind of event, each field away from its default, a member's event among them.
    fn every_kind() -> Vec<Event> {
        let b = |s: &str| Name::Owned(s.to_string());
        let kinds = vec![
            EventKind::Start { node: 1 },
            EventKind::Send { from: 1, to: 2, id: 7, label: "lock? token 33".into(), arrives_at_us: 900, dup: true },
            EventKind::Send {
                from: 2,
                to: 1,
                id: 8,
                label: "a label longer than twenty-two bytes".into(),
                arrives_at_us: 1,
                dup: false,
            },
            EventKind::Deliver { from: 1, to: 2, id: 7, waited_us: 40 },
            EventKind::Drop { from: 2, to: 1, id: 8, reason: DropReason::NodeDown },
            EventKind::Drop { from: 2, to: 1, id: 9, reason: DropReason::Injected },
            EventKind::Timer { node: 3, label: "lease".into() },
            EventKind::Note { node: 0, text: "rejected: token 33 < 34".into(), tone: Tone::Bad },
            EventKind::SpanOpen {
                node: 2,
                key: Name::Borrowed("holds"),
                label: "holds the lock".into(),
                tone: Tone::Good,
            },
            EventKind::SpanClose { node: 2, key: b("holds") },
            EventKind::Fault { fault: Fault::Pause { node: 1, for_us: 5_000 } },
            EventKind::Fault { fault: Fault::Cut { from: 1, to: 2, both: true } },
            EventKind::Resume { node: 1 },
            EventKind::Persist { node: 4 },
            EventKind::Metric { node: 0, name: Name::Borrowed("term"), value: -3 },
            EventKind::Breach(Box::new(BreachEvent {
                invariant: "single holder".into(),
                severity: Severity::Observation,
                message: "two clients hold the lock".into(),
                steps: vec![3, 9],
            })),
        ];
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event { step: i as u32, at_us: 100 * i as u64, kind, member: Member::NONE })
            .chain([Event { step: 20, at_us: 7, kind: EventKind::Persist { node: 1 }, member: Some(12).into() }])
            .collect()
    }

    fn trace_of(events: Vec<Event>) -> Trace {
        let events = Events::from(events);
        Trace {
            version: TRACE_VERSION,
            scenario: "redis-lock".into(),
            seed: 42,
            params: BTreeMap::from([("ttl_ms".to_string(), ParamValue::Int(30))]),
            faults: FaultPlan::new(),
            nodes: vec![NodeInfo { name: "client 1".into(), role: "client".into() }],
            steps: 21,
            end_us: 2_000,
            outcome: Outcome::StepLimit { limit: 21 },
            events,
            members: MemberDigest { events: 3, digest: 99 },
            views: Vec::new(),
            hash: String::new(),
        }
    }

    /// The hash of builds before the compact encoding fed the events to the hash word by word, the same words as
    /// serde's encoding of them, for every kind of event: [`Trace::compute_hash_v3`] still does, so that a file
    /// exported by such a build imports.
    #[test]
    fn the_v3_hash_of_events_is_their_serde_encodings_hash() {
        let all = every_kind();
        assert_eq!(trace_of(all.clone()).compute_hash_v3(), by_serde(&trace_of(all.clone())));
        // Each kind alone, so that a mismatch names it.
        for e in all {
            let t = trace_of(vec![e.clone()]);
            assert_eq!(t.compute_hash_v3(), by_serde(&t), "{:?}", e.kind);
        }
    }

    /// Every copy of `v` with one leaf changed (a number moved, a flag flipped, a text lengthened or another of its
    /// enum's names, a list grown), each leaf's changes listed together; a kind's tag (`type`, `kind`) and the member
    /// are left as they are.
    fn one_leaf_changed(v: &serde_json::Value) -> Vec<Vec<serde_json::Value>> {
        use serde_json::Value;
        const NAMES: [&str; 11] = [
            "neutral",
            "info",
            "good",
            "warn",
            "bad",
            "loss",
            "link_cut",
            "node_down",
            "injected",
            "violation",
            "observation",
        ];
        match v {
            Value::Bool(b) => vec![vec![Value::Bool(!b)]],
            Value::Number(n) => vec![vec![Value::from(n.as_i64().unwrap_or(0) + 1000)]],
            Value::String(t) => {
                let others = NAMES.iter().filter(|n| **n != t).map(|n| Value::from(*n));
                vec![std::iter::once(Value::from(format!("{t}!"))).chain(others).collect()]
            }
            Value::Array(items) => {
                let mut longer = items.clone();
                longer.push(Value::from(1));
                let mut out = vec![vec![Value::Array(longer)]];
                for (k, item) in items.iter().enumerate() {
                    out.extend(one_leaf_changed(item).into_iter().map(|changes| {
                        let with = |c| {
                            let mut copy = items.clone();
                            copy[k] = c;
                            Value::Array(copy)
                        };
                        changes.into_iter().map(with).collect()
                    }));
                }
                out
            }
            Value::Object(fields) => {
                let mut out = Vec::new();
                for (key, field) in fields.iter().filter(|(key, _)| !matches!(key.as_str(), "type" | "kind" | "member"))
                {
                    out.extend(one_leaf_changed(field).into_iter().map(|changes| {
                        let with = |c| {
                            let mut copy = fields.clone();
                            copy.insert(key.clone(), c);
                            Value::Object(copy)
                        };
                        changes.into_iter().map(with).collect()
                    }));
                }
                out
            }
            Value::Null => Vec::new(),
        }
    }

    /// The compact encoding tells apart whatever serde's does: any one field of any event changed (found through
    /// serde, so that a field added later and left out of `hash_event` fails here), or one event of one kind taken
    /// for another with the same numbers, gives another hash; a crowd member's event is left out.
    #[test]
    fn every_field_of_every_event_counts_in_the_hash() {
        let all = every_kind();
        let mut seen = std::collections::BTreeSet::from([trace_of(all.clone()).compute_hash()]);
        let mut fields = 0;
        for (i, event) in all.iter().enumerate().filter(|(_, e)| e.member.is_none()) {
            let json = serde_json::to_value(event).expect("an event serializes");
            for changes in one_leaf_changed(&json) {
                // The first change of this leaf that is still an event (a tone's other names are not a reason's).
                let changed = changes.into_iter().find_map(|c| serde_json::from_value::<Event>(c).ok());
                let changed = changed.unwrap_or_else(|| panic!("no change of a field of {:?} is an event", event.kind));
                assert_ne!(&changed, event);
                let mut events = all.clone();
                events[i] = changed.clone();
                let h = trace_of(events).compute_hash();
                assert!(
                    seen.insert(h),
                    "{:?} → {:?} left the hash as it was (or as another change made it)",
                    event.kind,
                    changed
                );
                fields += 1;
            }
        }
        // Every field of the sixteen events kept: step and time of each, and their own 52.
        assert_eq!(fields, 16 * 2 + 52);
        // Kinds with the same numbers: a node's start, resume and durable write at the same step and time.
        let alike: Vec<String> =
            [EventKind::Start { node: 1 }, EventKind::Resume { node: 1 }, EventKind::Persist { node: 1 }]
                .into_iter()
                .map(|kind| trace_of(vec![Event { step: 1, at_us: 1, kind, member: Member::NONE }]).compute_hash())
                .collect();
        assert!(alike[0] != alike[1] && alike[1] != alike[2] && alike[0] != alike[2], "{alike:?}");
        // A member's event is left out; the others are not.
        let t = trace_of(every_kind());
        let mut without = t.clone();
        without.events.pop();
        assert_eq!(t.compute_hash(), without.compute_hash());
        without.events.pop();
        assert_ne!(t.compute_hash(), without.compute_hash());
    }

    /// A recorded run keeps every event in memory (Raft's long run: 406,000), so a variant that is rare and large is
    /// boxed rather than widening them all: with the breach unboxed an event took 104 bytes.
    #[test]
    fn an_event_takes_at_most_80_bytes() {
        assert!(std::mem::size_of::<Event>() <= 64, "an event takes {} bytes", std::mem::size_of::<Event>());
    }
}
