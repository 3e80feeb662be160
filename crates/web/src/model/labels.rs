//! Labels along a lane that do not write over each other (the sequence diagram's: [`lay_out`]). The labels of a
//! lane's notes, spans and messages come in bursts: a coordinator decides and hears every acknowledgement within a
//! few milliseconds, a few pixels apart. Each label takes the first of a few rows where the last label ends before
//! it begins; when every row is taken, the label goes where the row ends soonest, and the label it would cover is
//! cut short (to nothing, if too few characters would be left: its tooltip still holds it). The newest label is the
//! one kept whole: it is the one next to the cursor.

use super::{Arrow, Bar, BarKind, Mark};
use faultline_sim::{NodeId, Tone};

/// A message's label is written out for this many steps after it is sent; older ones keep a tooltip.
pub const RECENT_STEPS: u32 = 4;

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

/// Where a row's last label ends, and which label that is.
type RowEnd = (f64, usize);

/// Place each label in one of `rows` rows of its lane, in the order of `x` (ties in the given order). The result is
/// in the order of `wants`.
pub fn stack(wants: &[Want], rows: usize) -> Vec<Placed> {
    let rows = rows.max(1);
    let mut placed = vec![Placed { row: 0, chars: 0 }; wants.len()];
    let mut order: Vec<usize> = (0..wants.len()).collect();
    // By x, ties in the given order: an insertion sort, as the wants come in a few runs already in order (a lane's
    // spans, then its messages), where it does little more than one pass; `std`'s sort, compiled for this one
    // closure, made the page's wasm 3.9 KB bigger (1.9 KB gzip).
    for k in 1..order.len() {
        let mut j = k;
        while j > 0 && wants[order[j - 1]].x > wants[order[j]].x {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    // Per lane (a few: a linear search, smaller in the page than a map), each row's end.
    let mut ends: Vec<(NodeId, Vec<Option<RowEnd>>)> = Vec::new();
    for i in order {
        let w = wants[i];
        let lane = match ends.iter().position(|(lane, _)| *lane == w.lane) {
            Some(lane) => lane,
            None => {
                ends.push((w.lane, vec![None; rows]));
                ends.len() - 1
            }
        };
        let row_ends = &mut ends[lane].1;
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

/// Where every visible label of the diagram goes, each `None` when it is not drawn: one per bar, per mark and per
/// arrow given, in their order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Laid {
    pub bars: Vec<Option<Placed>>,
    pub marks: Vec<Option<Placed>>,
    pub arrows: Vec<Option<Placed>>,
}

/// What of the diagram is on screen, for labels that follow the view: its left edge (0 for a diagram that is not
/// scrolled) and the "now" line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct View {
    pub from: f64,
    pub now_x: f64,
}

/// Is a message drawn downwards (its label under its sender's lane)? A message to itself counts as down.
pub fn down(a: &Arrow) -> bool {
    a.y2 >= a.y1
}

/// Where a bar ends on screen at `cursor`: its end once that has come, else the "now" line at `now_x`.
pub fn bar_end(b: &Bar, cursor: u32, now_x: f64) -> f64 {
    if b.end_step.is_some_and(|e| e < cursor) {
        b.x2
    } else {
        now_x.max(b.x1)
    }
}

/// How much of a span's bar must be in view for its label to slide there (below).
const SLIDE_ROOM: f64 = 40.0;

/// Where a bar's label begins. A span's rides at its start; when the view begins past that start (the diagram
/// scrolled to a later step) and the span runs on in view, it slides to the view's left edge, so that a lease taken
/// long before the step on screen still says whose it is instead of being cut off there. A span nearly out of view,
/// a pause's and a crash's stay at their start.
pub fn bar_label_x(b: &Bar, cursor: u32, view: View) -> f64 {
    let slides =
        b.kind == BarKind::Span && view.from > b.x1 && bar_end(b, cursor, view.now_x) - SLIDE_ROOM >= view.from;
    if slides {
        view.from + 3.0
    } else {
        b.x1 + 3.0
    }
}

/// A pause's label while it lasts (`…`) and once it is over; a crash's.
pub fn pause_text(b: &Bar, cursor: u32) -> String {
    match b.kind {
        BarKind::Pause if b.end_step.is_some_and(|e| e < cursor) => b.label.clone(),
        BarKind::Pause => format!("{}…", b.label),
        _ => "down".to_string(),
    }
}

/// The labels of what is drawn before `cursor`, laid out in rows: above a lane a span's and that of a message sent
/// up from it; below it a pause's, a crash's, a note's and that of a message sent down. A quiet note is labelled
/// while it is recent only (a good or a bad one always), a message for [`RECENT_STEPS`] after it is sent, and a
/// message sent to many at once (the same words from the same place) once. No label runs past `width`. A span's
/// label slides along its bar to stay in `view` ([`bar_label_x`]).
pub fn lay_out(bars: &[&Bar], marks: &[&Mark], arrows: &[&Arrow], cursor: u32, width: f64, view: View) -> Laid {
    let loud = |k: &Mark| !k.durable && (matches!(k.tone, Tone::Good | Tone::Bad) || k.step + 2 >= cursor);
    let mut said: Vec<(NodeId, u64, &str)> = Vec::new();
    let spoken: Vec<bool> = arrows
        .iter()
        .map(|a| {
            let key = (a.from, a.x1.to_bits(), a.label.as_str());
            let first = a.send_step + RECENT_STEPS >= cursor && !said.contains(&key);
            if first {
                said.push(key);
            }
            first
        })
        .collect();
    let want = |lane, x: f64, chars: usize, most: usize| {
        let room = ((width - x) / CHAR_PX).max(0.0) as usize;
        Want { lane, x, chars: chars.min(most).min(room) }
    };
    let message = |a: &Arrow| want(a.from, a.x1 + 4.0, a.label.chars().count(), 34);
    let sent = |is_down: bool| {
        arrows.iter().zip(&spoken).filter(move |(a, s)| **s && down(a) == is_down).map(|(a, _)| message(a))
    };
    let above: Vec<Want> = bars
        .iter()
        .filter(|b| b.kind == BarKind::Span)
        .map(|b| want(b.node, bar_label_x(b, cursor, view), b.label.chars().count(), 40))
        .chain(sent(false))
        .collect();
    let below: Vec<Want> = bars
        .iter()
        .filter(|b| b.kind != BarKind::Span)
        .map(|b| want(b.node, bar_label_x(b, cursor, view), pause_text(b, cursor).chars().count(), 40))
        .chain(marks.iter().filter(|k| loud(k)).map(|k| want(k.node, k.x + 6.0, k.text.chars().count(), 44)))
        .chain(sent(true))
        .collect();
    // Back to their owners, in the order the wants were made.
    let (mut above, mut below) = (stack(&above, 2).into_iter(), stack(&below, 2).into_iter());
    Laid {
        bars: bars.iter().map(|b| if b.kind == BarKind::Span { above.next() } else { below.next() }).collect(),
        marks: marks.iter().map(|k| if loud(k) { below.next() } else { None }).collect(),
        arrows: arrows
            .iter()
            .zip(&spoken)
            .map(|(a, s)| match (s, down(a)) {
                (false, _) => None,
                (true, true) => below.next(),
                (true, false) => above.next(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Fate;

    fn arrow(from: NodeId, x1: f64, y1: f64, y2: f64, label: &str, send_step: u32) -> Arrow {
        Arrow {
            id: 0,
            from,
            to: 0,
            label: faultline_sim::Label::new(label),
            send_step,
            end_step: None,
            fate: Fate::Pending,
            send_us: 0,
            arrive_us: 0,
            x1,
            y1,
            x2: x1 + 50.0,
            y2,
        }
    }

    fn span(node: NodeId, x1: f64, label: &str) -> Bar {
        let (kind, tone, start_step, end_step, x2) = (BarKind::Span, Tone::Neutral, 0, None, x1 + 100.0);
        Bar { node, kind, label: label.into(), tone, start_step, end_step, x1, x2 }
    }

    /// A span that began before the view's left edge has its label at the edge while the span runs on past it (with
    /// room left on the bar), so that a scrolled diagram still says whose lease it is; a span in view, a span that
    /// ends near the edge, and a pause keep their labels at their starts.
    #[test]
    fn a_span_label_slides_to_the_view_s_edge() {
        let long = span(0, 100.0, "lease: node 1, gen 1");
        let (cursor, now_x) = (20, 900.0);
        let at = |b: &Bar, from: f64| bar_label_x(b, cursor, View { from, now_x });
        assert_eq!(at(&long, 0.0), 103.0, "in view: at its start");
        assert_eq!(at(&long, 500.0), 503.0, "scrolled past its start: at the edge");
        assert_eq!(at(&long, 860.0), 863.0);
        assert_eq!(at(&long, 880.0), 103.0, "less than its room in view: at its start");
        let ended = Bar { end_step: Some(3), x2: 520.0, ..long.clone() };
        assert_eq!(at(&ended, 500.0), 103.0, "a span that ends by the edge keeps its label at its start");
        assert_eq!(at(&Bar { end_step: Some(3), x2: 800.0, ..long.clone() }, 500.0), 503.0);
        let pause = Bar { kind: BarKind::Pause, ..long.clone() };
        assert_eq!(at(&pause, 500.0), 103.0, "a pause's label stays at its start");
        // The layout places the label where it is drawn: a message label sent up from the lane just after the edge
        // takes the other row.
        let arrows = [arrow(0, 510.0, 100.0, 50.0, "SET lock c1 NX PX 500", 19)];
        let view = View { from: 500.0, now_x };
        let laid = lay_out(&[&long], &[], &arrows.iter().collect::<Vec<_>>(), cursor, 1000.0, view);
        assert_eq!(laid.bars, vec![Some(Placed { row: 0, chars: 20 })]);
        assert_eq!(laid.arrows, vec![Some(Placed { row: 1, chars: 21 })]);
        let unscrolled = lay_out(&[&long], &[], &arrows.iter().collect::<Vec<_>>(), cursor, 1000.0, View::default());
        assert_eq!(
            unscrolled.arrows,
            vec![Some(Placed { row: 0, chars: 21 })],
            "from its start the span's label is far behind"
        );
    }

    #[test]
    fn a_message_sent_up_shares_the_rows_of_the_spans_and_one_sent_to_many_is_labelled_once() {
        let spans = [span(0, 0.0, "lock held by client 1")];
        // From lane 0 (y 100): up to lane 1 twice with the same words (a broadcast), down once, and one sent too
        // long ago to be labelled.
        let arrows = [
            arrow(0, 10.0, 100.0, 20.0, "PREPARE", 9),
            arrow(0, 10.0, 100.0, 20.0, "PREPARE", 9),
            arrow(0, 10.0, 100.0, 180.0, "COMMIT", 10),
            arrow(0, 200.0, 100.0, 20.0, "old news", 2),
        ];
        let laid = lay_out(&[&spans[0]], &[], &arrows.iter().collect::<Vec<_>>(), 11, 1000.0, View::default());
        assert_eq!(laid.bars, [Some(Placed { row: 0, chars: 21 })]);
        // Above: the span on row 0, the broadcast's one label on row 1; below: the message sent down.
        let (up, down) = (Some(Placed { row: 1, chars: 7 }), Some(Placed { row: 0, chars: 6 }));
        assert_eq!(laid.arrows, [up, None, down, None]);
    }

    #[test]
    fn notes_are_labelled_while_recent_unless_good_or_bad_and_a_disk_never() {
        let note =
            |step, tone, durable| Mark { node: 0, step, x: step as f64 * 100.0, text: "note".into(), tone, durable };
        let marks = [
            note(1, Tone::Neutral, false),
            note(2, Tone::Bad, false),
            note(3, Tone::Neutral, true),
            note(9, Tone::Neutral, false),
        ];
        let laid = lay_out(&[], &marks.iter().collect::<Vec<_>>(), &[], 10, 10_000.0, View::default());
        let on = Some(Placed { row: 0, chars: 4 });
        assert_eq!(laid.marks, [None, on, None, on]);
    }

    #[test]
    fn no_label_runs_past_the_drawing() {
        let spans = [span(0, 900.0, "a label of forty characters, give or take")];
        let laid = lay_out(&[&spans[0]], &[], &[], 5, 1000.0, View::default());
        assert_eq!(laid.bars, [Some(Placed { row: 0, chars: ((1000.0 - 903.0) / CHAR_PX) as usize })]);
    }

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
