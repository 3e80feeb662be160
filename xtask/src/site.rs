//! The built site: a page per scenario. trunk builds the page once with every scenario (the front door and the
//! workshop plan show them all), then once per scenario with that scenario's cargo feature alone, and once per pair
//! of scenarios that compare with each other, for their compare view (two-phase commit beside the saga). Every
//! build's glue and wasm go into one folder, and `index.html` starts `loader.js` (www/loader.js), which reads the URL
//! and starts the module that holds what it names.

use crate::{optimize_wasm, root, run, step, Result};
use std::path::Path;
use std::process::Command;

/// The page's Content Security Policy, written into `index.html` as a `<meta http-equiv>` (README: "Content Security
/// Policy" gives it for servers that send it as a header, where `frame-ancestors` can be added). Scripts from the site
/// only, with `'wasm-unsafe-eval'` to compile its wasm (no `'unsafe-inline'`, no `'unsafe-eval'`); styles, images,
/// connections and workers from the site only. `blob:` images: the PNG export draws the page's own diagram, as an SVG
/// blob the page made itself, onto a canvas.
pub const CSP: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob:; \
                       connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'";

/// A page's module: its name and the scenarios it holds.
pub struct Page {
    pub name: String,
    pub ids: Vec<&'static str>,
    /// The compare view of two scenarios that meet the same failure two ways (two-phase commit and the saga): both
    /// in one module, for `view=compare` links and the compare button of either scenario's own page.
    pub compare: bool,
}

/// The pages' modules: one per scenario (a first load carries that scenario only), and one per pair of scenarios
/// that compare with each other ([`faultline_sim::Counterpart`]), named after both: `two-phase-commit+saga`.
pub fn pages() -> Vec<Page> {
    let mut pages: Vec<Page> = faultline_scenarios::all()
        .iter()
        .map(|s| Page { name: s.id().to_string(), ids: vec![s.id()], compare: false })
        .collect();
    for s in faultline_scenarios::all() {
        // Compare mode shows the counterpart only when the scenario has no mitigation to flip (state/run.rs).
        let Some(other) = s.counterpart().filter(|_| s.mitigation().is_none()).map(|c| c.scenario) else { continue };
        if !pages.iter().any(|p| p.compare && p.ids.contains(&s.id()) && p.ids.contains(&other)) {
            pages.push(Page { name: format!("{}+{other}", s.id()), ids: vec![s.id(), other], compare: true });
        }
    }
    pages
}

/// Build the site into `dist` (release, relative paths so that it works from any sub-path). Returns the map of
/// pages that `index.html` holds for the loader.
pub fn build(dist: &Path) -> Result<serde_json::Value> {
    step("building the site: the page with every scenario (trunk build --release)");
    run(Command::new("trunk").args(["build", "--release", "--dist"]).arg(dist))?;
    let html = std::fs::read_to_string(dist.join("index.html")).map_err(|e| format!("reading the built page: {e}"))?;
    let mut map = serde_json::Map::new();
    let all = modules(dist)?;
    note_data(dist, &all)?;
    map.insert("all".into(), all);
    let (mut scenarios, mut compare) = (serde_json::Map::new(), serde_json::Map::new());
    let parts = root().join("target/site-pages");
    for Page { name, ids, compare: pair } in pages() {
        step(&format!("building the page of {}", ids.join(" and ")));
        let out = parts.join(&name);
        let features: Vec<String> = ids.iter().map(|id| format!("faultline-scenarios/{id}")).collect();
        run(Command::new("trunk")
            .args(["build", "--release", "--no-default-features", "--features", &features.join(","), "--dist"])
            .arg(&out))?;
        let files = modules(&out)?;
        note_data(&out, &files)?;
        for f in ["js", "wasm"] {
            let file = file(&files, f);
            std::fs::copy(out.join(file), dist.join(file)).map_err(|e| format!("copying {file}: {e}"))?;
        }
        map.insert(name.clone(), files);
        for id in ids {
            (if pair { &mut compare } else { &mut scenarios }).insert(id.into(), name.clone().into());
        }
    }
    let first = faultline_scenarios::CATALOG.first().copied().unwrap_or_default();
    let mut map =
        serde_json::json!({ "first": first, "all": "all", "scenarios": scenarios, "compare": compare, "pages": map });
    split_pages(dist, &html, &mut map)?;
    step("minifying the pages' scripts and stylesheets (terser, csso)");
    let mut html = html;
    for e in std::fs::read_dir(dist).map_err(|e| format!("reading {}: {e}", dist.display()))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("faultline-web-") && name.ends_with(".js") {
            crate::minify(&e.path())?;
        } else if name.ends_with(".css") && html.contains(&format!("href=\"./{name}\"")) {
            crate::minify(&e.path())?;
            html = with_integrity(&html, &name, &e.path())?;
        }
    }
    crate::minify(&dist.join("loader.js"))?;
    let page = with_loader(&html, &map)?;
    std::fs::write(dist.join("index.html"), &page).map_err(|e| format!("writing the page: {e}"))?;
    // The page names every hashed file of the build: its fingerprint is the offline cache's version.
    let worker = std::fs::read_to_string(dist.join("sw.js")).map_err(|e| format!("reading sw.js: {e}"))?;
    let version = format!("{:016x}", faultline_sim::hash::fingerprint(&page));
    std::fs::write(dist.join("sw.js"), with_version(&worker, &version)?).map_err(|e| format!("writing sw.js: {e}"))?;
    Ok(map)
}

