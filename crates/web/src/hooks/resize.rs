//! Measure an element whenever its size changes.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Call `measured` with the element behind `node` once it is mounted and again whenever its size changes (a
/// resized window, a projector's zoom, a column that narrows). A `ResizeObserver` reports after layout, so reading
/// the element's sizes there forces none; it also reports the size an element starts with.
#[hook]
pub fn use_resize(node: NodeRef, measured: impl Fn(&web_sys::Element) + 'static) {
    use_effect_with((), move |_| {
        let observer = node.cast::<web_sys::Element>().and_then(|el| {
            let seen = el.clone();
            let on_resize = Closure::<dyn FnMut()>::new(move || measured(&seen));
            let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
            observer.observe(&el);
            Some((observer, on_resize))
        });
        move || {
            if let Some((observer, _)) = observer {
                observer.disconnect();
            }
        }
    });
}
