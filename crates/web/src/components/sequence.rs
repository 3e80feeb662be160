//! The time-space diagram in Kleppmann's style: one lane per node, time to the right, messages as arrows,
//! a scenario's spans as bars above each lane (a lease as one node believes it, as another knows it), pauses hatched,
//! notes as dots, and the steps that caused a violation marked. Only what happened before the cursor is drawn;
//! a message in flight is drawn up to where it is now. Only what lies in the visible window is built, so a run
//! of 100,000 events draws as fast as a short one.
//!
//! Clicks: on the diagram, move the cursor there; on a lane's name, select that node; on a message in flight,
//! select it — the fault bar then offers what can be injected into it.

use super::{px, tone_class, ModelRef};
use crate::hooks::resize::use_resize;
use crate::model::labels::{self, bar_end, bar_label_x, lay_out, pause_text, Placed, View};
use crate::model::{BarKind, BreachInfo, Fate, Model, LEFT, MARK_REACH, RIGHT};
use crate::state::Target;
use faultline_sim::fault::decimal;
use faultline_sim::Severity;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Extra pixels drawn beyond each side of the visible window.
const OVERDRAW: f64 = 200.0;
/// How far in from the view's left edge a span's label that slides along its bar stops.
const EDGE: f64 = 8.0;
/// The baseline of the first row of labels above a lane (a span's, a message's sent up), clear of the span bars; and
/// of the first row under it (a note's, a pause's, a message's sent down), clear of the disks drawn just under it.
const ABOVE: f64 = 21.0;
const BELOW: f64 = 22.0;
/// The numbered causes of a violation: a row of their own under the time axis, above every label.
const CAUSE_Y: f64 = 32.0;
/// The distance between two rows of labels: a 10.5-pixel label's box is a little over 12 pixels tall.
const ROW: f64 = 12.5;

