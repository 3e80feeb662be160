//! One component per file.

pub mod app;
pub mod banner;
pub mod chapters;
pub mod chart;
pub mod controls;
pub mod event_log;
pub mod fault_bar;
pub mod finder;
pub mod front_door;
pub mod help;
pub mod narrative;
pub mod node_panels;
pub mod notices;
pub mod params_panel;
pub mod population;
pub mod ring;
pub mod sequence;
pub mod speaker;
pub mod transfer;
pub mod workshop;

use crate::model::Model;
use std::rc::Rc;

/// A shared model compared by identity: a new run is a new model, so props compare in O(1).
#[derive(Clone)]
pub struct ModelRef(pub Rc<Model>);

impl PartialEq for ModelRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for ModelRef {
    type Target = Model;
    fn deref(&self) -> &Model {
        &self.0
    }
}

/// The CSS class for a tone.
pub fn tone_class(t: faultline_sim::Tone) -> &'static str {
    use faultline_sim::Tone::*;
    match t {
        Neutral => "tone-neutral",
        Info => "tone-info",
        Good => "tone-good",
        Warn => "tone-warn",
        Bad => "tone-bad",
    }
}

/// An SVG coordinate with one decimal, written with integer formatting only (float formatting would add
/// kilobytes of code to the bundle for nothing).
pub fn px(x: f64) -> String {
    let t = (x * 10.0).round() as i64;
    let (whole, tenth) = (t / 10, (t % 10).abs());
    match (tenth, t < 0 && whole == 0) {
        (0, _) => whole.to_string(),
        (_, true) => format!("-0.{tenth}"),
        _ => format!("{whole}.{tenth}"),
    }
}

/// Read back what [`px`] wrote (`12.3`, `-0.5`, `900`), with integer parsing only: `str::parse::<f64>` would add
/// the standard library's float-parsing tables to the page, 10 KB of wasm that gzip cannot shrink.
pub fn parse_px(s: &str) -> Option<f64> {
    let (sign, digits) = s.strip_prefix('-').map_or((1.0, s), |rest| (-1.0, rest));
    let (whole, tenth) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(tenth) || tenth.len() > 1 {
        return None;
    }
    Some(sign * (whole.parse::<u32>().ok()? as f64 + f64::from(tenth.parse::<u8>().ok()?) / 10.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parse_px_reads_what_px_writes_and_nothing_else() {
        for x in [0.0, 12.3, 12.4, -0.5, -3.3, 900.0, 4567.8] {
            assert_eq!(super::parse_px(&super::px(x)), Some(x), "{x}");
        }
        for bad in ["", "-", ".", "1.", ".5", "1.25", "1e3", "12px", "nan", "+3", "--1", "99999999999"] {
            assert_eq!(super::parse_px(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn px_writes_one_decimal() {
        for (x, s) in [(0.0, "0"), (12.34, "12.3"), (12.36, "12.4"), (-0.5, "-0.5"), (-3.25, "-3.3"), (900.0, "900")] {
            assert_eq!(super::px(x), s, "{x}");
        }
    }
}

/// Set one CSS property of an element through the CSSOM. The site's Content Security Policy has no
/// `'unsafe-inline'` for styles, so a `style` attribute (written as markup or by `setAttribute`) is refused;
/// a property set on `element.style` is not.
pub fn set_css(el: &web_sys::Element, property: &str, value: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.style().set_property(property, value);
    }
}

/// Styles that follow the data (a lane's height, a gauge's fill, a state's colour) are written as
/// `data-css="top: 12px"` in the markup; after every render this hook sets them through the CSSOM on every such
/// element under `root` (see [`set_css`] for why not a `style` attribute).
#[yew::hook]
pub fn use_data_css(root: yew::NodeRef) {
    yew::use_effect(move || {
        if let Some(root) = root.cast::<web_sys::Element>() {
            apply_data_css(&root);
        }
    });
}

fn apply_data_css(root: &web_sys::Element) {
    let Ok(list) = root.query_selector_all("[data-css]") else { return };
    for i in 0..list.length() {
        let Some(el) = list.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok()) else {
            continue;
        };
        for decl in el.get_attribute("data-css").unwrap_or_default().split(';') {
            if let Some((property, value)) = decl.split_once(':') {
                set_css(&el, property.trim(), value.trim());
            }
        }
    }
}
