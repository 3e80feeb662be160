//! Fork by click: for the node or message selected on the diagram, the faults that can strike it now; and the
//! list of injected faults, each removable. A fault joins the plan just after the current step, the run
//! re-executes, and everything already on screen stays exactly as it was.

use crate::state::{Action, Target, CLICK_DELAY_US, CLICK_DRIFT_PPM, CLICK_JUMP_US, CLICK_PAUSE_US};
use faultline_sim::fault::fmt_us;
use faultline_sim::{Fault, FaultPlan, NodeId, Trace};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selected: Option<Target>,
    pub faults: FaultPlan,
    pub trace: Rc<Trace>,
    pub at_us: u64,
    pub cursor: u32,
    pub dispatch: Callback<Action>,
}

/// The faults that can strike `t` now: a function of its own, not inlined, so that a page's first load, where nothing
/// is selected, does not carry it (the build splits the wasm by function: `xtask/src/split.rs`).
#[inline(never)]
fn faults_for(p: &Props, t: Target) -> Html {
    let inject = |label: String, f: Fault| {
        let onclick = p.dispatch.reform(move |_: MouseEvent| Action::Inject(f.clone()));
        html! { <button class="inject" {onclick}>{label}</button> }
    };
    let name = |id: NodeId| p.trace.node_name(id);
    let node_count = p.trace.nodes.len() as NodeId;
    match t {
        Target::Node(n) => html! {
            <>
                <strong>{format!("{}: ", name(n))}</strong>
                { inject("crash".into(), Fault::Crash { node: n }) }
                { inject("restart".into(), Fault::Restart { node: n }) }
                { inject(format!("pause {}", fmt_us(CLICK_PAUSE_US as i64)), Fault::Pause { node: n, for_us: CLICK_PAUSE_US }) }
                { inject(format!("clock +{}", fmt_us(CLICK_JUMP_US)), Fault::ClockJump { node: n, by_us: CLICK_JUMP_US }) }
                { inject(format!("clock −{}", fmt_us(CLICK_JUMP_US)), Fault::ClockJump { node: n, by_us: -CLICK_JUMP_US }) }
                { inject(format!("clock {:+}% fast", CLICK_DRIFT_PPM / 10_000), Fault::ClockDrift { node: n, ppm: CLICK_DRIFT_PPM }) }
                { inject("time out now".into(), Fault::Timeout { node: n }) }
                <span class="sep">{"cut link to"}</span>
                { for (0..node_count).filter(|&o| o != n).map(|o| html! {
                    <span class="pair">
                        { inject(format!("{} →", name(o)), Fault::Cut { from: n, to: o, both: false }) }
                        { inject("↔".into(), Fault::Cut { from: n, to: o, both: true }) }
                    </span>
                }) }
                { inject("heal all links".into(), Fault::HealAll) }
            </>
        },
        Target::Link(a, b) => html! {
            <>
                <strong>{format!("link {} ↔ {}: ", name(a), name(b))}</strong>
                { inject("cut both ways".into(), Fault::Cut { from: a, to: b, both: true }) }
                { inject(format!("cut {} → {}", name(a), name(b)), Fault::Cut { from: a, to: b, both: false }) }
                { inject(format!("cut {} → {}", name(b), name(a)), Fault::Cut { from: b, to: a, both: false }) }
                { inject("heal".into(), Fault::Heal { from: a, to: b, both: true }) }
            </>
        },
        Target::Message(id) => html! {
            <>
                <strong>{format!("message #{id} ({}): ", p.trace.message_label(id).unwrap_or("?"))}</strong>
                { inject("drop it".into(), Fault::DropMessage { id: id.into() }) }
                { inject(format!("delay it {}", fmt_us(CLICK_DELAY_US as i64)), Fault::DelayMessage { id: id.into(), by_us: CLICK_DELAY_US }) }
            </>
        },
    }
}

#[function_component(FaultBar)]
pub fn fault_bar(p: &Props) -> Html {
    let d = &p.dispatch;
    let name = |id: NodeId| p.trace.node_name(id);
    let actions = match p.selected {
        None => html! {
            <span class="hint">{"Click a node's name, or a message in flight, to inject a fault at this step."}</span>
        },
        Some(t) => faults_for(p, t),
    };
    let close = d.reform(|_: MouseEvent| Action::Select(None));
    html! {
        <section class={classes!("faultbar", p.selected.is_none().then_some("idle"))} id="fault-bar" aria-label="Inject faults">
            <div class="row">
                <span class="at">{format!("at step {} (t = {}):", p.cursor, fmt_us(p.at_us as i64))}</span>
                {actions}
                if p.selected.is_some() {
                    <button class="close" onclick={close} aria-label="Close the fault menu">{"×"}</button>
                }
            </div>
            if !p.faults.is_empty() {
                <div class="row injected">
                    <span>{"injected:"}</span>
                    <ol id="fault-list">
                        { for p.faults.entries().iter().enumerate().map(|(i, e)| {
                            let remove = d.reform(move |_: MouseEvent| Action::RemoveFault(i));
                            html! {
                                <li>
                                    {format!("{} at {}", e.fault.describe(&name), fmt_us(e.at_us as i64))}
                                    <button class="remove" onclick={remove} aria-label={format!("Remove fault {}", i + 1)}>{"×"}</button>
                                </li>
                            }
                        }) }
                    </ol>
                    <button onclick={d.reform(|_: MouseEvent| Action::ClearFaults)}>{"remove all"}</button>
                </div>
            }
        </section>
    }
}
