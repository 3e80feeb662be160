//! Numbers a scenario charts over time (Raft: the term, who leads, entries committed), drawn as step lines
//! up to the cursor, one small chart each.

use super::{px, ModelRef};
use yew::prelude::*;

const W: f64 = 560.0;
const H: f64 = 64.0;
const PAD: f64 = 6.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
}

#[function_component(Chart)]
pub fn chart(p: &Props) -> Html {
    let m = &p.model;
    if m.series.is_empty() {
        return html! {};
    }
    let end = m.trace.end_us.max(1) as f64;
    let now = m.time_at(p.cursor) as f64;
    let x = |t: f64| PAD + (W - 2.0 * PAD) * t / end;
    html! {
        <section class="charts" aria-label="Charts">
            { for m.series.iter().map(|s| {
                let shown: Vec<_> = s.points.iter().filter(|(st, _, _)| *st < p.cursor).collect();
                let max = s.points.iter().map(|pt| pt.2).max().unwrap_or(1).max(1) as f64;
                let y = |v: i64| H - PAD - (H - 2.0 * PAD) * v as f64 / max;
                let mut d = String::new();
                let mut last: Option<(f64, f64)> = None;
                for &&(_, t, v) in &shown {
                    let (xx, yy) = (x(t as f64), y(v));
                    match last {
                        None => d.push_str(&format!("M{} {}", px(xx), px(yy))),
                        Some((_, ly)) => d.push_str(&format!(" L{} {} L{} {}", px(xx), px(ly), px(xx), px(yy))),
                    }
                    last = Some((xx, yy));
                }
                if let Some((_, ly)) = last {
                    d.push_str(&format!(" L{} {}", px(x(now)), px(ly)));
                }
                let current = shown.last().map(|pt| pt.2.to_string()).unwrap_or_else(|| "—".into());
                html! {
                    <figure class="chart">
                        <figcaption>{format!("{}: {current}", s.name)}<span class="max">{format!(" (max {})", max as i64)}</span></figcaption>
                        <svg viewBox={format!("0 0 {} {}", px(W), px(H))} role="img" aria-label={format!("{} over time", s.name)}>
                            <line class="axis" x1={px(PAD)} y1={px(H - PAD)} x2={px(W - PAD)} y2={px(H - PAD)} />
                            <path class="series" d={d} />
                            <line class="now" x1={px(x(now))} y1="0" x2={px(x(now))} y2={px(H)} />
                        </svg>
                    </figure>
                }
            }) }
        </section>
    }
}
