//! The series a scenario declares (a term, who leads, how many wait), drawn on a canvas as step lines up to the
//! cursor, one small chart each. The charts sit in a grid that puts as many side by side as their column holds
//! (one on a phone, two on a laptop; on a projector two, or four or fewer in one column, taller); each canvas's
//! bitmap is sized to the space the page gives it, times the screen's pixel ratio, so that its lines and labels
//! are as sharp and as large at any width; and its labels and lines grow with its height, which presenter mode
//! sets by the screen's (18-pixel labels at 1080 lines instead of 10), so that the back of a room reads the axes.

use super::ModelRef;
use crate::hooks::resize::use_resize;
use crate::model::Series;
use faultline_sim::fault::{decimal, fmt_us};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
}

/// The series' colour, its "now" line's, the axes' and the labels'.
const LINE: &str = "#2f6fdb";
const NOW: &str = "rgba(47, 111, 219, 0.4)";
const AXIS: &str = "#4a5468";
const LABEL: &str = "#788296";

/// The bitmap for a canvas shown at `shown` CSS pixels on a screen of pixel ratio `ratio` (within sane bounds: a
/// zoomed-out page reports ratios below 1, and no screen needs more than 4).
fn bitmap_size(shown: (u32, u32), ratio: f64) -> (u32, u32, f64) {
    let k = if ratio.is_finite() { ratio.clamp(1.0, 4.0) } else { 1.0 };
    let px = |v: u32| (f64::from(v.clamp(1, 4096)) * k).round() as u32;
    (px(shown.0), px(shown.1), k)
}

/// The size of the axes' labels, in CSS pixels, for a canvas `shown_h` CSS pixels tall: 10 at the usual 90, and
/// as much larger as the canvas is taller (presenter mode sizes the charts by the screen's height, so that a room's
/// projector gets labels in proportion), up to 20.
fn label_px(shown_h: u32) -> f64 {
    (f64::from(shown_h) / 9.0).clamp(10.0, 20.0)
}

/// The smallest round step (1, 2 or 5 times a power of ten) that cuts `span` into at most `most` parts.
fn round_step(span: u64, most: u64) -> u64 {
    let most = most.max(1);
    let mut unit = 1u64;
    loop {
        for step in [unit, unit.saturating_mul(2), unit.saturating_mul(5)] {
            if step.saturating_mul(most) >= span || step == u64::MAX {
                return step.max(1);
            }
        }
        unit = unit.saturating_mul(10);
    }
}

/// The labelled values of an axis from 0 to `span`: 0 and every round step up to `span` (at most `most` steps).
fn ticks(span: u64, most: u64) -> impl Iterator<Item = u64> {
    let step = round_step(span, most);
    (0..=span / step).map(move |i| i * step)
}

/// A chart's axes and their labels, drawn into a canvas of its own and copied under the line at every step: they
/// change only with the canvas's size or the run, and their labels were most of a step's drawing (a canvas's text
/// costs the browser a glyph run each; 0.5 ms a step on Raft's busiest run, an eighth of the step).
#[derive(Default)]
struct Axes {
    /// What the layer was drawn for: the bitmap's size, the label scale (its bits), the run's end, the top value.
    drawn: Option<(u32, u32, u64, u64, u64)>,
    layer: Option<web_sys::HtmlCanvasElement>,
}

fn context(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
}

/// One stroke through `points`.
fn line(ctx: &web_sys::CanvasRenderingContext2d, points: impl IntoIterator<Item = (f64, f64)>) {
    let mut points = points.into_iter();
    ctx.begin_path();
    if let Some((x, y)) = points.next() {
        ctx.move_to(x, y);
    }
    for (x, y) in points {
        ctx.line_to(x, y);
    }
    ctx.stroke();
}

/// A chart's plot in bitmap pixels: its box, the label scale `k` (bitmap pixels per CSS pixel of a 10-pixel label),
/// the run's end and the value at the top.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    k: f64,
    end_us: u64,
    top_value: i64,
}

impl Plot {
    fn x_of(&self, t_us: u64) -> f64 {
        self.left + (self.right - self.left) * (t_us.min(self.end_us) as f64 / self.end_us as f64)
    }
    fn y_of(&self, v: i64) -> f64 {
        self.bottom - (self.bottom - self.top) * (v.clamp(0, self.top_value) as f64 / self.top_value as f64)
    }

