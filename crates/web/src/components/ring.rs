//! A ring of peers, drawn from each node's generic widgets: its tone as the colour, its badge inside, a countdown
//! as a draining arc, a cell row coloured by value with the marked ones outlined; messages in flight as dots on
//! the chords, and cut links dashed. Click a node to inject a fault into it, a chord to cut or heal that link.
//! The scenario's declared legend says what its badges and cells mean.

use super::{px, tone_class, ModelRef};
use crate::state::Target;
use faultline_sim::{Condition, NodeId, Widget};
use yew::prelude::*;

const SIZE: f64 = 400.0;
const R: f64 = 140.0;
const NODE_R: f64 = 27.0;
/// Cells shown per node (the most recent).
const CELLS: usize = 12;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
    pub on_select: Callback<Target>,
    pub selected: Option<Target>,
    /// The scenario's words for what the ring shows.
    pub legend: &'static str,
}

fn hue(value: u64) -> String {
    format!("hsl({}, 65%, 55%)", (value * 67) % 360)
}

/// The cosine and sine of `a`: in the page from the browser's `Math` (a drawing needs no bit-exact trigonometry, and
/// the page then carries no code of its own for it), natively (the tests) from Rust's.
fn cos_sin(a: f64) -> (f64, f64) {
    #[cfg(target_arch = "wasm32")]
    return (js_sys::Math::cos(a), js_sys::Math::sin(a));
    #[cfg(not(target_arch = "wasm32"))]
    (a.cos(), a.sin())
}

