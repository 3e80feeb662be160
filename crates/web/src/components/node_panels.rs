//! One panel per node: its status and fields as of the current step (as the node itself sees them).

use super::{tone_class, ModelRef};
use faultline_sim::Condition;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
}

#[function_component(NodePanels)]
pub fn node_panels(p: &Props) -> Html {
    html! {
        <section class="panels" aria-label="Nodes">
            <h2>{"Nodes"}</h2>
            { for p.model.lanes.iter().map(|lane| {
                let view = p.model.view_at(lane.node, p.cursor);
                let (cond, status, tone, fields) = match view {
                    Some((c, v)) => (c, v.status.clone(), v.tone, v.fields.clone()),
                    None => (Condition::Up, "not started".to_string(), faultline_sim::Tone::Neutral, Vec::new()),
                };
                let badge = match cond {
                    Condition::Up => html! {},
                    Condition::Paused => html! { <span class="badge paused">{"PAUSED"}</span> },
                    Condition::Down => html! { <span class="badge down">{"DOWN"}</span> },
                };
                html! {
                    <div class={classes!("panel", format!("role-{}", lane.role))} data-node={lane.name.clone()}>
                        <div class="panel-head"><strong>{&lane.name}</strong>{badge}</div>
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
