//! One panel per node: its status and fields as of the current step, as the node itself sees them (replayed
//! from the nearest checkpoint). Clicking a node's name selects it for fault injection.

use super::{tone_class, ModelRef};
use crate::state::Target;
use faultline_sim::Condition;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
    pub on_select: Callback<Target>,
}

#[function_component(NodePanels)]
pub fn node_panels(p: &Props) -> Html {
    let views = p.model.views_at(p.cursor);
    html! {
        <section class="panels" aria-label="Nodes">
            <h2>{"Nodes"}</h2>
            { for p.model.lanes.iter().map(|lane| {
                let view = views.as_ref().and_then(|v| v.get(lane.node as usize)).cloned();
                let started = p.cursor > lane.node;
                let (cond, status, tone, fields) = match view {
                    Some((c, v)) if started => (c, v.status, v.tone, v.fields),
                    _ => (Condition::Up, "not started".to_string(), faultline_sim::Tone::Neutral, Vec::new()),
                };
                let badge = match cond {
                    Condition::Up => html! {},
                    Condition::Paused => html! { <span class="badge paused">{"PAUSED"}</span> },
                    Condition::Down => html! { <span class="badge down">{"DOWN"}</span> },
                };
                let node = lane.node;
                let select = p.on_select.reform(move |_: MouseEvent| Target::Node(node));
                html! {
                    <div class={classes!("panel", format!("role-{}", lane.role))} data-node={lane.name.clone()}>
                        <div class="panel-head">
                            <button class="linklike" onclick={select} aria-label={format!("{}: inject a fault", lane.name)}>
                                <strong>{&lane.name}</strong>
                            </button>
                            {badge}
                        </div>
                        <div class={classes!("status", tone_class(tone))}>{status}</div>
                        <dl>
                            { for fields.iter().map(|(k, v)| html! { <><dt>{k}</dt><dd>{v}</dd></> }) }
                        </dl>
                    </div>
                }
            }) }
        </section>
    }
}
