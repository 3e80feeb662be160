//! Labels along a lane that do not write over each other. The notes under a lane and the spans above it come in
//! bursts: a coordinator decides and hears every acknowledgement within a few milliseconds, a few pixels apart.
//! Each label takes the first of a few rows where the last label ends before it begins; when every row is taken,
//! the label goes where the row ends soonest, and the label it would cover is cut short (to nothing, if too few
//! characters would be left: its tooltip still holds it). The newest label is the one kept whole: it is the one
//! next to the cursor.

use faultline_sim::NodeId;
use std::collections::BTreeMap;

/// Pixels per character of a diagram label (10.5-pixel text): a little over its average advance, so that a label cut
/// to fit ends before the next one begins.
pub const CHAR_PX: f64 = 6.4;
/// Space between two labels on one row.
const GAP: f64 = 6.0;
/// A label cut to fewer characters than this is not drawn.
const MIN_CHARS: usize = 4;

/// A label that wants `chars` characters from `x` on, along `lane`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Want {
    pub lane: NodeId,
    pub x: f64,
    pub chars: usize,
}

/// Where a label goes: its row (0 nearest the lane) and how many of its characters are drawn (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub row: usize,
    pub chars: usize,
}

/// Place each label in one of `rows` rows of its lane, in the order of `x` (ties in the given order). The result is
/// in the order of `wants`.
pub fn stack(wants: &[Want], rows: usize) -> Vec<Placed> {
    let rows = rows.max(1);
    let mut placed = vec![Placed { row: 0, chars: 0 }; wants.len()];
    let mut order: Vec<usize> = (0..wants.len()).collect();
    order.sort_by(|&a, &b| wants[a].x.total_cmp(&wants[b].x));
    // Per lane, per row: where the row's last label ends, and which label that is.
    let mut ends: BTreeMap<NodeId, Vec<Option<(f64, usize)>>> = BTreeMap::new();
    for i in order {
        let w = wants[i];
        let row_ends = ends.entry(w.lane).or_insert_with(|| vec![None; rows]);
        let free = row_ends.iter().position(|e| e.is_none_or(|(end, _)| end + GAP <= w.x));
        let row = free.unwrap_or_else(|| {
            // Every row is taken here: the row that ends soonest, its last label cut to end before this one.
            let (row, (_, last)) = row_ends
                .iter()
                .enumerate()
                .filter_map(|(r, e)| e.map(|e| (r, e)))
                .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
                .unwrap_or((0, (0.0, i)));
            let fits = ((w.x - GAP - wants[last].x) / CHAR_PX).max(0.0) as usize;
            let cut = placed[last].chars.min(fits);
            placed[last].chars = if cut >= MIN_CHARS { cut } else { 0 };
            row
        });
        placed[i] = Placed { row, chars: w.chars };
        row_ends[row] = Some((w.x + w.chars as f64 * CHAR_PX, i));
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(lane: NodeId, x: f64, chars: usize) -> Want {
        Want { lane, x, chars }
    }

    #[test]
    fn labels_far_apart_share_the_first_row_whole() {
        let placed = stack(&[want(0, 0.0, 10), want(0, 200.0, 10)], 2);
        assert_eq!(placed, [Placed { row: 0, chars: 10 }, Placed { row: 0, chars: 10 }]);
    }

    #[test]
    fn a_label_that_would_overlap_takes_the_next_row_and_other_lanes_do_not_count() {
        let placed = stack(&[want(0, 0.0, 30), want(1, 10.0, 30), want(0, 20.0, 30)], 2);
        assert_eq!(placed, [Placed { row: 0, chars: 30 }, Placed { row: 0, chars: 30 }, Placed { row: 1, chars: 30 }]);
    }

    #[test]
    fn with_every_row_taken_the_label_that_would_be_covered_is_cut_before_the_newest() {
        // Row 0 ends at 192, row 1 at 212: the third label goes on row 0 and the first is cut to end before 100.
        let placed = stack(&[want(0, 0.0, 30), want(0, 20.0, 30), want(0, 100.0, 30)], 2);
        let fits = ((100.0 - GAP) / CHAR_PX) as usize;
        assert_eq!(
            placed,
            [Placed { row: 0, chars: fits }, Placed { row: 1, chars: 30 }, Placed { row: 0, chars: 30 }]
        );
        // Cut to less than a few characters, it is not drawn at all.
        let placed = stack(&[want(0, 0.0, 30), want(0, 5.0, 30)], 1);
        assert_eq!(placed, [Placed { row: 0, chars: 0 }, Placed { row: 0, chars: 30 }]);
    }

    #[test]
    fn labels_are_placed_in_the_order_of_x_whatever_order_they_come_in() {
        let placed = stack(&[want(0, 20.0, 30), want(0, 0.0, 30)], 2);
        assert_eq!(placed, [Placed { row: 1, chars: 30 }, Placed { row: 0, chars: 30 }]);
    }
}
