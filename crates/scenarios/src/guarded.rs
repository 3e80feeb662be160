//! What the lock scenarios (the Redis failover, Redlock, the leader lease) share about the resource a lock guards:
//! a counter that a holder reads, increments and writes back, kept by a storage service that may fence requests
//! by token; and the checks on it — who believes it holds the lock (`single-holder` / `single-leader`), and
//! whether an accepted write was based on the latest version (`no-lost-update`). The checks are fed from each
//! step's snapshot in the scenario's `observe`, so no node keeps anything for them.

use faultline_sim::{Breach, Condition, NodeId, NodeView, Severity, Tone};

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
