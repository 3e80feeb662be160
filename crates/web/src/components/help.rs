//! The `?` overlay: every keyboard shortcut.

use yew::prelude::*;

pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("← / →", "step back / forward"),
    ("Shift + ← / →", "previous / next fault or violation"),
    ("Home / End", "start / end of the run"),
    ("r", "reset to the start"),
    ("1 … 9", "speed: 1, 2, 4 … 256 steps per second"),
    ("p", "presenter mode: the projector layout; its Speaker window shows captions, notes and the time"),
    ("c", "compare side by side: the fix off and on, or the same failure in a sibling scenario"),
    ("n / b", "next / previous chapter (in presenter mode b or . blacks the screen out, as a remote's blank key)"),
    (
        "PageDown / PageUp",
        "next / previous beat of the story (a presentation remote; in presenter mode the arrows too)",
    ),
    ("Esc", "close this help and the fault menu"),
    ("?", "this help"),
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub on_close: Callback<()>,
}

#[function_component(Help)]
pub fn help(p: &Props) -> Html {
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" id="help">
            <div class="dialog">
                <h2 id="help-title">{"Keyboard shortcuts"}</h2>
                <table>
                    { for SHORTCUTS.iter().map(|(k, what)| html! { <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr> }) }
                </table>
                <p class="hint">{"Click a node's name or a message in flight to inject a fault. Click the diagram to move there."}</p>
                <button onclick={close} autofocus=true>{"Close"}</button>
            </div>
        </div>
    }
}
