//! A crowd, drawn as cells: every member a cell coloured by its state, a block per node that acts for members
//! (each app server's clients together, so what is per process shows). Drawn on one canvas, outside the virtual
//! DOM, in a requestAnimationFrame callback; the states come from the nodes' panels at the cursor (replayed from
//! the nearest checkpoint). Clicking a cell follows that member.

use super::ModelRef;
use faultline_sim::Widget;
use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
    /// The states' names, in the order of their numbers.
    pub states: &'static [&'static str],
    pub followed: Vec<u32>,
    pub on_follow: Callback<u32>,
    #[prop_or(AttrValue::Static("population"))]
    pub id: AttrValue,
}

/// One colour per state number, in order (the scenario orders its states to match: calm, then busy).
pub const PALETTE: [&str; 8] = ["#3aa655", "#1a9c9c", "#d4a017", "#d64545", "#b8c0cc", "#2f6fdb", "#8b5cf6", "#e8833a"];

const WIDTH: f64 = 560.0;
const GAP: f64 = 10.0;
const LABEL: f64 = 14.0;

/// A node's block: its name, its members and their states, and where its cells go.
struct Block {
    name: String,
    members: Vec<u32>,
    states: Vec<u8>,
    x: f64,
    y: f64,
    cell: f64,
    cols: usize,
}

fn layout(model: &ModelRef, cursor: u32) -> (Vec<Block>, f64) {
    let views = model.views_at(cursor);
    let mut blocks: Vec<Block> = Vec::new();
    for (i, (_, v)) in views.iter().flat_map(|v| v.iter()).enumerate() {
        for w in &v.widgets {
            if let Widget::Population { members, states } = w {
                let name = model.trace.node_name(i as u32);
                blocks.push(Block {
                    name,
                    members: members.clone(),
                    states: states.clone(),
                    x: 0.0,
                    y: 0.0,
                    cell: 0.0,
                    cols: 1,
                });
            }
        }
    }
    let per_row = blocks.len().clamp(1, 4);
    let block_w = (WIDTH - GAP * (per_row as f64 - 1.0)) / per_row as f64;
    let most = blocks.iter().map(|b| b.members.len()).max().unwrap_or(1).max(1);
    // Square-ish blocks: the cell that fits the largest block in a square of the block's width.
    let cell = (block_w * block_w / most as f64).sqrt().floor().clamp(2.0, 24.0);
    let cols = ((block_w / cell).floor() as usize).max(1);
    let rows = most.div_ceil(cols);
    let block_h = LABEL + rows as f64 * cell;
    for (i, b) in blocks.iter_mut().enumerate() {
        b.x = (i % per_row) as f64 * (block_w + GAP);
        b.y = (i / per_row) as f64 * (block_h + GAP);
        b.cell = cell;
        b.cols = cols;
    }
    let height = blocks.len().div_ceil(per_row) as f64 * (block_h + GAP);
    (blocks, height.max(LABEL))
}

fn draw(canvas: &web_sys::HtmlCanvasElement, blocks: &[Block], height: f64, followed: &[u32]) {
    canvas.set_height(height as u32);
    let Some(ctx) =
        canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    ctx.clear_rect(0.0, 0.0, WIDTH, height);
    ctx.set_font("11px sans-serif");
    for b in blocks {
        ctx.set_fill_style_str("#5d6b82");
        let _ = ctx.fill_text(&format!("{} · {} clients", b.name, b.members.len()), b.x, b.y + 10.0);
        let inset = if b.cell >= 4.0 { 1.0 } else { 0.0 };
        // One fill style per state: few style changes, one rectangle per member.
        for (state, colour) in PALETTE.iter().enumerate() {
            ctx.set_fill_style_str(colour);
            for (i, _) in b.states.iter().enumerate().filter(|(_, s)| **s as usize == state) {
                let (cx, cy) = cell_at(b, i);
                ctx.fill_rect(cx, cy, b.cell - inset, b.cell - inset);
            }
        }
        ctx.set_stroke_style_str("#1d2433");
        ctx.set_line_width(2.0);
        for (i, _) in b.members.iter().enumerate().filter(|(_, m)| followed.contains(m)) {
            let (cx, cy) = cell_at(b, i);
            ctx.stroke_rect(cx - 1.0, cy - 1.0, b.cell + 1.0, b.cell + 1.0);
        }
    }
}

