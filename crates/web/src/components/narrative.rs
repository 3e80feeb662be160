//! The scenario's story for learners: protocol, what to watch, why it fails, the fix, the source.

use faultline_sim::Section;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sections: &'static [Section],
}

#[function_component(Narrative)]
pub fn narrative(p: &Props) -> Html {
    html! {
        <section class="narrative" aria-label="About this scenario">
            { for p.sections.iter().map(|s| html! {
                <article>
                    <h3>{s.title}</h3>
                    <p>{s.body}</p>
                </article>
            }) }
        </section>
    }
}
