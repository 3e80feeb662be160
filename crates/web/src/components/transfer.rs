//! Export and import: copy the link, download the trace as JSON and the diagram as SVG or PNG, import a trace
//! file (checked by `crate::transfer` before anything on screen changes).

use super::{parse_px, px};
use crate::state::Action;
use crate::transfer::MAX_IMPORT_BYTES;
use faultline_sim::Trace;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// The colour variables the diagram uses; their current values (light or dark) are written into the export.
const VARS: &[&str] = &[
    "--bg",
    "--fg",
    "--muted",
    "--card",
    "--line",
    "--lane",
    "--info",
    "--good",
    "--warn",
    "--bad",
    "--pause",
    "--warn-bg",
    "--mono",
    "--sans",
];

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Offer `url` as a download named `name`.
fn save_url(url: &str, name: &str) -> Result<(), JsValue> {
    let doc = document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(url);
    a.set_download(name);
    a.click();
    Ok(())
}

fn save_text(text: &str, mime: &str, name: &str) -> Result<(), JsValue> {
    let url = blob_url(text, mime)?;
    save_url(&url, name)?;
    // Give the download a moment before the URL goes.
    gloo::timers::callback::Timeout::new(2_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

fn blob_url(text: &str, mime: &str) -> Result<String, JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    web_sys::Url::create_object_url_with_blob(&blob)
}

/// The diagram as a standalone SVG document: the visible part, with its styles and current colours.
fn svg_markup(id: &str) -> Result<(String, f64, f64), JsValue> {
    let doc = document().ok_or("no document")?;
    let svg = doc.get_element_by_id(id).ok_or("no diagram")?;
    let scroller = svg.parent_element().ok_or("no scroller")?;
    let (x, w) = (scroller.scroll_left() as f64, (scroller.client_width() as f64).max(1.0));
    let h = svg.get_attribute("height").as_deref().and_then(parse_px).unwrap_or(400.0);
    let clone: web_sys::Element = svg.clone_node_with_deep(true)?.dyn_into()?;
    clone.set_attribute("viewBox", &format!("{} 0 {} {}", px(x), px(w), px(h)))?;
    clone.set_attribute("width", &px(w))?;
    clone.set_attribute("xmlns", "http://www.w3.org/2000/svg")?;
    let root = doc.document_element().ok_or("no root")?;
    let computed = web_sys::window().ok_or("no window")?.get_computed_style(&root)?.ok_or("no style")?;
    let vars: String =
        VARS.iter().map(|v| format!("{v}:{};", computed.get_property_value(v).unwrap_or_default().trim())).collect();
    let markup = clone.outer_html();
    let css = diagram_css(&doc);
    let cut = markup.find('>').ok_or("bad markup")? + 1;
    let style = format!("<style>svg.seq{{{vars}}}\n{css}</style>");
    Ok((format!("{}{}{}", &markup[..cut], style, &markup[cut..]), w, h))
}

/// The rules of the page's diagram stylesheet (`www/diagram.css`), to embed into an exported SVG so that the
/// file looks like the page.
fn diagram_css(doc: &web_sys::Document) -> String {
    let mut css = String::new();
    let sheets = doc.style_sheets();
    for i in 0..sheets.length() {
        let Some(sheet) = sheets.item(i).and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok()) else { continue };
        if !sheet.href().ok().flatten().is_some_and(|h| h.contains("diagram")) {
            continue;
        }
        if let Ok(rules) = sheet.css_rules() {
            for j in 0..rules.length() {
                if let Some(rule) = rules.item(j) {
                    css.push_str(&rule.css_text());
                    css.push('\n');
                }
            }
        }
    }
    css
}

