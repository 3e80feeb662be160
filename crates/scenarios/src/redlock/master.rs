//! One Redis master of the Redlock set: independent of the others (no replication), `SET NX PX` and a
//! compare-and-delete release, keys expired by its own clock. Nothing is persisted: a restarted master comes back
//! empty (the Redlock page asks for fsync on every write, or for restarts delayed past the TTL).

use super::msg::{Msg, Timer};
use super::RedlockDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, RedlockDisk>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub value: String,
    pub owner: NodeId,
    pub expires_at_us: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Master {
    pub key: Option<Key>,
}

impl Master {
    pub fn new() -> Self {
        Master { key: None }
    }

    fn live(&self, now: i64) -> Option<&Key> {
        self.key.as_ref().filter(|k| k.expires_at_us > now)
    }
}

impl Default for Master {
    fn default() -> Self {
        Master::new()
    }
}

impl Node for Master {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = RedlockDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let now = ctx.now_us();
        match msg {
            Msg::Set { value, ttl_us, req } => {
                if self.live(now).is_some() {
                    ctx.send(from, Msg::SetNil { req });
                } else {
                    self.key = Some(Key { value, owner: from, expires_at_us: now + ttl_us as i64 });
                    ctx.set_timer(ttl_us, Timer::Expire);
                    ctx.send(from, Msg::SetOk { req });
                }
            }
            Msg::Unlock { value } if self.live(now).is_some_and(|k| k.value == value) => {
                self.key = None;
                ctx.cancel_timer(Timer::Expire);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut C<'_>, _timer: Timer) {
        let now = ctx.now_us();
        match &self.key {
            Some(k) if k.expires_at_us <= now => self.key = None,
            Some(k) => ctx.set_timer((k.expires_at_us - now) as u64, Timer::Expire),
            None => {}
        }
    }

    fn restart(&self, _: &RedlockDisk) -> Self {
        Master::new()
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let (status, fields) = match self.live(now_local_us) {
            Some(k) => (
                format!("locked by client {}", k.owner + 1),
                vec![("value".to_string(), k.value.clone()), ("expires (its clock)".into(), fmt_us(k.expires_at_us))],
            ),
            None => ("free".to_string(), Vec::new()),
        };
        let mut fields = fields;
        fields.push(("its clock reads".into(), fmt_us(now_local_us)));
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
    }

    type Look = Option<String>;

    fn look(&self) -> Option<String> {
        self.key.as_ref().map(|k| k.value.clone())
    }

    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let now = self.key.as_ref().map(|k| k.value.clone());
        let restarted = matches!(step.input, Input::Restart { .. });
        if *step.before != now || restarted {
            if step.before.is_some() && !restarted {
                out.span_close("key");
                if matches!(step.input, Input::Timer(_)) {
                    out.note("the key expires (by this master's clock)", Tone::Neutral);
                }
            }
            if let Some(v) = &now {
                out.span_open("key", format!("resource = {v}"), Tone::Neutral);
            }
        }
    }
}
