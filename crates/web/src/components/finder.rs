//! "Find a failure": the counterexample search of [`faultline_sim::search`] in Web Workers, one per core the
//! browser reports (each with its own instance of this page's wasm, so the page stays responsive); the
//! lowest-numbered failing candidate is the answer whatever the number of workers, and the same as
//! `faultline search` gives for the same scenario, settings and seed. The answer is shrunk in a worker and
//! opened on screen at its breach; the URL then reproduces it. "Check every interleaving" runs the exhaustive
//! check ([`faultline_sim::check`]) of this run in a worker and opens its shortest counterexample.

use crate::state::Action;
use faultline_sim::search::thousands;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// At most this many candidates per search (a clear end, never an endless search).
pub const MAX_SEARCH_RUNS: u64 = 1_000_000;
/// Candidates per message to a worker: a few milliseconds of work, so that stopping is quick.
const BATCH: u64 = 128;
/// At most this many workers, whatever the browser reports.
const MAX_WORKERS: u32 = 16;
/// The exhaustive check's depth, and the crashes a path may have.
const CHECK_DEPTH: u32 = 60;
const CHECK_CRASHES: u32 = 1;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenario: &'static str,
    /// The settings on screen that differ from the defaults: `key=value,…`.
    pub sets: String,
    /// The seed on screen: the search seed, and the check's run seed.
    pub seed: u64,
    pub dispatch: Callback<Action>,
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Searching {
        runs: u64,
        per_s: u64,
    },
    Shrinking {
        candidate: u64,
        runs: u64,
        per_s: u64,
    },
    Found {
        candidate: u64,
        runs: u64,
        per_s: u64,
        summary: String,
        invariant: String,
        shrink_runs: u64,
        cli: String,
    },
    Nothing {
        runs: u64,
        per_s: u64,
    },
    Checking,
    /// What it found, and the same check in the CLI.
    Checked(String, String),
    Failed(String),
}

/// The workers, kept between searches (loaded when the pointer first comes near a button, so that a click starts
/// at once), and the search or check they are running: which one (`gen`, echoed by every answer, so that an
/// answer to an earlier search is ignored), what is out, and the best candidate so far.
struct Search {
    workers: Vec<web_sys::Worker>,
    _handlers: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    /// Told when a worker dies (out of memory in a large check): the search ends with a message, not a wait.
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    gen: u64,
    request: Value,
    next: u64,
    /// The starts of the batches out with a worker.
    out: Vec<u64>,
    best: Option<u64>,
    runs: u64,
    started_ms: f64,
    /// Whether `started_ms` is the first batch's start yet.
    timed: bool,
    shrinking: bool,
    done: bool,
}

impl Drop for Search {
    fn drop(&mut self) {
        for w in &self.workers {
            w.terminate();
        }
    }
}

impl Search {
    /// `count` workers, loading the page's module, each answering into `on_message`.
    fn spawn(
        count: u32,
        cell: &Rc<RefCell<Option<Search>>>,
        status: &UseStateHandle<Status>,
        dispatch: &Callback<Action>,
    ) -> Result<Search, String> {
        let workers = spawn(count)?;
        let handlers: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>> = (0..workers.len())
            .map(|i| {
                let (cell, status, dispatch) = (cell.clone(), status.clone(), dispatch.clone());
                Closure::new(move |e: web_sys::MessageEvent| on_message(&cell, i, &e, &status, &dispatch))
            })
            .collect();
        let on_error: Closure<dyn FnMut(web_sys::Event)> = {
            let (cell, status) = (cell.clone(), status.clone());
            Closure::new(move |_: web_sys::Event| {
                if let Some(s) = cell.borrow_mut().as_mut() {
                    // A dead worker serves no later search either.
                    s.gen = u64::MAX;
                    s.done = true;
                }
                status.set(Status::Failed(
                    "a worker stopped (out of memory?): try fewer states, or the CLI (faultline check)".into(),
                ));
            })
        };
        for (w, h) in workers.iter().zip(&handlers) {
            w.set_onmessage(Some(h.as_ref().unchecked_ref()));
            w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        }
        Ok(Search {
            _on_error: on_error,
            workers,
            _handlers: handlers,
            gen: 0,
            request: Value::Null,
            next: 0,
            out: Vec::new(),
            best: None,
            runs: 0,
            started_ms: now_ms(),
            timed: false,
            shrinking: false,
            done: true,
        })
    }