/// Every page's module in two parts (see `split`): each page is opened in headless Chromium with its module
/// instrumented, as first visits open it (`tests/e2e/split-profile.mjs`), and what that ran stays in the page's
/// module; the rest is fetched once the first part has come. The imports from the glue get short names, and each part is
/// optimised (`optimize_wasm`). The parts and the glue (which names the rest) are named by a hash of the three: a new
/// split is a new name, for the browser's cache and the offline worker's.
fn split_pages(dist: &Path, html: &str, map: &mut serde_json::Value) -> Result {
    step(
        "splitting each page's wasm: what its first load runs, and the rest (profiled in headless Chromium); then \
         optimising each part (wasm-opt -O3)",
    );
    let profiled = root().join("target/split-profile");
    let _ = std::fs::remove_dir_all(&profiled);
    std::fs::create_dir_all(&profiled).map_err(|e| format!("creating {}: {e}", profiled.display()))?;
    for e in std::fs::read_dir(dist).map_err(|e| format!("reading {}: {e}", dist.display()))?.flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), profiled.join(e.file_name())).map_err(|e| format!("copying the site: {e}"))?;
        }
    }
    std::fs::write(profiled.join("index.html"), with_loader(html, map)?)
        .map_err(|e| format!("writing the page to profile: {e}"))?;
    let pages: Vec<(String, serde_json::Value)> =
        map["pages"].as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    let mut queries = serde_json::Map::new();
    for (name, files) in &pages {
        let wasm = std::fs::read(dist.join(file(files, "wasm"))).map_err(|e| format!("reading {name}'s wasm: {e}"))?;
        std::fs::write(profiled.join(file(files, "wasm")), crate::split::instrument(&wasm)?)
            .map_err(|e| format!("writing {name}'s instrumented wasm: {e}"))?;
        // A scenario's page is first opened at its playground; a compare page, at the compare view of each of its two.
        let opened = |kind: &str, query: &str| -> Vec<String> {
            let held = map[kind].as_object().into_iter().flatten().filter(|(_, p)| p.as_str() == Some(name));
            held.map(|(id, _)| format!("?scenario={id}{query}")).collect()
        };
        let held = match name.as_str() {
            "all" => vec![String::new()],
            _ => [opened("scenarios", ""), opened("compare", "&view=compare")].concat(),
        };
        queries.insert(name.clone(), held.into());
    }
    let out = profiled.join("profiles");
    run(Command::new("node")
        .arg("tests/e2e/split-profile.mjs")
        .arg(&out)
        .arg(serde_json::Value::Object(queries).to_string())
        .env("FAULTLINE_SITE", &profiled)
        .env("CHROMIUM", crate::chromium()))?;
    for (name, files) in pages {
        let (js, wasm) = (file(&files, "js").to_string(), file(&files, "wasm").to_string());
        let whole = std::fs::read(dist.join(&wasm)).map_err(|e| format!("reading {name}'s wasm: {e}"))?;
        let profile =
            std::fs::read(out.join(format!("{name}.bin"))).map_err(|e| format!("reading {name}'s profile: {e}"))?;
        let mut parts = crate::split::split(&whole, &profile)?;
        if parts.moved == 0 {
            println!("  {name}: all {} functions ran on its first load: not split", parts.functions);
            // Without the section that carried its data objects to the split.
            let first = optimized(&profiled, &format!("{name}-first.wasm"), &parts.first)?;
            std::fs::write(dist.join(&wasm), first).map_err(|e| format!("writing {wasm}: {e}"))?;
            continue;
        }
        let glue = std::fs::read_to_string(dist.join(&js)).map_err(|e| format!("reading {name}'s glue: {e}"))?;
        let (first, glue) = crate::split::shorten_imports(&parts.first, &glue)?;
        // Each part is optimised on its own, after the split: binaryen's inliner then cannot fold code that only a
        // learner's input runs into the functions a first load runs.
        parts.first = optimized(&profiled, &format!("{name}-first.wasm"), &first)?;
        parts.rest = optimized(&profiled, &format!("{name}-rest.wasm"), &parts.rest)?;
        let hash = faultline_sim::hash::fingerprint(&(&parts.first, &parts.rest, &glue));
        let stem = format!("faultline-web-{hash:016x}");
        let rest = format!("{stem}_rest.wasm");
        let glue = crate::split::glue(&glue, &rest)?;
        for old in [&js, &wasm] {
            std::fs::remove_file(dist.join(old)).map_err(|e| format!("removing {old}: {e}"))?;
        }
        let write =
            |f: &str, bytes: &[u8]| std::fs::write(dist.join(f), bytes).map_err(|e| format!("writing {f}: {e}"));
        write(&format!("{stem}.js"), glue.as_bytes())?;
        write(&format!("{stem}_bg.wasm"), &parts.first)?;
        write(&rest, &parts.rest)?;
        let data = match &parts.data {
            Ok(bytes) => format!("{bytes} bytes of data"),
            Err(why) => format!("no data ({why})"),
        };
        println!(
            "  {name}: {} of {} functions in the first part, {} and {data} in the rest",
            parts.kept, parts.functions, parts.moved
        );
        map["pages"][&name] = serde_json::json!({
            "js": format!("./{stem}.js"), "wasm": format!("./{stem}_bg.wasm"), "rest": format!("./{rest}"),
        });
    }
    Ok(())
}