fn save_png(id: &str, name: &str) -> Result<(), JsValue> {
    let (svg, w, h) = svg_markup(id)?;
    let url = blob_url(&svg, "image/svg+xml")?;
    let img = web_sys::HtmlImageElement::new()?;
    let name = name.to_string();
    let img2 = img.clone();
    let url2 = url.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let draw = || -> Result<(), JsValue> {
            let doc = document().ok_or("no document")?;
            let canvas: web_sys::HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
            canvas.set_width((w * 2.0) as u32);
            canvas.set_height((h * 2.0) as u32);
            let ctx: web_sys::CanvasRenderingContext2d =
                canvas.get_context("2d")?.ok_or("no 2d context")?.dyn_into()?;
            ctx.scale(2.0, 2.0)?;
            ctx.draw_image_with_html_image_element(&img2, 0.0, 0.0)?;
            save_url(&canvas.to_data_url_with_type("image/png")?, &name)
        };
        let _ = draw();
        let _ = web_sys::Url::revoke_object_url(&url2);
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
    Ok(())
}

/// Copy text to the clipboard where the browser allows it; false where it does not.
fn copy_to_clipboard(text: &str) -> bool {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return false };
    let has = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard")).map(|c| !c.is_undefined()).unwrap_or(false);
    if !has {
        return false;
    }
    let _ = nav.clipboard().write_text(text);
    true
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub trace: Rc<Trace>,
    pub dispatch: Callback<Action>,
}

#[function_component(Transfer)]
pub fn transfer(p: &Props) -> Html {
    let d = p.dispatch.clone();
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let base = format!("faultline-{}-seed{}", p.trace.scenario, p.trace.seed);
    let report = |d: &Callback<Action>, r: Result<(), JsValue>, what: &str| {
        if let Err(e) = r {
            let why = e.as_string().unwrap_or_else(|| "the browser refused".into());
            d.emit(Action::Notice(format!("Could not {what}: {why}.")));
        }
    };
    let copy_link = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
            if copy_to_clipboard(&href) {
                d.emit(Action::Notice("Link copied: it reproduces exactly this screen.".into()));
            } else {
                d.emit(Action::Notice(format!("Copy this link: {href}")));
            }
        })
    };
    let json = {
        let (d, trace, name) = (d.clone(), p.trace.clone(), format!("{base}.json"));
        Callback::from(move |_: MouseEvent| {
            let text = serde_json::to_string_pretty(&*trace).unwrap_or_default();
            report(&d, save_text(&text, "application/json", &name), "download the trace");
        })
    };
    let svg = {
        let (d, name) = (d.clone(), format!("{base}.svg"));
        Callback::from(move |_: MouseEvent| {
            let r = svg_markup("sequence").and_then(|(s, _, _)| save_text(&s, "image/svg+xml", &name));
            report(&d, r, "save the diagram");
        })
    };
    let png = {
        let (d, name) = (d.clone(), format!("{base}.png"));
        Callback::from(move |_: MouseEvent| report(&d, save_png("sequence", &name), "save the diagram"))
    };
    let import = {
        let d = d.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let name = file.name();
            if file.size() > MAX_IMPORT_BYTES as f64 {
                let why = crate::transfer::too_large();
                d.emit(Action::Notice(format!("Could not import {name}: {why}. The current run is unchanged.")));
                return;
            }
            let d = d.clone();
            let file = gloo::file::File::from(file);
            *reader.borrow_mut() = Some(gloo::file::callbacks::read_as_text(&file, move |r| match r {
                Ok(text) => d.emit(Action::Import(name, text)),
                Err(e) => d.emit(Action::Notice(format!("Could not read {name}: {e}. The current run is unchanged."))),
            }));
        })
    };
    let _keep: Rc<RefCell<_>> = reader;
    html! {
        <section class="transfer" aria-label="Share, export and import">
            <button id="btn-copy-link" onclick={copy_link}>{"Copy link"}</button>
            <button id="btn-export-json" onclick={json}>{"Trace JSON"}</button>
            <button id="btn-export-svg" onclick={svg}>{"Diagram SVG"}</button>
            <button id="btn-export-png" onclick={png}>{"Diagram PNG"}</button>
            <label class="import">{"Import trace "}
                <input id="import-file" type="file" accept="application/json,.json" onchange={import} aria-label="Import a trace JSON file" />
            </label>
        </section>
    }
}