    /// Send `m` (with the request's fields and this search's `gen`) to worker `i`.
    fn post(&self, i: usize, extra: Value) {
        let mut m = self.request.clone();
        if let (Some(m), Value::Object(extra)) = (m.as_object_mut(), extra) {
            m.extend(extra);
            m.insert("gen".into(), self.gen.into());
        }
        if let Some(w) = self.workers.get(i) {
            let _ = w.post_message(&JsValue::from_str(&m.to_string()));
        }
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A URL resolved against the page's own (the site may live under any sub-path).
fn resolve(href: &str) -> Option<String> {
    let base = web_sys::window()?.document()?.base_uri().ok()??;
    web_sys::Url::new_with_base(href, &base).ok().map(|u| u.href())
}

/// The page's wasm-bindgen glue and its .wasm, as trunk links them in the page's head.
fn module_urls() -> Option<(String, String)> {
    let doc = web_sys::window()?.document()?;
    let href = |sel: &str| doc.query_selector(sel).ok().flatten().and_then(|e| e.get_attribute("href"));
    Some((resolve(&href("link[rel=modulepreload]")?)?, resolve(&href("link[rel=preload][as=fetch]")?)?))
}

fn spawn(count: u32) -> Result<Vec<web_sys::Worker>, String> {
    let (glue, wasm) = module_urls().ok_or("this page does not link its wasm module, so workers cannot load it")?;
    let url = resolve("search-worker.js").ok_or("no URL for the worker script")?;
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let boot = serde_json::json!({ "kind": "boot", "glue": glue, "wasm": wasm }).to_string();
    (0..count)
        .map(|_| {
            let w = web_sys::Worker::new_with_options(&url, &opts).map_err(|e| format!("no Web Worker: {e:?}"))?;
            w.post_message(&JsValue::from_str(&boot)).map_err(|e| format!("{e:?}"))?;
            Ok(w)
        })
        .collect()
}

/// The same search or check in the CLI: `faultline search redis-lock --seed 1 --set fencing=true`.
fn cli(request: &Value, verb: &str) -> String {
    let text = |k: &str| request[k].as_str().unwrap_or_default().to_string();
    let mut cmd = format!("faultline {verb} {} --seed {}", text("scenario"), text("seed"));
    for set in text("sets").split(',').filter(|s| !s.is_empty()) {
        cmd.push_str(&format!(" --set {set}"));
    }
    if verb == "check" {
        cmd.push_str(&format!(
            " --crashes {CHECK_CRASHES} --depth {CHECK_DEPTH} --max-states {}",
            crate::worker::CHECK_STATES
        ));
    }
    cmd
}

fn per_s(runs: u64, since_ms: f64) -> u64 {
    (runs as f64 * 1000.0 / (now_ms() - since_ms).max(1.0)) as u64
}

/// What a worker's message says: its kind, the batch it was for, and the result.
struct Answer {
    kind: String,
    gen: u64,
    start: u64,
    end: u64,
    ms: f64,
    result: Value,
}

fn parse(e: &web_sys::MessageEvent) -> Option<Answer> {
    let v: Value = serde_json::from_str(&e.data().as_string()?).ok()?;
    Some(Answer {
        kind: v["kind"].as_str()?.to_string(),
        gen: v["gen"].as_u64().unwrap_or(0),
        start: v["start"].as_u64().unwrap_or(0),
        end: v["end"].as_u64().unwrap_or(0),
        ms: v["ms"].as_f64().unwrap_or(0.0),
        result: v["result"].clone(),
    })
}

/// A worker answered: take in its batch, hand it the next, and finish when nothing out can beat the best.
fn on_message(
    cell: &Rc<RefCell<Option<Search>>>,
    i: usize,
    e: &web_sys::MessageEvent,
    status: &UseStateHandle<Status>,
    dispatch: &Callback<Action>,
) {
    let Some(Answer { kind, gen, start, end, ms, result }) = parse(e) else { return };
    let mut guard = cell.borrow_mut();
    let Some(s) = guard.as_mut() else { return };
    if let Some(err) = result["error"].as_str() {
        // A worker that cannot load the module is no use to any search: start afresh next time.
        if kind == "boot" || (gen == s.gen && !s.done) {
            s.done = true;
            status.set(Status::Failed(err.to_string()));
        }
        if kind == "boot" {
            s.gen = u64::MAX;
        }
        return;
    }
    if gen != s.gen || s.done {
        return;
    }
    match kind.as_str() {
        "batch" if s.shrinking => {}
        "batch" => {
            // Runs per second count from when the first batch began (not from loading the workers).
            if s.runs == 0 && !s.timed {
                s.started_ms = now_ms() - ms;
                s.timed = true;
            }
            s.out.retain(|&x| x != start);
            let found = result["found"].as_u64();
            s.runs += found.map_or(end, |f| f + 1) - start;
            if let Some(f) = found {
                s.best = Some(s.best.map_or(f, |b| b.min(f)));
            }
            // Hand out the next batch while one could still hold a lower candidate than the best.
            if s.next < MAX_SEARCH_RUNS && s.best.is_none_or(|b| s.next < b) {
                let (a, b) = (s.next, (s.next + BATCH).min(MAX_SEARCH_RUNS));
                s.next = b;
                s.out.push(a);
                s.post(i, serde_json::json!({ "kind": "batch", "start": a, "end": b }));
            }
            let rate = per_s(s.runs, s.started_ms);
            match s.best {
                Some(b) if s.out.iter().all(|&x| x > b) => {
                    s.shrinking = true;
                    s.post(i, serde_json::json!({ "kind": "shrink", "candidate": b }));
                    status.set(Status::Shrinking { candidate: b, runs: s.runs, per_s: rate });
                }
                Some(_) => {}
                None if s.out.is_empty() => {
                    s.done = true;
                    status.set(Status::Nothing { runs: s.runs, per_s: rate });
                }
                None => status.set(Status::Searching { runs: s.runs, per_s: rate }),
            }
        }
        "shrink" => {
            s.done = true;
            let rate = per_s(s.runs, s.started_ms);
            let text = |k: &str| result[k].as_str().unwrap_or_default().to_string();
            status.set(Status::Found {
                candidate: s.best.unwrap_or_default(),
                runs: s.runs,
                per_s: rate,
                summary: text("summary"),
                invariant: text("invariant"),
                shrink_runs: result["runs"].as_u64().unwrap_or_default(),
                cli: cli(&s.request, "search"),
            });
            dispatch.emit(Action::OpenRun {
                sets: text("sets"),
                seed: text("seed").parse().unwrap_or_default(),
                faults: text("faults"),
                invariant: text("invariant"),
            });
        }
        "check" => {
            s.done = true;
            status.set(Status::Checked(checked_text(&result), cli(&s.request, "check")));
            if let (Some(plan), Some(cx)) = (result["replay"].as_str(), result["counterexample"].as_object()) {
                let invariant = cx.get("invariant").and_then(Value::as_str).unwrap_or_default().to_string();
                let (sets, seed) = (s.request["sets"].as_str(), s.request["seed"].as_str());
                dispatch.emit(Action::OpenRun {
                    sets: sets.unwrap_or_default().to_string(),
                    seed: seed.unwrap_or_default().parse().unwrap_or_default(),
                    faults: plan.to_string(),
                    invariant,
                });
            }
        }
        _ => {}
    }
}

fn checked_text(r: &Value) -> String {
    let n = |k: &str| r[k].as_u64().unwrap_or_default();
    let ms = r["ms"].as_f64().unwrap_or_default().max(1.0);
    let head = format!(
        "{} states ({}/s), depth {}",
        thousands(n("unique_states")),
        thousands((n("unique_states") as f64 * 1000.0 / ms) as u64),
        n("max_depth")
    );
    let cx = &r["counterexample"];
    match (cx.is_null(), r["stopped"].as_str(), r["replay"].is_string()) {
        (true, None, _) => format!("{head}: every state holds every invariant."),
        (true, Some(why), _) => format!("{head}: nothing broke ({why})."),
        (false, _, replay) => format!(
            "{head}: {} breaks after {} steps{}",
            cx["invariant"].as_str().unwrap_or_default(),
            cx["steps"].as_u64().unwrap_or_default(),
            if replay {
                " — on screen now."
            } else {
                " (an interleaving no fault plan reproduces; see faultline check)."
            }
        ),
    }
}

fn status_text(s: &Status, workers: u32) -> String {
    let w = if workers == 1 { "worker" } else { "workers" };
    match s {
        Status::Idle => String::new(),
        Status::Searching { runs, per_s } => {
            format!("Searching: {} runs, {} runs/s, {workers} {w}…", thousands(*runs), thousands(*per_s))
        }
        Status::Shrinking { candidate, runs, per_s } => format!(
            "Candidate {candidate} breaks an invariant ({} runs, {} runs/s). Shrinking it…",
            thousands(*runs),
            thousands(*per_s)
        ),
        Status::Found { candidate, runs, per_s, summary, invariant, shrink_runs, .. } => format!(
            "Found: candidate {candidate} breaks {invariant} ({} runs, {} runs/s, {workers} {w}). Shrunk in {} runs: \
             {summary}. On screen now.",
            thousands(*runs),
            thousands(*per_s),
            thousands(*shrink_runs)
        ),
        Status::Nothing { runs, per_s } => format!(
            "No failure in {} runs ({} runs/s): these settings held against every fault plan tried{}.",
            thousands(*runs),
            thousands(*per_s),
            if *runs >= MAX_SEARCH_RUNS {
                format!(", up to the page's limit of {} runs", thousands(MAX_SEARCH_RUNS))
            } else {
                String::new()
            }
        ),
        Status::Checking => "Checking every interleaving…".to_string(),
        Status::Checked(text, _) => text.clone(),
        Status::Failed(e) => format!("Could not search: {e}"),
    }
}

/// The workers to start: as many as the browser reports cores, at most [`MAX_WORKERS`].
fn default_workers() -> u32 {
    let n = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
    (n as u32).clamp(1, MAX_WORKERS)
}

#[function_component(Finder)]
pub fn finder(p: &Props) -> Html {
    let status = use_state(|| Status::Idle);
    let workers = use_state(default_workers);
    let search = use_mut_ref(|| None::<Search>);
    // Leaving the page or the scenario ends the workers (their handlers hold the cell: this breaks the cycle).
    {
        let search = search.clone();
        use_effect_with((), move |_| move || drop(search.borrow_mut().take()));
    }
    let request = serde_json::json!({ "scenario": p.scenario, "sets": p.sets, "seed": p.seed.to_string() });
    // Load the workers before the click (the pointer near a button, or the focus on one), and keep them.
    let warm = {
        let (status, search, dispatch, n) = (status.clone(), search.clone(), p.dispatch.clone(), *workers);
        move || {
            let ready = search.borrow().as_ref().is_some_and(|s| s.workers.len() == n as usize && s.gen != u64::MAX);
            if !ready {
                // The old workers end here (outside any of their handlers).
                *search.borrow_mut() = None;
                match Search::spawn(n, &search, &status, &dispatch) {
                    Ok(s) => *search.borrow_mut() = Some(s),
                    Err(e) => status.set(Status::Failed(e)),
                }
            }
        }
    };
    let start = |first: Vec<Value>, busy: Status| {
        let (status, search, request, warm) = (status.clone(), search.clone(), request.clone(), warm.clone());
        Callback::from(move |_: MouseEvent| {
            warm();
            let mut guard = search.borrow_mut();
            let Some(s) = guard.as_mut() else { return };
            s.gen += 1;
            s.request = request.clone();
            (s.next, s.best, s.runs, s.shrinking, s.done, s.timed) = (0, None, 0, false, false, false);
            s.out.clear();
            s.started_ms = now_ms();
            for (i, m) in first.iter().enumerate() {
                if let Some(a) = m["start"].as_u64() {
                    s.out.push(a);
                    s.next = s.next.max(m["end"].as_u64().unwrap_or(a));
                }
                s.post(i, m.clone());
            }
            drop(guard);
            status.set(busy.clone());
        })
    };
    let n = *workers;
    let batches: Vec<Value> = (0..u64::from(n))
        .map(|i| serde_json::json!({ "kind": "batch", "start": i * BATCH, "end": (i + 1) * BATCH }))
        .collect();
    let find = start(batches, Status::Searching { runs: 0, per_s: 0 });
    let check_request = serde_json::json!({ "kind": "check", "crashes": CHECK_CRASHES, "depth": CHECK_DEPTH });
    let check = start(vec![check_request], Status::Checking);
    let warm_up = Callback::from(move |_: ()| warm());
    let stop = {
        let (status, search) = (status.clone(), search.clone());
        Callback::from(move |_: MouseEvent| {
            *search.borrow_mut() = None;
            status.set(Status::Idle);
        })
    };
    let set_workers = {
        let workers = workers.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if let Ok(v) = v.trim().parse::<u32>() {
                workers.set(v.clamp(1, MAX_WORKERS));
            }
        })
    };
    let busy = matches!(*status, Status::Searching { .. } | Status::Shrinking { .. } | Status::Checking);
    let tone = match *status {
        Status::Found { .. } => "tone-bad",
        Status::Nothing { .. } => "tone-good",
        Status::Failed(_) => "tone-warn",
        _ => "",
    };
    html! {
        <section class="finder" id="finder" aria-label="Find a failure">
            <button id="btn-find" onclick={find} disabled={busy} onpointerenter={warm_up.reform(|_| ())}
                onfocus={warm_up.reform(|_| ())}
                title="Search fault plans drawn at random (crashes, pauses, clock drift and jumps, cut links, lost and late messages) for the smallest run that breaks an invariant">
                {"Find a failure"}</button>
            <button id="btn-check" onclick={check} disabled={busy} onpointerenter={warm_up.reform(|_| ())}
                onfocus={warm_up.reform(|_| ())}
                title={format!("Explore every order of deliveries and timers within the latency spread, with up to {CHECK_CRASHES} crash, breadth first (at most {} states)", thousands(crate::worker::CHECK_STATES))}>
                {"Check every interleaving"}</button>
            if busy {
                <button id="btn-find-stop" onclick={stop}>{"Stop"}</button>
            }
            <label class="finder-workers">{"workers "}
                <input id="finder-workers" type="number" min="1" max={MAX_WORKERS.to_string()} value={n.to_string()}
                    onchange={set_workers} disabled={busy} /></label>
            <span id="finder-status" class={classes!("finder-status", tone)} role="status" aria-live="polite">
                {status_text(&status, n)}</span>
            if let Status::Found { cli, .. } | Status::Checked(_, cli) = &*status {
                <span class="finder-cli">{"In the CLI: "}<code id="finder-cli">{cli.clone()}</code></span>
            }
        </section>
    }
}
