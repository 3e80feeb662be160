//! The database that holds the leader row: `leader(holder, expires_at, generation)`. Each `Acquire` runs
//! `UPDATE leader SET holder = me, expires_at = $now + ttl WHERE expires_at < $now OR holder = me` in one
//! transaction, committed (durable) before it answers; the generation goes up by one whenever the holder changes.
//! `$now` is what the sender put in the statement — its own clock — or, with `now()` in SQL, the database's clock.

use super::msg::{Msg, Timer};
use super::LeaseDisk;
use faultline_sim::fault::fmt_us;
use faultline_sim::{Ctx, Handled, Input, Narration, Node, NodeId, NodeView, Tone};

type C<'a> = Ctx<'a, Msg, Timer, LeaseDisk>;

/// The leader row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The holding node and its session (its boot count): `holder = me` matches both, so a node that restarted
    /// is a new holder and gets a new generation.
    pub holder: Option<(NodeId, u32)>,
    /// In whichever clock the last successful statement's `$now` came from.
    pub expires_at_us: i64,
    pub generation: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Database {
    pub ttl_us: i64,
    pub row: Row,
}

impl Database {
    pub fn new(ttl_us: i64) -> Self {
        Database { ttl_us, row: Row::default() }
    }
}

impl Node for Database {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = LeaseDisk;

    fn on_msg(&mut self, ctx: &mut C<'_>, from: NodeId, msg: Msg) {
        let Msg::Acquire { now_us, req } = msg else { return };
        let now = now_us.unwrap_or_else(|| ctx.now_us());
        let me = (from, super::msg::session_of(req));
        let row = &mut self.row;
        if row.holder.is_none() || row.expires_at_us < now || row.holder == Some(me) {
            if row.holder != Some(me) {
                row.generation += 1;
                row.holder = Some(me);
            }
            row.expires_at_us = now + self.ttl_us;
            ctx.persist(LeaseDisk::Row(row.clone()));
            ctx.send(from, Msg::Granted { expires_at_us: row.expires_at_us, generation: row.generation, req });
        } else if let Some((holder, _)) = row.holder {
            ctx.send(from, Msg::Refused { holder, expires_at_us: row.expires_at_us, req });
        }
    }

    fn restart(&self, disk: &LeaseDisk) -> Self {
        let row = if let LeaseDisk::Row(r) = disk { r.clone() } else { Row::default() };
        Database { row, ..Database::new(self.ttl_us) }
    }

    fn view(&self, now_local_us: i64) -> NodeView {
        let holder = self.row.holder.map_or("nobody".to_string(), |(h, _)| format!("node {}", h + 1));
        let expired = self.row.expires_at_us < now_local_us;
        let status = match self.row.holder {
            None => "no leader yet".to_string(),
            Some(_) if expired => format!("{holder}'s lease has expired (by this clock)"),
            Some(_) => format!("{holder} holds the lease"),
        };
        let fields = vec![
            ("holder".to_string(), holder),
            ("expires_at".into(), fmt_us(self.row.expires_at_us)),
            ("generation".into(), self.row.generation.to_string()),
            ("now() here".into(), fmt_us(now_local_us)),
        ];
        NodeView { status, tone: Tone::Neutral, fields, ..NodeView::default() }
    }

    type Look = Row;

    fn look(&self) -> Row {
        self.row.clone()
    }

    /// The lane's bar is the lease as the database holds it; a note when the holder changes.
    fn narrate(&self, step: &Handled<'_, Self>, out: &mut Narration) {
        let (before, now) = (step.before, &self.row);
        let restarted = matches!(step.input, Input::Restart { .. });
        if before.holder != now.holder || restarted {
            if before.holder.is_some() && !restarted {
                out.span_close("row");
            }
            if let Some((h, _)) = now.holder {
                out.span_open("row", format!("holder = node {}, gen {}", h + 1, now.generation), Tone::Info);
            }
        }
        if let (Some((b, _)), Some((n, _))) = (before.holder, now.holder) {
            if before.holder != now.holder {
                out.note(
                    format!("the lease passes from node {} to node {} (generation {})", b + 1, n + 1, now.generation),
                    Tone::Warn,
                );
            }
        }
        if before.generation != now.generation || matches!(step.input, Input::Start) {
            out.metric("generation", now.generation as i64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leader_lease::msg::req_id;
    use faultline_sim::{Effect, TestCtx};

    type T = TestCtx<Msg, Timer, LeaseDisk>;

    /// The UPDATE, as the database runs it: the exact effects of taking, renewing and being refused the lease.
    #[test]
    fn the_update_takes_an_expired_lease_renews_its_own_and_refuses_the_rest() {
        let mut db = Database::new(3_000_000);
        // Node 0, session 0, with $now = 1 s from its own clock: the row is free, generation 1 until 4 s.
        let mut t = T::new(2, 50_000, 1);
        db.on_msg(&mut t.ctx(), 0, Msg::Acquire { now_us: Some(1_000_000), req: req_id(0, 1) });
        let row = Row { holder: Some((0, 0)), expires_at_us: 4_000_000, generation: 1 };
        assert_eq!(
            t.take(),
            vec![
                Effect::Persist(LeaseDisk::Row(row.clone())),
                Effect::Send { to: 0, msg: Msg::Granted { expires_at_us: 4_000_000, generation: 1, req: req_id(0, 1) } },
            ]
        );
        // Node 1 with now() in SQL (the database's clock reads 50 ms): not expired, refused, nothing written.
        db.on_msg(&mut t.ctx(), 1, Msg::Acquire { now_us: None, req: req_id(0, 1) });
        assert_eq!(
            t.take(),
            vec![Effect::Send { to: 1, msg: Msg::Refused { holder: 0, expires_at_us: 4_000_000, req: req_id(0, 1) } }]
        );
        // The holder renews: same generation, later expiry.
        db.on_msg(&mut t.ctx(), 0, Msg::Acquire { now_us: Some(2_000_000), req: req_id(0, 2) });
        assert_eq!(db.row, Row { expires_at_us: 5_000_000, ..row.clone() });
        t.take();
        // A $now past the expiry takes it: a new holder, a new generation.
        db.on_msg(&mut t.ctx(), 1, Msg::Acquire { now_us: Some(5_000_001), req: req_id(0, 3) });
        assert_eq!(db.row, Row { holder: Some((1, 0)), expires_at_us: 8_000_001, generation: 2 });
        t.take();
        // The same node in a new session is a new holder, once the lease has expired.
        db.on_msg(&mut t.ctx(), 1, Msg::Acquire { now_us: Some(9_000_000), req: req_id(1, 1) });
        assert_eq!((db.row.holder, db.row.generation), (Some((1, 1)), 3));
        // A restart gets the committed row back.
        let back = db.restart(&LeaseDisk::Row(db.row.clone()));
        assert_eq!(back.row, db.row);
    }
}
