//! The scenario's knobs, from its parameter specs: a number box, a checkbox or a list of options each, with its
//! doc and range.
//! A change re-runs the scenario; a bad value becomes a notice and changes nothing.

use crate::state::Action;
use faultline_sim::{ParamKind, ParamValue, Params};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub params: Params,
    pub dispatch: Callback<Action>,
}

#[function_component(ParamsPanel)]
pub fn params_panel(p: &Props) -> Html {
    let reset = p.dispatch.reform(|_: MouseEvent| Action::ResetParams);
    html! {
        <section class="params" aria-label="Parameters">
            <h2>{"Parameters"}</h2>
            <form onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            { for p.params.iter().map(|(spec, value)| {
                let key = spec.key;
                let id = format!("param-{key}");
                let input = match (spec.kind, value) {
                    (ParamKind::Bool { .. }, ParamValue::Bool(on)) => {
                        let onchange = p.dispatch.reform(move |e: Event| {
                            let on = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.checked()).unwrap_or(false);
                            Action::SetParam(key.to_string(), on.to_string())
                        });
                        html! { <input id={id.clone()} type="checkbox" checked={on} {onchange} /> }
                    }
                    (ParamKind::Int { min, max, .. }, v) => {
                        let onchange = p.dispatch.reform(move |e: Event| {
                            let raw = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default();
                            Action::SetParam(key.to_string(), raw)
                        });
                        html! { <input id={id.clone()} type="number" min={min.to_string()} max={max.to_string()} value={v.to_string()} {onchange} /> }
                    }
                    (ParamKind::Choice { options, .. }, v) => {
                        let onchange = p.dispatch.reform(move |e: Event| {
                            let raw = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value()).unwrap_or_default();
                            Action::SetParam(key.to_string(), raw)
                        });
                        let chosen = v.to_string();
                        html! {
                            <select id={id.clone()} {onchange}>
                                { for options.iter().map(|o| html! { <option value={*o} selected={*o == chosen}>{*o}</option> }) }
                            </select>
                        }
                    }
                    _ => html! {},
                };
                let changed = spec.default_value() != value;
                html! {
                    <div class={classes!("param", changed.then_some("changed"))} title={spec.doc}>
                        <label for={id}>{key}</label>
                        {input}
                        <span class="range">{spec.range_text()}</span>
                        <p class="doc">{spec.doc}</p>
                    </div>
                }
            }) }
            </form>
            <button onclick={reset} class="reset">{"Reset parameters and faults"}</button>
        </section>
    }
}