fn cell_at(b: &Block, i: usize) -> (f64, f64) {
    (b.x + (i % b.cols) as f64 * b.cell, b.y + LABEL + (i / b.cols) as f64 * b.cell)
}

/// The member under a point of the canvas (in its own coordinates).
fn member_at(blocks: &[Block], x: f64, y: f64) -> Option<u32> {
    blocks.iter().find_map(|b| {
        let (col, row) = (((x - b.x) / b.cell).floor(), ((y - b.y - LABEL) / b.cell).floor());
        if col < 0.0 || row < 0.0 || col >= b.cols as f64 {
            return None;
        }
        b.members.get(row as usize * b.cols + col as usize).copied()
    })
}

#[function_component(Population)]
pub fn population(p: &Props) -> Html {
    let canvas = use_node_ref();
    let root = use_node_ref();
    super::use_data_css(root.clone());
    let frame = use_mut_ref(|| None::<AnimationFrame>);
    // One layout per cursor: the legend, the frame and a click all read it.
    let laid = use_memo((p.cursor, p.model.clone()), |(cursor, model)| layout(model, *cursor));
    {
        let (canvas, laid, followed) = (canvas.clone(), laid.clone(), p.followed.clone());
        use_effect_with((p.cursor, p.model.clone(), p.followed.clone()), move |_| {
            *frame.borrow_mut() = Some(request_animation_frame(move |_| {
                if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                    draw(&c, &laid.0, laid.1, &followed);
                }
            }));
        });
    }
    let blocks = &laid.0;
    // The nodes the crowd depends on (a cache, a database), as their gauges: a level against its maximum.
    let gauges: Vec<(String, String, u64, u64)> = p
        .model
        .views_at(p.cursor)
        .iter()
        .flat_map(|v| v.iter().enumerate().map(|(i, (_, view))| (i, view.widgets.clone())).collect::<Vec<_>>())
        .flat_map(|(i, widgets)| {
            let node = p.model.trace.node_name(i as u32);
            widgets.into_iter().filter_map(move |w| match w {
                Widget::Gauge { value, max, label } => Some((node.clone(), label, value, max)),
                _ => None,
            })
        })
        .collect();
    let mut counts = vec![0usize; p.states.len()];
    for b in blocks {
        for &s in &b.states {
            if let Some(n) = counts.get_mut(s as usize) {
                *n += 1;
            }
        }
    }
    let onclick = {
        let (canvas, laid, follow) = (canvas.clone(), laid.clone(), p.on_follow.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
            let r = c.get_bounding_client_rect();
            let scale = WIDTH / r.width().max(1.0);
            let (x, y) = ((f64::from(e.client_x()) - r.left()) * scale, (f64::from(e.client_y()) - r.top()) * scale);
            if let Some(m) = member_at(&laid.0, x, y) {
                follow.emit(m);
            }
        })
    };
    html! {
        <section class="population" aria-label="Clients" ref={root}>
            <canvas ref={canvas} id={p.id.clone()} width={(WIDTH as u32).to_string()} height="120" {onclick}
                role="img" aria-label="Every client as a cell coloured by its state; click one to follow it" />
            <ul class="legend">
                { for p.states.iter().zip(&counts).zip(PALETTE).map(|((s, n), colour)| html! {
                    <li><span class="swatch" data-css={format!("background: {colour}")}></span>{format!("{s}: {n}")}</li>
                }) }
            </ul>
            if !gauges.is_empty() {
                <ul class="gauges">
                    { for gauges.iter().map(|(node, label, value, max)| {
                        let pct = (*value as f64 / (*max).max(1) as f64 * 100.0).clamp(0.0, 100.0).round() as u32;
                        html! {
                            <li>
                                <span class="gauge-label">{format!("{node}: {label}")}</span>
                                <span class="gauge-bar"><span data-css={format!("width: {pct}%")}></span></span>
                                <span class="gauge-value">{format!("{value}/{max}")}</span>
                            </li>
                        }
                    }) }
                </ul>
            }
            if !p.followed.is_empty() {
                <p class="hint" id="followed">{format!("Following client {} in the diagram — click another cell to follow it.",
                    p.followed.iter().map(|m| (m + 1).to_string()).collect::<Vec<_>>().join(" and "))}</p>
            }
        </section>
    }
}