/// `wasm` optimised (`optimize_wasm`), through the file `name` in `dir`.
fn optimized(dir: &Path, name: &str, wasm: &[u8]) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::write(&path, wasm).map_err(|e| format!("writing {}: {e}", path.display()))?;
    optimize_wasm(&path)?;
    std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// A build's wasm with its data objects noted for the split (`split_data::note`), in place. It is optimised once
/// split, part by part (trunk's own wasm-opt step is off: see `optimize_wasm`). The loader fetches it by name without
/// an integrity hash, and the same input gives the same output, so the name still names one content.
fn note_data(dir: &Path, files: &serde_json::Value) -> Result {
    let wasm = dir.join(file(files, "wasm"));
    let bytes = std::fs::read(&wasm).map_err(|e| format!("reading {}: {e}", wasm.display()))?;
    std::fs::write(&wasm, crate::split_data::note(&bytes)?).map_err(|e| format!("writing {}: {e}", wasm.display()))
}

/// trunk's page with the Subresource Integrity value of the stylesheet `name` (`integrity="sha384-…"` on its link)
/// made that of `file` as it is now: a browser refuses a stylesheet whose bytes do not match it.
fn with_integrity(html: &str, name: &str, file: &Path) -> Result<String> {
    let link = format!("href=\"./{name}\" integrity=\"");
    let Some(at) = html.find(&link).map(|i| i + link.len()) else { return Ok(html.to_string()) };
    let end = html[at..].find('"').ok_or("a link's integrity attribute does not end")? + at;
    let digest = crate::output(
        "node",
        &[
            "-e",
            "process.stdout.write('sha384-' + require('crypto').createHash('sha384')\
                 .update(require('fs').readFileSync(process.argv[1])).digest('base64'))",
            &file.to_string_lossy(),
        ],
    )
    .filter(|d| d.starts_with("sha384-") && d.len() > 7)
    .ok_or_else(|| format!("hashing {name} for its integrity attribute"))?;
    Ok(format!("{}{digest}{}", &html[..at], &html[end..]))
}