/// The baseline of a label placed in a row above or below the lane at `lane_y` (`labels::lay_out` chose the row).
fn baseline(lane_y: f64, above: bool, at: Option<Placed>) -> f64 {
    let row = at.map_or(0.0, |p| p.row as f64);
    if above {
        lane_y - ABOVE - ROW * row
    } else {
        lane_y + BELOW + ROW * row
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
    pub on_seek: Callback<u32>,
    #[prop_or_default]
    pub on_select: Option<Callback<Target>>,
    #[prop_or_default]
    pub selected: Option<Target>,
    /// A caption over the lanes (used when two runs are compared).
    #[prop_or_default]
    pub title: Option<String>,
    /// The SVG element's id (unique per page).
    #[prop_or(AttrValue::from("sequence"))]
    pub id: AttrValue,
    /// Scale the whole run to the available width (an embed's `fit=1`) instead of scrolling with the cursor.
    #[prop_or_default]
    pub fit: bool,
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// `0 ms`, `418 ms`, `1.25 s`: tick labels without false precision.
fn tick_label(t_us: u64) -> String {
    if t_us >= 1_000_000 {
        format!("{} s", decimal(t_us / 1_000, 3))
    } else if t_us >= 10_000 {
        format!("{} ms", t_us / 1_000)
    } else {
        format!("{} ms", decimal(t_us / 100, 1))
    }
}

/// Time ticks along the top, at least `gap` pixels apart, within the window.
fn ticks(m: &Model, cursor: u32, x0: f64, x1: f64, gap: f64) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for i in m.steps_in(x0, x1) {
        if i >= cursor {
            break;
        }
        let x = m.step_x[i as usize];
        if x - last >= gap {
            out.push((x, tick_label(m.step_us[i as usize])));
            last = x;
        }
    }
    out
}

fn overlaps(a: f64, b: f64, x0: f64, x1: f64) -> bool {
    a.min(b) <= x1 && a.max(b) >= x0
}

// The diagram's rarer pieces are functions of their own, not inlined: the build splits a page's wasm by function
// (`xtask/src/split.rs`), and a page whose first load draws no pause, crash or breach does not carry their code.

/// A pause's or a crash's bar (`kind`: its class), `w` wide from `x` on the lane at `y`: `title` when hovered, and
/// its label if it has room.
#[inline(never)]
fn fault_bar(
    kind: &'static str,
    x: f64,
    y: f64,
    w: f64,
    title: &'static str,
    text: Option<String>,
    at: Option<Placed>,
) -> Html {
    html! {
        <g class={classes!("bar", kind)}>
            <rect x={px(x)} y={px(y - 6.0)} width={px(w)} height="12"><title>{title}</title></rect>
            if let Some(text) = text {
                <text class="bar-label" x={px(x + 3.0)} y={px(baseline(y, false, at))}>{text}</text>
            }
        </g>
    }
}

/// A violation: a red rule at the breach, numbered amber rules at the steps that caused it.
#[inline(never)]
fn violation(m: &Model, b: &BreachInfo) -> Html {
    let x = m.x_of_step(b.step);
    let bottom = m.height - 8.0;
    html! {
        <g class="violation">
            { for b.causes.iter().enumerate().map(|(i, &s)| {
                let cx = m.x_of_step(s);
                html! {
                    <g class="cause">
                        <line x1={px(cx)} y1={px(CAUSE_Y)} x2={px(cx)} y2={px(bottom)} />
                        <circle cx={px(cx)} cy={px(CAUSE_Y)} r="8" />
                        <text x={px(cx)} y={px(CAUSE_Y + 4.0)} text-anchor="middle">{i + 1}</text>
                    </g>
                }
            }) }
            <line class="breach-rule" x1={px(x)} y1={px(CAUSE_Y)} x2={px(x)} y2={px(bottom)} />
            <text class="breach-label" x={px(x + 6.0)} y={px(m.height - 12.0)}>{format!("✗ {}", b.invariant)}</text>
        </g>
    }
}

#[function_component(SequenceDiagram)]
pub fn sequence_diagram(p: &Props) -> Html {
    let m = &p.model;
    let cursor = p.cursor;
    let now_x = m.x_at(cursor);
    let now_us = m.time_at(cursor);
    let scroller = use_node_ref();
    let root = use_node_ref();
    super::use_data_css(root.clone());
    // The visible window (scroll offset, width), to build only what can be seen. Kept in a cell, not a state:
    // following the cursor writes it without a render of its own (the render that moved the cursor has already
    // drawn the new window; as a state, each jump of the window rendered the diagram twice in the step, and a
    // third time when the scroll it wrote came back a fraction of a pixel off). What the learner or the page does
    // to the scroller (a scroll, a resize) renders again, when it changed the window.
    let window = use_mut_ref(|| (0.0f64, 1600.0f64));
    let redraw = use_force_update();
    let measure = {
        let window = window.clone();
        move |el: &web_sys::Element| {
            let seen = (f64::from(el.scroll_left()), f64::from(el.client_width()));
            if *window.borrow() != seen {
                *window.borrow_mut() = seen;
                redraw.force_update();
            }
        }
    };

    // Measure the real window whenever the scroller's size changes (on mount too: an observer reports the size it
    // starts with) — a resized window, a projector's zoom of the diagram; scroll events keep the offset up to date.
    use_resize(scroller.clone(), measure.clone());
    // Keep the "now" line in view while stepping or playing. Where the view must scroll, this render already
    // draws the new window; the scroll itself is written at the next animation frame, so that no layout is
    // forced in the middle of a step (the browser lays out once, before it paints). In whole pixels, as the
    // scroller reports its offset back.
    let (left, width) = *window.borrow();
    let target_left =
        if now_x < left + 40.0 || now_x > left + width - 60.0 { (now_x - width * 0.6).max(0.0).round() } else { left };
    let frame = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    let fit = p.fit;
    {
        let scroller = scroller.clone();
        let window = window.clone();
        // Also when the real width is first measured (or the frame is resized): a page opened at a step far to
        // the right must scroll there even though the cursor did not move. A fitted diagram never scrolls.
        use_effect_with((cursor, p.model.clone(), width as i64), move |_| {
            if !fit && target_left != left {
                *window.borrow_mut() = (target_left, width);
                *frame.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| {
                    if let Some(el) = scroller.cast::<web_sys::Element>() {
                        el.set_scroll_left(target_left as i32);
                    }
                }));
            }
        });
    }
    let onscroll = Callback::from(move |e: Event| {
        if let Some(el) = e.target_dyn_into::<web_sys::Element>() {
            measure(&el);
        }
    });
    let (x0, x1) = if fit { (0.0, m.width) } else { (target_left - OVERDRAW, target_left + width + OVERDRAW) };

    let onclick = {
        let on_seek = p.on_seek.clone();
        let m = p.model.clone();
        Callback::from(move |e: MouseEvent| {
            // Click offsets are in screen pixels; a fitted diagram is drawn at another scale than its viewBox.
            let shown =
                e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|el| el.client_width());
            let scale = match shown {
                Some(w) if fit && w > 0 => m.width / w as f64,
                _ => 1.0,
            };
            let x = e.offset_x() as f64 * scale;
            // Show everything up to the step nearest to the click.
            let i = m.step_x.partition_point(|&sx| sx <= x);
            let nearest = match i {
                0 => 0,
                i if i >= m.step_x.len() => m.step_x.len(),
                i => {
                    if x - m.step_x[i - 1] <= m.step_x[i] - x {
                        i
                    } else {
                        i + 1
                    }
                }
            };
            on_seek.emit(nearest as u32);
        })
    };

    let select = |t: Target| {
        p.on_select.clone().map(|cb| {
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                cb.emit(t);
            })
        })
    };
    let select_key = |t: Target| {
        p.on_select.clone().map(|cb| {
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    e.stop_propagation();
                    cb.emit(t);
                }
            })
        })
    };

    let lanes = m.lanes.iter().map(|l| {
        let selected = p.selected == Some(Target::Node(l.node));
        let label = format!("{}: click to inject a fault", l.name);
        html! {
            <g class={classes!("lane", format!("role-{}", l.role), selected.then_some("selected"))}>
                <text class="lane-label" x="8" y={px(l.y + 4.0)} tabindex={p.on_select.is_some().then_some("0")}
                    role="button" aria-label={label} onclick={select(Target::Node(l.node))} onkeydown={select_key(Target::Node(l.node))}>
                    {&l.name}
                </text>
                <line x1={px(LEFT)} y1={px(l.y)} x2={px(m.width - RIGHT)} y2={px(l.y)} />
            </g>
        }
    });

    let bars: Vec<_> =
        m.bars.iter().filter(|b| b.start_step < cursor && overlaps(b.x1, b.x2.min(now_x), x0, x1)).collect();
    let marks: Vec<_> =
        m.marks_within(x0, x1).iter().filter(|k| k.step < cursor && overlaps(k.x, k.x + MARK_REACH, x0, x1)).collect();
    let shown: Vec<_> =
        m.arrows_within(x0, x1).iter().filter(|a| a.send_step < cursor && overlaps(a.x1, a.x2, x0, x1)).collect();
    // The view's left edge, a little in from it: a span that began before it has its label there (`bar_label_x`).
    let view = View { from: if fit { 0.0 } else { target_left + EDGE }, now_x };
    let laid = lay_out(&bars, &marks, &shown, cursor, m.width, view);
    let label = |text: &str, at: Option<Placed>| at.filter(|p| p.chars > 0).map(|p| short(text, p.chars));

    let bars = bars.iter().zip(laid.bars).map(|(b, at)| {
        let w = (bar_end(b, cursor, now_x) - b.x1).max(2.0);
        let y = m.lane_y(b.node);
        match b.kind {
            BarKind::Span => {
                // Scenario spans sit just above the lane; the label rides on the bar (or a row above it).
                html! {
                    <g class={classes!("bar", "span", tone_class(b.tone))}>
                        <rect x={px(b.x1)} y={px(y - 17.0)} width={px(w)} height="9" rx="2">
                            <title>{&b.label}</title>
                        </rect>
                        if let Some(text) = label(&b.label, at) {
                            <text class="bar-label" x={px(bar_label_x(b, cursor, view))} y={px(baseline(y, true, at))}>{text}</text>
                        }
                    </g>
                }
            }
            BarKind::Pause => {
                let title = "stop-the-world pause: the process handles nothing, its clock keeps running";
                fault_bar("pause", b.x1, y, w, title, label(&pause_text(b, cursor), at), at)
            }
            BarKind::Down => fault_bar("down", b.x1, y, w, "down (crashed)", label("down", at), at),
        }
    });

    // Newest first: yew matches a list with the last render's from its end, so a list that grows at its start (a
    // step sends a message) keeps every arrow already drawn where it was, and only the new one is made. Drawn in
    // send order, each step would rewrite every arrow on screen (its attributes, its tooltip), a few hundred on a
    // busy run. The labels, drawn over every arrow, are a layer of their own.
    let arrows = shown.iter().rev().map(|a| {
        let done = a.end_step.is_some_and(|e| e < cursor);
        let frac = if done || a.arrive_us <= a.send_us {
            1.0
        } else {
            ((now_us.saturating_sub(a.send_us)) as f64 / (a.arrive_us - a.send_us) as f64).clamp(0.0, 1.0)
        };
        let (x2, y2) = (a.x1 + (a.x2 - a.x1) * frac, a.y1 + (a.y2 - a.y1) * frac);
        let dropped = done && a.fate == Fate::Dropped;
        let current = a.send_step + 1 == cursor || a.end_step.is_some_and(|e| e + 1 == cursor);
        let selected = p.selected == Some(Target::Message(a.id));
        let class = classes!(
            "msg",
            dropped.then_some("dropped"),
            (!done).then_some("inflight"),
            current.then_some("current"),
            selected.then_some("selected")
        );
        let marker = if dropped || (!done && frac < 1.0) { String::new() } else { format!("url(#{}-arrowhead)", p.id) };
        let title = format!("#{} {} → {}: {}", a.id, m.trace.node_name(a.from), m.trace.node_name(a.to), a.label);
        html! {
            <g class={class} data-msg={a.id.to_string()}>
                <line x1={px(a.x1)} y1={px(a.y1)} x2={px(x2)} y2={px(y2)} marker-end={marker}>
                    <title>{title.clone()}</title>
                </line>
                if !done && p.on_select.is_some() {
                    <line class="hit" x1={px(a.x1)} y1={px(a.y1)} x2={px(x2)} y2={px(y2)}
                        onclick={select(Target::Message(a.id))}>
                        <title>{format!("{title} — in flight: click to drop or delay it")}</title>
                    </line>
                }
                if dropped {
                    <text class="drop-x" x={px(x2 - 4.0)} y={px(y2 + 4.0)}>{"✗"}</text>
                }
            </g>
        }
    });
    let labels = shown.iter().zip(laid.arrows).filter_map(|(a, at)| {
        let y = baseline(a.y1, !labels::down(a), at);
        label(&a.label, at).map(|text| html! { <text class="msg-label" x={px(a.x1 + 4.0)} y={px(y)}>{text}</text> })
    });

    let marks = marks.iter().zip(laid.marks).map(|(k, at)| {
        let y = m.lane_y(k.node);
        if k.durable {
            // A small disk (a cylinder) just under the lane: the write survives a crash.
            return html! {
                <g class="disk"><title>{&k.text}</title>
                    <rect x={px(k.x - 4.0)} y={px(y + 5.0)} width="8" height="9" rx="1.5" />
                    <ellipse cx={px(k.x)} cy={px(y + 6.5)} rx="4" ry="1.5" />
                </g>
            };
        }
        html! {
            <g class={classes!("mark", tone_class(k.tone))}>
                <circle cx={px(k.x)} cy={px(y)} r="4"><title>{&k.text}</title></circle>
                if let Some(text) = label(&k.text, at) {
                    <text class="mark-label" x={px(k.x + 6.0)} y={px(baseline(y, false, at))}>{text}</text>
                }
            </g>
        }
    });

    let violations = m.breaches_before(cursor).filter(|b| b.severity == Severity::Violation).map(|b| violation(m, b));

    let tick_marks = ticks(m, cursor, x0, x1, 90.0).into_iter().map(|(x, t)| {
        html! { <g class="tick"><line x1={px(x)} y1="16" x2={px(x)} y2="22" /><text x={px(x)} y="12" text-anchor="middle">{t}</text></g> }
    });

    html! {
        <section ref={root} class={classes!("diagram", fit.then_some("fit"))} aria-label={p.title.clone().unwrap_or_else(|| "Sequence diagram".into())}>
            if let Some(t) = &p.title {
                <div class="diagram-title">{t}</div>
            }
            <div class="lanes-wrap">
            // Lane names stay put while the diagram scrolls under them (the SVG keeps its own for export).
            <div class="lane-names">
                { for m.lanes.iter().map(|l| {
                    let selected = p.selected == Some(Target::Node(l.node));
                    match select(Target::Node(l.node)) {
                        Some(onclick) => html! {
                            <button class={classes!("lane-name", selected.then_some("selected"))} data-css={format!("top: {}px", px(l.y - 11.0))}
                                {onclick} aria-label={format!("{}: inject a fault", l.name)}>{&l.name}</button>
                        },
                        None => html! { <span class="lane-name" data-css={format!("top: {}px", px(l.y - 11.0))}>{&l.name}</span> },
                    }
                }) }
            </div>
            <div class="scroller" ref={scroller} {onscroll} tabindex="0" aria-label="The diagram: scroll to see earlier steps">
                <svg id={p.id.clone()} class="seq" xmlns="http://www.w3.org/2000/svg"
                     width={if fit { "100%".to_string() } else { px(m.width) }} height={(!fit).then(|| px(m.height))}
                     viewBox={format!("0 0 {} {}", px(m.width), px(m.height))} role="img"
                     aria-label={format!("Sequence diagram, step {} of {}", cursor, m.steps())} onclick={onclick}>
                    <defs>
                        <marker id={format!("{}-arrowhead", p.id)} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                        </marker>
                        <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                            <rect width="6" height="6" class="hatch-bg" />
                            <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
                        </pattern>
                    </defs>
                    // One group per kind: html! splices a `for` into its parent's children, which yew matches with
                    // the last render's by position, counted from the end; one arrow more would shift everything
                    // drawn before it (ticks, lanes, bars, the other arrows) by one place, and rewrite it. (Keys
                    // would cost a seek: every node made anew instead of rewritten.)
                    <g class="layer-ticks">{ for tick_marks }</g>
                    <g class="layer-lanes">{ for lanes }</g>
                    <g class="layer-bars">{ for bars }</g>
                    <g class="layer-msgs">{ for arrows }</g>
                    <g class="layer-labels">{ for labels }</g>
                    <g class="layer-marks">{ for marks }</g>
                    <g class="layer-violations">{ for violations }</g>
                    <line class="now" x1={px(now_x)} y1={px(CAUSE_Y - 8.0)} x2={px(now_x)} y2={px(m.height)} />
                </svg>
            </div>
            </div>
        </section>
    }
}
