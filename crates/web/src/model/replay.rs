//! The node panels at any cursor: replayed from the nearest checkpoint (a live run), or read from the views an
//! imported trace recorded.

use super::{Model, Views};
use faultline_sim::{Condition, NodeView};
use std::rc::Rc;

impl Model {
    /// Every node's panel once `cursor` steps have run: replayed from the nearest checkpoint (or from the run
    /// replayed last, when the cursor moved forward a little), so that seeking anywhere costs at most
    /// [`faultline_sim::CHECKPOINT_EVERY`] steps (more in a run long enough to thin its checkpoints; see
    /// [`faultline_sim::scenario::MAX_CHECKPOINTS`]).
    pub fn views_at(&self, cursor: u32) -> Option<Views> {
        let cursor = cursor.min(self.steps());
        if let Some((c, v)) = self.last_views.borrow().as_ref() {
            if *c == cursor {
                return Some(v.clone());
            }
        }
        let views = if self.checkpoints.is_empty() {
            Rc::new(self.recorded_views_at(cursor)?)
        } else {
            let mut replay = self.replay.borrow_mut();
            let i = self.checkpoints.partition_point(|c| c.step <= cursor);
            let nearest = self.checkpoints.get(i.saturating_sub(1));
            // Step on from the run replayed last when it is no further back than the nearest checkpoint.
            let reusable =
                replay.as_ref().is_some_and(|r| r.steps() <= cursor && nearest.is_none_or(|c| r.steps() >= c.step));
            if !reusable {
                *replay = nearest.map(|c| c.sim.boxed_clone());
            }
            let sim = replay.as_mut()?;
            let mut scratch = Vec::new();
            while sim.steps() < cursor && sim.step() {
                sim.drain_events(&mut scratch);
                scratch.clear();
            }
            Rc::new(sim.views())
        };
        *self.last_views.borrow_mut() = Some((cursor, views.clone()));
        Some(views)
    }

    fn recorded_views_at(&self, cursor: u32) -> Option<Vec<(Condition, NodeView)>> {
        if !self.recorded_views.iter().any(|v| !v.is_empty()) {
            return None;
        }
        Some(
            self.recorded_views
                .iter()
                .map(|list| {
                    let i = list.partition_point(|(s, _, _)| *s < cursor);
                    if i == 0 {
                        (Condition::Up, NodeView { status: "not started".into(), ..NodeView::default() })
                    } else {
                        (list[i - 1].1, list[i - 1].2.clone())
                    }
                })
                .collect(),
        )
    }
}