/// The file that a page's entry in the map names under `key` (`"./faultline-web-….js"` → `faultline-web-….js`);
/// empty if it names none.
pub fn file<'a>(files: &'a serde_json::Value, key: &str) -> &'a str {
    files[key].as_str().unwrap_or_default().trim_start_matches("./")
}

/// The glue and the wasm of one trunk build: `{"js": "./faultline-web-….js", "wasm": "./…_bg.wasm"}`.
fn modules(dir: &Path) -> Result<serde_json::Value> {
    let mut js = None;
    let mut wasm = None;
    for e in std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("faultline-web-") && name.ends_with("_bg.wasm") {
            wasm = Some(name);
        } else if name.starts_with("faultline-web-") && name.ends_with(".js") {
            js = Some(name);
        }
    }
    match (js, wasm) {
        (Some(js), Some(wasm)) => Ok(serde_json::json!({ "js": format!("./{js}"), "wasm": format!("./{wasm}") })),
        _ => Err(format!("{} holds no faultline-web glue and wasm", dir.display())),
    }
}

/// The service worker with the build's version in place of its `'dev'`.
pub fn with_version(worker: &str, version: &str) -> Result<String> {
    const DEV: &str = "const VERSION = 'dev';";
    if worker.matches(DEV).count() != 1 {
        return Err(format!("www/sw.js must hold `{DEV}` once, for the build to write its version there"));
    }
    Ok(worker.replace(DEV, &format!("const VERSION = '{version}';")))
}

/// trunk's page with its inline start script and its preload links replaced by the map and `loader.js`. The map goes
/// in short ([`short_map`]), in single quotes: its JSON's double quotes need no escape there. The stylesheet of what a
/// scenario's page does not draw as it opens (`www/later.css`) is switched off, for the loader to switch on.
pub fn with_loader(html: &str, map: &serde_json::Value) -> Result<String> {
    let start = html.find("<script type=\"module\">").ok_or("the built page has no start script")?;
    let end = html[start..].find("</script>").ok_or("the built page's start script does not end")? + start + 9;
    let mut out = format!("{}{}", &html[..start], &html[end..]);
    for rel in ["<link rel=\"modulepreload\"", "<link rel=\"preload\""] {
        while let Some(i) = out.find(rel) {
            let j = out[i..].find('>').ok_or("a preload link does not end")? + i + 1;
            out.replace_range(i..j, "");
        }
    }
    // www/later.css (presenter mode, the speaker window, the front door) is held switched off: a browser does not
    // fetch a disabled stylesheet, and the loader switches it on (`switchOnLater`).
    let later = "<link rel=\"stylesheet\" href=\"./later-";
    if let Some(i) = out.find(later) {
        out.insert_str(i + "<link rel=\"stylesheet\"".len(), " disabled");
    }
    let attr = short_map(map)?.to_string();
    let attr = attr.replace('&', "&amp;").replace('\'', "&#39;").replace('<', "&lt;").replace('>', "&gt;");
    // The policy comes first in the head: it governs only what the page loads after it.
    let open = out.find("<head>").ok_or("the built page has no <head>")? + "<head>".len();
    out.insert_str(open, &format!("\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\" />"));
    let head = out.find("</head>").ok_or("the built page has no </head>")?;
    out.insert_str(
        head,
        &format!("<meta name=\"faultline-pages\" content='{attr}' />\n<script type=\"module\" src=\"./loader.js\"></script>\n"),
    );
    Ok(out)
}