    /// The axes, their ticks and round labels (time in the page's own units, `0`, `500 ms`, `1 s`; values as
    /// [`axis_number`] writes them).
    fn axes(&self, ctx: &web_sys::CanvasRenderingContext2d) {
        let (k, tick) = (self.k, 4.0 * self.k);
        ctx.set_line_width(k.round().max(1.0));
        ctx.set_stroke_style_str(AXIS);
        line(ctx, [(self.left, self.top), (self.left, self.bottom), (self.right, self.bottom)]);
        ctx.set_font(&format!("{}px sans-serif", (10.0 * k).round() as u32));
        ctx.set_fill_style_str(LABEL);
        ctx.set_text_align("center");
        ctx.set_text_baseline("top");
        for t in ticks(self.end_us, 4) {
            let x = self.x_of(t);
            line(ctx, [(x, self.bottom), (x, self.bottom + tick)]);
            let label = if t == 0 { "0".to_string() } else { fmt_us(t as i64) };
            let _ = ctx.fill_text(&label, x, self.bottom + tick + k);
        }
        ctx.set_text_align("right");
        ctx.set_text_baseline("middle");
        for v in ticks(self.top_value as u64, 3) {
            let y = self.y_of(v as i64);
            line(ctx, [(self.left - tick, y), (self.left, y)]);
            let _ = ctx.fill_text(&axis_number(v as i64), self.left - tick - k, y);
        }
    }
}

/// Draw one series up to the cursor on a canvas shown at `shown` CSS pixels: the axes (copied from `axes`, drawn
/// there first if the size or the run changed), the series as a step line up to now, and a faint line at now. Drawn
/// with the canvas's own 2D calls (a charting crate cost the page 22 KB of wasm gzip) and integer formatting only. A
/// canvas the browser will not draw on is left blank.
fn draw(
    canvas: web_sys::HtmlCanvasElement,
    axes: &mut Axes,
    s: &Series,
    (cursor, end_us, now_us): (u32, u64, u64),
    shown: (u32, u32),
) {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (w, h, k) = bitmap_size(shown, ratio);
    // Resizing a canvas clears it; only when the page gave it another size.
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let Some(ctx) = context(&canvas) else { return };
    let size = (w, h);
    let (w, h) = (f64::from(w), f64::from(h));
    ctx.clear_rect(0.0, 0.0, w, h);
    let k = k * label_px(shown.1) / 10.0;
    // The plot's box, in bitmap pixels: room for the values on the left, the times below, half of the last time's
    // label on the right and half of the top value's above.
    let (left, right, top, bottom) = (32.0 * k, w - 18.0 * k, 7.0 * k, h - 20.0 * k);
    if right <= left || bottom <= top {
        return;
    }
    let end_us = end_us.max(1);
    let top_value = s.points.iter().map(|p| p.2).max().unwrap_or(1).max(1).saturating_add(1);
    let plot = Plot { left, right, top, bottom, k, end_us, top_value };

    let drawn = (size.0, size.1, k.to_bits(), end_us, top_value as u64);
    if axes.drawn != Some(drawn) {
        axes.drawn = None;
        let layer = axes.layer.take().or_else(|| {
            let document = web_sys::window().and_then(|w| w.document());
            document.and_then(|d| d.create_element("canvas").ok()).and_then(|c| c.dyn_into().ok())
        });
        if let Some(layer) = layer {
            layer.set_width(size.0);
            layer.set_height(size.1);
            if let Some(layer_ctx) = context(&layer) {
                plot.axes(&layer_ctx);
                axes.drawn = Some(drawn);
            }
            axes.layer = Some(layer);
        }
    }
    match (&axes.layer, axes.drawn) {
        (Some(layer), Some(_)) => drop(ctx.draw_image_with_html_canvas_element(layer, 0.0, 0.0)),
        // No canvas of its own for the axes: drawn here, every time.
        _ => plot.axes(&ctx),
    }

    // The series up to now, as steps: each value holds until the next.
    let pts =
        step_line(s.points_before(cursor).iter().map(|&(_, t, v)| (plot.x_of(t), plot.y_of(v))), plot.x_of(now_us));
    ctx.set_line_width(2.0 * k);
    ctx.set_stroke_style_str(LINE);
    line(&ctx, pts);
    ctx.set_line_width(k.round().max(1.0));
    ctx.set_stroke_style_str(NOW);
    line(&ctx, [(plot.x_of(now_us), top), (plot.x_of(now_us), bottom)]);
}

