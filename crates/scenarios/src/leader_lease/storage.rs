//! The resource only the leader may change: a counter the leader reads, increments and writes back. With fencing
//! it remembers the highest lease generation it has seen and turns away any read or write with a lower one (reads
//! too: a newer leader's read must shut out an older leader's write).

use super::msg::{Msg, Timer};
use super::LeaseDisk;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, LeaseDisk>;

/// What the storage keeps, durably: the counter, its version, and the highest generation seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    pub value: i64,
    pub version: u64,
    pub highest_generation: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub fencing: bool,
    pub data: Counter,
    pub rejected: u32,
}

impl Storage {
    pub fn new(fencing: bool) -> Self {
        Storage { fencing, data: Counter::default(), rejected: 0 }
    }

    /// The fencing check: `Err(highest)` for a stale generation; without fencing everything passes.
    fn fence(&mut self, ctx: &mut C<'_>, generation: Option<u64>) -> Result<(), u64> {
        if !self.fencing {
            return Ok(());
        }
        let g = generation.unwrap_or(0);
        if g < self.data.highest_generation {
            return Err(self.data.highest_generation);
        }
        if g > self.data.highest_generation {
            self.data.highest_generation = g;
            ctx.persist(LeaseDisk::Counter(self.data.clone()));
        }
        Ok(())
    }
}

impl Node for Storage {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = LeaseDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Read { generation, req } => match self.fence(ctx, generation) {
                Err(highest) => {
                    ctx.send(from, Msg::Rejected { generation: generation.unwrap_or(0), highest, req })
                }
                Ok(()) => ctx.send(from, Msg::ReadOk { value: self.data.value, version: self.data.version, req }),
            },
            Msg::Write { generation, value, req } => match self.fence(ctx, generation) {
                Err(highest) => {
                    self.rejected += 1;
                    ctx.send(from, Msg::Rejected { generation: generation.unwrap_or(0), highest, req });
                }
                Ok(()) => {
                    self.data.value = value;
                    self.data.version += 1;
                    ctx.persist(LeaseDisk::Counter(self.data.clone()));
                    ctx.send(from, Msg::WriteOk { version: self.data.version, req });
                }
            },
            _ => {}
        }
    }

    fn restart(&self, disk: &LeaseDisk) -> Self {
        let data = if let LeaseDisk::Counter(c) = disk { c.clone() } else { Counter::default() };
        Storage { data, ..Storage::new(self.fencing) }
    }

    fn view(&self, _now_local_us: i64) -> NodeView {
        let mut fields = vec![
            ("counter".to_string(), self.data.value.to_string()),
            ("version".into(), self.data.version.to_string()),
        ];
        if self.fencing {
            fields.push(("highest generation seen".into(), self.data.highest_generation.to_string()));
            fields.push(("writes rejected".into(), self.rejected.to_string()));
        }
        let status = if self.fencing { "checks generations" } else { "accepts every write" }.to_string();
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
    }

    type Look = ();

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let Input::Msg { from, msg } = step.input else { return };
        for (_, reply) in step.sent() {
            match (reply, msg) {
                (Msg::Rejected { generation, highest, .. }, _) => out.note(
                    format!("rejected node {}: generation {generation} < {highest}", from + 1),
                    Tone::Good,
                ),
                (Msg::WriteOk { .. }, Msg::Write { value, .. }) => {
                    out.note(format!("accepted counter = {value} from node {}", from + 1), Tone::Neutral);
                    out.metric("counter", *value);
                }
                _ => {}
            }
        }
    }
}