/// The map of pages as every first load carries it, and `www/loader.js` reads it (`pageFor`, `filesOf`): the first
/// scenario, the compare pages, and each page's files by the hash that names them (its files given in full if they are
/// named otherwise). The page with every scenario is `all`, and each other page not a compare page is its scenario's,
/// named after it: the loader knows those without being told. Short, every page's html is 254 B smaller (gzip, with
/// twelve pages: 1,267 → 1,013 B), and each page more adds 15 B to it instead of 29.
fn short_map(map: &serde_json::Value) -> Result<serde_json::Value> {
    let pairs: Vec<&serde_json::Value> = map["compare"].as_object().map(|c| c.values().collect()).unwrap_or_default();
    let own = map["scenarios"].as_object().into_iter().flatten();
    if map["all"] != "all" || own.clone().any(|(id, page)| page != id || pairs.contains(&page)) {
        return Err("the map of pages is not as the loader reads it: `all` is \"all\", and each scenario's page is \
                    named after it"
            .into());
    }
    let mut pages = serde_json::Map::new();
    for (name, files) in map["pages"].as_object().into_iter().flatten() {
        let known =
            name == "all" || pairs.iter().any(|p| p.as_str() == Some(name)) || own.clone().any(|(id, _)| id == name);
        if !known {
            return Err(format!("the page {name} is no scenario's, nor the compare view's, nor `all`"));
        }
        let at = |key: &str| files[key].as_str().unwrap_or_default();
        let hash = at("js").strip_prefix("./faultline-web-").and_then(|f| f.strip_suffix(".js"));
        let named = hash.filter(|h| {
            let (wasm, rest) = (format!("./faultline-web-{h}_bg.wasm"), format!("./faultline-web-{h}_rest.wasm"));
            files.as_object().map(|o| o.len()) == Some(3) && at("wasm") == wasm && at("rest") == rest
        });
        pages.insert(name.clone(), named.map_or_else(|| files.clone(), |h| h.into()));
    }
    Ok(serde_json::json!({ "first": map["first"], "compare": map["compare"], "pages": pages }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_worker_gets_the_build_version_once() {
        let worker = std::fs::read_to_string(root().join("www/sw.js")).unwrap();
        let built = with_version(&worker, "0123456789abcdef").unwrap();
        assert!(built.contains("const VERSION = '0123456789abcdef';"));
        assert!(!built.contains("'dev'"));
        assert!(with_version("no version here", "1").is_err());
        assert!(with_version(&built, "1").is_err(), "a worker already versioned is refused");
    }

    #[test]
    fn every_scenario_has_a_page_of_its_own_and_partners_a_compare_page() {
        let pages = pages();
        let mut held: Vec<&str> = pages.iter().filter(|p| !p.compare).flat_map(|p| p.ids.iter().copied()).collect();
        held.sort_unstable();
        let mut all: Vec<&str> = faultline_scenarios::CATALOG.to_vec();
        all.sort_unstable();
        assert_eq!(held, all);
        assert!(pages.iter().filter(|p| !p.compare).all(|p| p.ids == [p.name.as_str()]));
        let pairs: Vec<(&str, &[&str])> =
            pages.iter().filter(|p| p.compare).map(|p| (p.name.as_str(), p.ids.as_slice())).collect();
        assert_eq!(pairs, [("two-phase-commit+saga", &["two-phase-commit", "saga"][..])]);
    }

    #[test]
    fn the_page_carries_the_map_short_and_each_page_by_the_hash_that_names_its_files() {
        let split = |h: &str| {
            serde_json::json!({ "js": format!("./faultline-web-{h}.js"), "wasm": format!("./faultline-web-{h}_bg.wasm"),
                                "rest": format!("./faultline-web-{h}_rest.wasm") })
        };
        let whole = serde_json::json!({ "js": "./faultline-web-c.js", "wasm": "./faultline-web-c_bg.wasm" });
        let map = serde_json::json!({
            "first": "a", "all": "all", "scenarios": { "a": "a", "b": "b" }, "compare": { "a": "a+b", "b": "a+b" },
            "pages": { "all": split("0f"), "a": split("1e"), "b": whole.clone(), "a+b": split("2d") },
        });
        assert_eq!(
            short_map(&map).unwrap(),
            serde_json::json!({ "first": "a", "compare": { "a": "a+b", "b": "a+b" },
                                "pages": { "all": "0f", "a": "1e", "b": whole, "a+b": "2d" } })
        );
        let mut other = map.clone();
        other["scenarios"]["a"] = "a+b".into();
        assert!(short_map(&other).is_err(), "a scenario on a page not named after it");
        let mut other = map.clone();
        other["pages"]["c"] = split("3c");
        assert!(short_map(&other).is_err(), "a page of no scenario");
        let mut other = map;
        other["pages"]["a"]["rest"] = "./faultline-web-9_rest.wasm".into();
        assert_eq!(short_map(&other).unwrap()["pages"]["a"], other["pages"]["a"], "files named otherwise, in full");
    }

    #[test]
    fn a_minified_stylesheet_gets_its_own_integrity_value() {
        let file = std::env::temp_dir().join(format!("faultline-sri-{}.css", std::process::id()));
        std::fs::write(&file, "a{color:red}").unwrap();
        let html = "<link rel=\"stylesheet\" href=\"./s-1.css\" integrity=\"sha384-old\"/><link href=\"./t.css\"/>";
        assert_eq!(
            with_integrity(html, "s-1.css", &file).unwrap(),
            "<link rel=\"stylesheet\" href=\"./s-1.css\" \
             integrity=\"sha384-WaGEP9T/jxlsWHfOK7DFaJcRwPKsFTOGNCCg2xPL4+sSg1e0RugLkIgE4yaC6qZv\"/><link href=\"./t.css\"/>"
        );
        assert_eq!(with_integrity(html, "t.css", &file).unwrap(), html, "a link without a value keeps none");
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn the_stylesheet_sizes_smaller_text_by_its_few_factors_only() {
        // Each distinct font size is a font lookup in the page's first frame (www/style.css says why).
        let css = ["www/style.css", "www/later.css"].map(|f| std::fs::read_to_string(root().join(f)).unwrap()).concat();
        let factors: Vec<&str> = css
            .split("font-size:")
            .skip(1)
            .map(|rest| rest.split([';', '}']).next().unwrap_or("").trim())
            .filter(|v| v.ends_with("em") && !v.ends_with("rem"))
            .collect();
        assert!(factors.len() > 10, "{factors:?}");
        for f in factors {
            assert!([".72em", ".8em", ".9em"].contains(&f), "font-size: {f} is not one of the stylesheet's factors");
        }
    }

    #[test]
    fn the_start_script_and_preloads_give_way_to_the_loader() {
        let html = "<head><link rel=\"stylesheet\" href=\"./a.css\"/><link rel=\"stylesheet\" href=\"./later-1.css\"/>\n<script type=\"module\">\nimport init from './x.js';\n</script>\n  \
                    <link rel=\"modulepreload\" href=\"./x.js\"><link rel=\"preload\" href=\"./x_bg.wasm\" as=\"fetch\"></head><body></body>";
        let map = serde_json::json!({
            "first": "a", "all": "all", "scenarios": { "a": "a" }, "compare": {},
            "pages": { "all": { "js": "./x.js", "wasm": "./x_bg.wasm" }, "a": { "js": "./<'&>.js", "wasm": "./y" } },
        });
        let out = with_loader(html, &map).unwrap();
        assert!(!out.contains("<script type=\"module\">") && !out.contains("preload"), "{out}");
        assert!(
            out.contains(
                r#"content='{"compare":{},"first":"a","pages":{"a":{"js":"./&lt;&#39;&amp;&gt;.js","wasm":"./y"}"#
            ),
            "{out}"
        );
        assert!(out.contains("<script type=\"module\" src=\"./loader.js\"></script>\n</head>"), "{out}");
        assert!(out.contains(
            "<link rel=\"stylesheet\" href=\"./a.css\"/><link rel=\"stylesheet\" disabled href=\"./later-1.css\"/>"
        ));
        let csp = out.find("Content-Security-Policy").unwrap();
        assert!(csp < out.find("./a.css").unwrap(), "the policy precedes what it governs: {out}");
        assert!(!CSP.contains("unsafe-inline") && !CSP.contains("'unsafe-eval'") && CSP.contains("default-src 'none'"));
        assert!(with_loader("<head></head>", &map).is_err());
    }
}