#[function_component(Ring)]
pub fn ring(p: &Props) -> Html {
    let m = &p.model;
    let n = m.lanes.len().max(1);
    let place = |i: NodeId| {
        let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
        let (cos, sin) = cos_sin(a);
        (SIZE / 2.0 + R * cos, SIZE / 2.0 + R * sin)
    };
    // Each node's place, once per render: every chord and every message in flight reads two.
    let places: Vec<(f64, f64)> = (0..n as NodeId).map(place).collect();
    let pos = |i: NodeId| places.get(i as usize).copied().unwrap_or_else(|| place(i));
    let views = m.views_at(p.cursor);
    let cut = m.cut_links_at(p.cursor);
    let now = m.time_at(p.cursor);

    let chords = (0..n as NodeId).flat_map(|a| ((a + 1)..n as NodeId).map(move |b| (a, b))).map(|(a, b)| {
        let ((x1, y1), (x2, y2)) = (pos(a), pos(b));
        let state = match (cut.contains(&(a, b)), cut.contains(&(b, a))) {
            (true, true) => "cut",
            (true, false) | (false, true) => "half-cut",
            _ => "",
        };
        let selected = p.selected == Some(Target::Link(a, b));
        let onclick = p.on_select.reform(move |_: MouseEvent| Target::Link(a, b));
        html! {
            <g class={classes!("chord", state, selected.then_some("selected"))}>
                <line x1={px(x1)} y1={px(y1)} x2={px(x2)} y2={px(y2)} />
                <line class="hit" x1={px(x1)} y1={px(y1)} x2={px(x2)} y2={px(y2)} {onclick}>
                    <title>{format!("link {} ↔ {}: click to cut or heal it", m.trace.node_name(a), m.trace.node_name(b))}</title>
                </line>
            </g>
        }
    });

    let dots = m.arrows_open_at(p.cursor).iter().filter(|a| a.end_step.is_none_or(|e| e >= p.cursor)).map(|a| {
        let f = if a.arrive_us > a.send_us {
            (now.saturating_sub(a.send_us) as f64 / (a.arrive_us - a.send_us) as f64).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let ((x1, y1), (x2, y2)) = (pos(a.from), pos(a.to));
        html! { <circle class="dot" cx={px(x1 + (x2 - x1) * f)} cy={px(y1 + (y2 - y1) * f)} r="4"><title>{a.label.as_str()}</title></circle> }
    });

    let servers = m.lanes.iter().map(|l| {
        let (cx, cy) = pos(l.node);
        let view = views.as_ref().and_then(|v| v.get(l.node as usize)).filter(|_| p.cursor > l.node);
        let (cond, v) = match view {
            Some((c, v)) => (*c, Some(v)),
            None => (Condition::Up, None),
        };
        let tone = v.map_or(faultline_sim::Tone::Neutral, |v| v.tone);
        let widgets = v.map_or(&[][..], |v| v.widgets.as_slice());
        let badge = v.and_then(|v| v.badge()).unwrap_or_default().to_string();
        let node = l.node;
        let onclick = p.on_select.reform(move |_: MouseEvent| Target::Node(node));
        let arcs = widgets.iter().filter(|_| cond == Condition::Up).filter_map(|w| match w {
            Widget::Countdown { left_us, total_us, label } => Some((*left_us, *total_us, label)),
            _ => None,
        });
        let arcs = arcs.map(|(left, total, label)| {
            let frac = (left as f64 / total.max(1) as f64).clamp(0.0, 1.0);
            let r = NODE_R + 6.0;
            let a1 = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * frac.min(0.9999);
            let large = if frac > 0.5 { 1 } else { 0 };
            let (cos, sin) = cos_sin(a1);
            let d = format!(
                "M{} {} A{} {} 0 {large} 1 {} {}",
                px(cx),
                px(cy - r),
                px(r),
                px(r),
                px(cx + r * cos),
                px(cy + r * sin)
            );
            html! { <path class="timer" d={d}><title>{label}</title></path> }
        });
        let gauges = widgets.iter().filter_map(|w| match w {
            Widget::Gauge { value, max, label } => Some((*value, *max, label)),
            _ => None,
        });
        let gauges = gauges.map(|(value, max, label)| {
            let frac = (value as f64 / max.max(1) as f64).clamp(0.0, 1.0);
            let (w, y) = (NODE_R * 2.0, cy - NODE_R - 12.0);
            html! {
                <g class="gauge">
                    <rect class="gauge-bg" x={px(cx - NODE_R)} y={px(y)} width={px(w)} height="5" />
                    <rect class="gauge-fill" x={px(cx - NODE_R)} y={px(y)} width={px(w * frac)} height="5" />
                    <title>{format!("{label}: {value} of {max}")}</title>
                </g>
            }
        });
        let cells = widgets.iter().filter_map(|w| match w {
            Widget::Cells { values, marked, cell, value, marked_as } => Some((values, *marked, cell, value, marked_as)),
            _ => None,
        });
        let cells = cells.take(1).map(|(values, marked, cell, value, marked_as)| {
            let start = values.len().saturating_sub(CELLS);
            let w = 8.0;
            let x0 = cx - (CELLS as f64 * w) / 2.0;
            html! {
                <g class="cells">
                    { for values[start..].iter().enumerate().map(|(k, v)| {
                        let index = (start + k + 1) as u64;
                        let is_marked = index <= marked;
                        html! {
                            <rect x={px(x0 + k as f64 * w)} y={px(cy + NODE_R + 22.0)} width={px(w - 1.0)} height="10"
                                fill={hue(*v)} class={classes!((!is_marked).then_some("uncommitted"))}>
                                <title>{format!("{cell} {index}, {value} {v}{}", if is_marked { format!(", {marked_as}") } else { String::new() })}</title>
                            </rect>
                        }
                    }) }
                </g>
            }
        });
        let selected = p.selected == Some(Target::Node(l.node));
        let cond_class = match cond {
            Condition::Up => None,
            Condition::Paused => Some("paused"),
            Condition::Down => Some("down"),
        };
        html! {
            <g class={classes!("server", tone_class(tone), cond_class, selected.then_some("selected"))} {onclick}
               role="button">
                // The name (and tooltip): an `aria-label` would hide the badge and name drawn inside it.
                <title>{format!("{badge} {}: click to inject a fault", l.name)}</title>
                {for arcs}
                {for gauges}
                <circle cx={px(cx)} cy={px(cy)} r={px(NODE_R)} />
                <text class="badge" x={px(cx)} y={px(cy + 5.0)} text-anchor="middle">{badge}</text>
                <text class="name" x={px(cx)} y={px(cy + NODE_R + 15.0)} text-anchor="middle">{&l.name}</text>
                {for cells}
            </g>
        }
    });

    html! {
        <section class="ring" aria-label="Ring of nodes">
            <svg id="ring" viewBox={format!("0 0 {} {}", px(SIZE), px(SIZE + 30.0))} role="img"
                 aria-label={format!("Ring of nodes at step {}", p.cursor)}>
                { for chords }
                // A group of their own: yew matches children by position from the end, so one dot more or less would shift
                // the links drawn before the dots by one place, and rewrite them.
                <g class="layer-dots">{ for dots }</g>
                { for servers }
            </svg>
            <p class="legend">{p.legend}</p>
        </section>
    }
}
