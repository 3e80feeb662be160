//! Problems with what the user gave us (URL values, knob values), each naming the value and the fallback.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub notices: Vec<String>,
    pub on_dismiss: Callback<()>,
}

#[function_component(Notices)]
pub fn notices(p: &Props) -> Html {
    if p.notices.is_empty() {
        return html! {};
    }
    let dismiss = p.on_dismiss.reform(|_: MouseEvent| ());
    html! {
        <div class="notices" id="notices" role="status">
            <ul>{ for p.notices.iter().map(|n| html! { <li>{n}</li> }) }</ul>
            <button class="dismiss" onclick={dismiss} aria-label="Dismiss these messages">{"Dismiss"}</button>
        </div>
    }
}