/// The corners of a step line through `points` (x, y: each y holds until the next point's x), then on to `now_x`, with
/// the points that fall in one column of bitmap pixels drawn as one vertical stroke: from the value it entered with
/// to the lowest and highest it took there, ending at its last. What a column shows does not change, and the corners
/// are at most four a column, however many points the series has (Raft's busiest run charts 50,000 commits: every
/// step of the page drew a line through each, a call out of the wasm per corner).
fn step_line(points: impl Iterator<Item = (f64, f64)>, now_x: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    // The column being gathered: its first x, the y it entered with, the lowest, highest and last y in it.
    let mut column: Option<(f64, f64, f64, f64, f64)> = None;
    let flush = |out: &mut Vec<(f64, f64)>, (x, enter, low, high, last): (f64, f64, f64, f64, f64)| {
        for y in [enter, low, high, last] {
            if out.last() != Some(&(x, y)) {
                out.push((x, y));
            }
        }
    };
    for (x, y) in points {
        column = Some(match column {
            Some((cx, enter, low, high, _)) if x.floor() == cx.floor() => (cx, enter, low.min(y), high.max(y), y),
            Some(done) => {
                flush(&mut out, done);
                (x, done.4, y, y, y)
            }
            None => (x, y, y, y, y),
        });
    }
    if let Some(done) = column {
        flush(&mut out, done);
        out.push((now_x, done.4));
    }
    out
}

/// A y-axis number that fits left of the axis (about 28 pixels): `950`, `9500`, `95k`, `1.2M`.
fn axis_number(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    match v.unsigned_abs() {
        0..10_000 => v.to_string(),
        n @ 10_000..1_000_000 => format!("{sign}{}k", n / 1_000),
        n => format!("{sign}{}M", decimal(n / 100_000, 1)),
    }
}

