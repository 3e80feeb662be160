//! The series a scenario declares (a term, who leads, how many wait), drawn with plotters on a canvas as step
//! lines up to the cursor, one small chart each.

use super::ModelRef;
use crate::model::Series;
use faultline_sim::fault::decimal;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
}

/// Draw one series up to `now_us` on a canvas. Errors (a canvas the browser will not draw on) leave it blank.
fn draw(canvas: web_sys::HtmlCanvasElement, s: &Series, cursor: u32, end_us: u64, now_us: u64, colour: RGBColor) {
    // Clear what the last frame drew (filling with a transparent colour would leave it, and the "now" lines with
    // it).
    if let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| wasm_bindgen::JsCast::dyn_into::<web_sys::CanvasRenderingContext2d>(c).ok())
    {
        ctx.clear_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
    let root = backend.into_drawing_area();
    let _ = root.fill(&TRANSPARENT);
    let max = s.points.iter().map(|p| p.2).max().unwrap_or(1).max(1);
    let end_s = end_us.max(1) as f64 / 1e6;
    let chart = ChartBuilder::on(&root)
        .margin(4)
        .x_label_area_size(16)
        .y_label_area_size(28)
        .build_cartesian_2d(0f64..end_s, 0i64..max + 1);
    let Ok(mut chart) = chart else { return };
    let _ = chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(5)
        .x_label_formatter(&|x| format!("{x:.1} s"))
        .y_labels(3)
        .y_label_formatter(&|v| axis_number(*v))
        .label_style(("sans-serif", 10).into_font().color(&RGBColor(120, 130, 150)))
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
    let _ = chart.draw_series(LineSeries::new(pts, colour.stroke_width(2)));
    let _ = chart
        .draw_series(LineSeries::new(vec![(now_us as f64 / 1e6, 0), (now_us as f64 / 1e6, max + 1)], colour.mix(0.4)));
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
    {
        let refs = refs.clone();
        let model = p.model.clone();
        use_effect_with((p.cursor, p.model.clone()), move |(cursor, _)| {
            let now = model.time_at(*cursor);
            for (s, r) in model.series.iter().zip(&refs) {
                if let Some(c) = r.cast::<web_sys::HtmlCanvasElement>() {
                    draw(c, s, *cursor, model.trace.end_us, now, RGBColor(47, 111, 219));
                }
            }
        });
    }
    if m.series.is_empty() {
        return html! {};
    }
    html! {
        <section class="charts" aria-label="Charts">
            { for m.series.iter().zip(&refs).map(|(s, r)| {
                let current = s.points.iter().take_while(|pt| pt.0 < p.cursor).last().map(|pt| pt.2.to_string()).unwrap_or_else(|| "—".into());
                html! {
                    <figure class="chart">
                        <figcaption>{format!("{}: {current}", s.label)}</figcaption>
                        <canvas ref={r.clone()} width="560" height="90" role="img" aria-label={format!("{} over time", s.label)} />
                    </figure>
                }
            }) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::axis_number;

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
