//! The series a scenario declares (a term, who leads, how many wait), drawn with plotters on a canvas as step
//! lines up to the cursor, one small chart each. The charts sit in a grid that puts as many side by side as their
//! column holds (one on a phone, two or three on a projector); each canvas's bitmap is sized to the space the page
//! gives it, times the screen's pixel ratio, so that its lines and labels are as sharp and as large at any width.

use super::ModelRef;
use crate::hooks::resize::use_resize;
use crate::model::Series;
use faultline_sim::fault::decimal;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
}

/// A chart's bitmap before the page has measured the space it takes on screen (the size the stylesheet gives it on
/// a wide screen).
const FALLBACK: (u32, u32) = (560, 90);

/// The bitmap for a canvas shown at `shown` CSS pixels on a screen of pixel ratio `ratio` (within sane bounds: a
/// zoomed-out page reports ratios below 1, and no screen needs more than 4).
fn bitmap_size(shown: (u32, u32), ratio: f64) -> (u32, u32, f64) {
    let k = if ratio.is_finite() { ratio.clamp(1.0, 4.0) } else { 1.0 };
    let px = |v: u32| (f64::from(v.clamp(1, 4096)) * k).round() as u32;
    (px(shown.0), px(shown.1), k)
}

/// Draw one series up to `now_us` on a canvas shown at `shown` CSS pixels. Errors (a canvas the browser will not
/// draw on) leave it blank.
fn draw(
    canvas: web_sys::HtmlCanvasElement,
    s: &Series,
    (cursor, end_us, now_us): (u32, u64, u64),
    shown: (u32, u32),
    colour: RGBColor,
) {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (w, h, k) = bitmap_size(shown, ratio);
    // Resizing a canvas clears it; only when the page gave it another size.
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let px = |v: f64| (v * k).round() as i32;
    // Clear what the last frame drew (filling with a transparent colour would leave it, and the "now" lines with
    // it).
    if let Some(ctx) =
        canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    {
        ctx.clear_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
    let root = backend.into_drawing_area();
    let _ = root.fill(&TRANSPARENT);
    let max = s.points.iter().map(|p| p.2).max().unwrap_or(1).max(1);
    let end_s = end_us.max(1) as f64 / 1e6;
    // The right margin leaves room for the last time label, centred on the axis's end.
    let chart = ChartBuilder::on(&root)
        .margin(px(4.0))
        .margin_right(px(18.0))
        .x_label_area_size(px(16.0))
        .y_label_area_size(px(28.0))
        .build_cartesian_2d(0f64..end_s, 0i64..max + 1);
    let Ok(mut chart) = chart else { return };
    let _ = chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(5)
        .x_label_formatter(&|x| format!("{x:.1} s"))
        .y_labels(3)
        .y_label_formatter(&|v| axis_number(*v))
        .label_style(("sans-serif", 10.0 * k).into_font().color(&RGBColor(120, 130, 150)))
        .draw();
    let mut pts: Vec<(f64, i64)> = Vec::new();
    for &(step, t, v) in &s.points {
        if step >= cursor {
            break;
        }
        let x = t as f64 / 1e6;
        if let Some(&(_, last)) = pts.last() {
            pts.push((x, last));
        }
        pts.push((x, v));
    }
    if let Some(&(_, last)) = pts.last() {
        pts.push((now_us as f64 / 1e6, last));
    }
    let _ = chart.draw_series(LineSeries::new(pts, colour.stroke_width(px(2.0).max(1) as u32)));
    let now_line = vec![(now_us as f64 / 1e6, 0), (now_us as f64 / 1e6, max + 1)];
    let _ = chart.draw_series(LineSeries::new(now_line, colour.mix(0.4).stroke_width(px(1.0).max(1) as u32)));
    let _ = root.present();
}

/// A y-axis number that fits the axis's 28 pixels: `950`, `9500`, `95k`, `1.2M`.
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
    {
        let refs = refs.clone();
        let model = p.model.clone();
        use_effect_with((p.cursor, p.model.clone(), *shown), move |(cursor, _, shown)| {
            let Some(shown) = *shown else { return };
            let at = (*cursor, model.trace.end_us, model.time_at(*cursor));
            for (s, r) in model.series.iter().zip(&refs) {
                if let Some(c) = r.cast::<web_sys::HtmlCanvasElement>() {
                    draw(c, s, at, shown, RGBColor(47, 111, 219));
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
                let current = s.points.iter().take_while(|pt| pt.0 < p.cursor).last().map(|pt| pt.2.to_string()).unwrap_or_else(|| "—".into());
                html! {
                    <figure class="chart">
                        <figcaption>{format!("{}: {current}", s.label)}</figcaption>
                        <canvas ref={r.clone()} width={FALLBACK.0.to_string()} height={FALLBACK.1.to_string()} role="img" aria-label={format!("{} over time", s.label)} />
                    </figure>
                }
            }) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{axis_number, bitmap_size};

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