#[function_component(Chart)]
pub fn chart(p: &Props) -> Html {
    let m = &p.model;
    let refs: Vec<NodeRef> =
        use_memo(m.series.len(), |n| (0..*n).map(|_| NodeRef::default()).collect::<Vec<_>>()).to_vec();
    let section = use_node_ref();
    // The canvases' size on screen (the grid's cells are all one width), measured whenever the charts' column
    // changes size (on mount too: an observer reports the size it starts with), so that drawing a step reads no
    // layout. Nothing is drawn before that first measure, which comes before the first paint: each chart is drawn
    // once as the page opens, at its real size.
    let shown = use_state_eq(|| None::<(u32, u32)>);
    {
        let shown = shown.clone();
        use_resize(section.clone(), move |el| {
            let canvas = el.query_selector("canvas").ok().flatten();
            if let Some(c) = canvas.filter(|c| c.client_width() > 0 && c.client_height() > 0) {
                shown.set(Some((c.client_width() as u32, c.client_height() as u32)));
            }
        });
    }
    let axes = use_mut_ref(Vec::<Axes>::new);
    {
        let refs = refs.clone();
        let model = p.model.clone();
        use_effect_with((p.cursor, p.model.clone(), *shown), move |(cursor, _, shown)| {
            let Some(shown) = *shown else { return };
            let at = (*cursor, model.trace.end_us, model.time_at(*cursor));
            let mut axes = axes.borrow_mut();
            axes.resize_with(refs.len(), Axes::default);
            for ((s, r), axes) in model.series.iter().zip(&refs).zip(axes.iter_mut()) {
                if let Some(c) = r.cast::<web_sys::HtmlCanvasElement>() {
                    draw(c, axes, s, at, shown);
                }
            }
        });
    }
    if m.series.is_empty() {
        return html! {};
    }
    html! {
        <section class="charts" aria-label="Charts" ref={section}>
            { for m.series.iter().zip(&refs).map(|(s, r)| {
                let current = s.points_before(p.cursor).last().map(|pt| pt.2.to_string()).unwrap_or_else(|| "—".into());
                html! {
                    <figure class="chart">
                        <figcaption>{format!("{}: {current}", s.label)}</figcaption>
                        <canvas ref={r.clone()} role="img" aria-label={format!("{} over time", s.label)} />
                    </figure>
                }
            }) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{axis_number, bitmap_size, label_px, round_step, step_line, ticks};

    /// A sparse series is drawn corner for corner; a dense one with at most four corners a pixel column, each
    /// column spanning the same values as the full line does there.
    #[test]
    fn a_step_line_keeps_every_column_and_draws_it_with_few_corners() {
        let sparse = [(10.0, 5.0), (20.5, 7.0), (30.0, 6.0)];
        assert_eq!(
            step_line(sparse.into_iter(), 40.0),
            [(10.0, 5.0), (20.5, 5.0), (20.5, 7.0), (30.0, 7.0), (30.0, 6.0), (40.0, 6.0)]
        );
        assert_eq!(step_line(std::iter::empty(), 40.0), []);
        // 10,000 points over 100 columns, the value wandering up and down.
        let dense: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64 / 100.0, ((i * 7919) % 97) as f64)).collect();
        let line = step_line(dense.iter().copied(), 100.0);
        assert!(line.len() <= 4 * 100 + 1, "{} corners", line.len());
        // Every corner of the line drawn point by point.
        let mut corners: Vec<(f64, f64)> = Vec::new();
        for &(x, y) in &dense {
            if let Some(&(_, last)) = corners.last() {
                corners.push((x, last));
            }
            corners.push((x, y));
        }
        for col in 0..100 {
            let full: Vec<f64> = corners.iter().filter(|p| p.0.floor() == col as f64).map(|p| p.1).collect();
            let drawn: Vec<f64> = line.iter().filter(|p| p.0.floor() == col as f64).map(|p| p.1).collect();
            let range =
                |v: &[f64]| (v.iter().copied().fold(f64::MAX, f64::min), v.iter().copied().fold(f64::MIN, f64::max));
            assert_eq!(range(&drawn), range(&full), "column {col}");
            assert_eq!(drawn.last(), full.last(), "column {col} ends where the series does");
        }
    }

    #[test]
    fn axes_are_labelled_at_round_steps() {
        let at = |span, most| ticks(span, most).collect::<Vec<u64>>();
        // Times in µs, at most four steps: a minute, three seconds, one second.
        assert_eq!(at(60_000_000, 4), [0, 20_000_000, 40_000_000, 60_000_000]);
        assert_eq!(at(3_000_000, 4), [0, 1_000_000, 2_000_000, 3_000_000]);
        assert_eq!(at(1_000_000, 4), [0, 500_000, 1_000_000]);
        // Values from 0 to the largest plus one, at most three steps.
        assert_eq!(at(2, 3), [0, 1, 2]);
        assert_eq!(at(21, 3), [0, 10, 20]);
        assert_eq!(at(700, 3), [0, 500]);
        assert_eq!(at(101, 3), [0, 50, 100]);
        // Degenerate spans still give a label and end.
        assert_eq!(at(0, 3), [0]);
        assert_eq!(at(1, 0), [0, 1]);
        assert_eq!(round_step(u64::MAX, 3), 10_000_000_000_000_000_000);
        assert!(ticks(u64::MAX, 4).count() <= 5);
    }

    #[test]
    fn a_bitmap_follows_the_space_on_screen_and_the_pixel_ratio() {
        assert_eq!(bitmap_size((560, 90), 1.0), (560, 90, 1.0));
        assert_eq!(bitmap_size((430, 90), 2.0), (860, 180, 2.0));
        assert_eq!(bitmap_size((300, 90), 1.5), (450, 135, 1.5));
        // A zoomed-out page, a broken ratio, a huge or empty canvas: still a drawable bitmap.
        assert_eq!(bitmap_size((560, 90), 0.5), (560, 90, 1.0));
        assert_eq!(bitmap_size((560, 90), f64::NAN), (560, 90, 1.0));
        assert_eq!(bitmap_size((100_000, 0), 8.0), (16_384, 4, 4.0));
    }

    #[test]
    fn labels_grow_with_a_taller_chart_within_bounds() {
        assert_eq!(label_px(90), 10.0);
        assert_eq!(label_px(40), 10.0);
        assert_eq!(label_px(162), 18.0);
        assert_eq!(label_px(4096), 20.0);
    }

    #[test]
    fn axis_numbers_stay_short() {
        assert_eq!(axis_number(0), "0");
        assert_eq!(axis_number(9_999), "9999");
        assert_eq!(axis_number(10_000), "10k");
        assert_eq!(axis_number(150_000), "150k");
        assert_eq!(axis_number(1_250_000), "1.2M");
        assert_eq!(axis_number(2_000_000), "2M");
        assert_eq!(axis_number(-20_000), "-20k");
        assert!(axis_number(i64::MIN).ends_with('M'));
    }
}
