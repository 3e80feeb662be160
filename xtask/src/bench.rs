//! `cargo xtask bench`: kernel events/s natively and in wasm, each scenario's benchmark sample as the browser
//! runs it, the built site's sizes, and seek and step times in headless Chromium — each figure beside its goal.

use crate::{build_probe, build_site, cargo, chromium, ensure_tools, output, root, run, run_capture, step, Result};
use std::path::Path;
use std::process::Command;

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The JSON objects a script printed one per line that have the field `key` (other lines are its log).
fn json_lines(out: &str, key: &str) -> Vec<serde_json::Value> {
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v[key].is_string())
        .collect()
}

fn gzip_size(path: &Path) -> u64 {
    Command::new("gzip").args(["-9", "-c"]).arg(path).output().map(|o| o.stdout.len() as u64).unwrap_or(0)
}

pub(crate) fn bench() -> Result {
    ensure_tools(true)?;
    let probe = build_probe()?;
    const STEPS: u32 = 300_000;
    /// Seeds of each scenario's benchmark sample per timing.
    const RUNS: u32 = 20;
    step("native");
    let (native, ok) = run_capture(
        Command::new(cargo())
            .args(["run", "--quiet", "--release", "-p", "faultline-probe", "--bin", "bench-native", "--"])
            .args([STEPS.to_string(), RUNS.to_string()]),
    );
    ok?;
    let native: serde_json::Value = serde_json::from_str(native.trim()).map_err(|e| format!("bench-native: {e}"))?;
    step("wasm (Node)");
    let (wasm, ok) = run_capture(
        Command::new("node")
            .arg(root().join("xtask/bench-wasm.mjs"))
            .arg(&probe)
            .args([STEPS.to_string(), RUNS.to_string()]),
    );
    ok?;
    let wasm: serde_json::Value = serde_json::from_str(wasm.trim()).map_err(|e| format!("wasm bench: {e}"))?;
    step("wasm (headless Chromium)");
    ensure_tools(true)?;
    let (chromium_out, ok) = run_capture(
        Command::new("node")
            .arg("tests/e2e/bench-wasm.mjs")
            .args([STEPS.to_string(), RUNS.to_string()])
            .env("FAULTLINE_SITE", root().join("target/probe-web"))
            // Each workload's samples alternate with native ones (`bench-native --serve`, built by the native step).
            .env("FAULTLINE_NATIVE_BENCH", root().join("target/release/bench-native"))
            .env("CHROMIUM", chromium()),
    );
    ok?;
    let chrome: serde_json::Value = chromium_out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["storm_s"].is_number())
        .ok_or("the Chromium wasm bench printed no result")?;
    let rate =
        |v: &serde_json::Value, n: &str, s: &str| v[n].as_f64().unwrap_or(0.0) / v[s].as_f64().unwrap_or(f64::NAN);
    let (nr, wr) = (rate(&native, "storm_steps", "storm_s"), rate(&wasm, "storm_steps", "storm_s"));
    let cr = rate(&chrome, "storm_steps", "storm_s");
    let sizes = crate_sizes();

    let site = root().join("target/site");
    let map = build_site(&site)?;
    let (rows, pages) = site_sizes(&site, &map)?;

    let search = search_bench(&site)?;

    step("browser (headless Chromium): the default pages' load, from this machine");
    ensure_tools(true)?;
    let (loads, ok) = run_capture(
        Command::new("node").arg("tests/e2e/bench-load.mjs").env("FAULTLINE_SITE", &site).env("CHROMIUM", chromium()),
    );
    ok?;
    let loads = json_lines(&loads, "label");

    step("browser (headless Chromium): load, seek and step on each long run");
    ensure_tools(true)?;
    // Every long run a scenario declares, with its size natively.
    let mut long = Vec::new();
    for s in faultline_scenarios::all() {
        use faultline_sim::{FaultPlan, RunOptions, SampleRole};
        for sample in s.info().samples_for(SampleRole::LongRun) {
            let p = s.params_with(sample.sets).map_err(|e| e.to_string())?;
            let t = s.run(&p, 1, &FaultPlan::new(), &RunOptions::default()).map_err(|e| e.to_string())?;
            let query = format!("?scenario={}&seed=1&{}", s.id(), sample.sets.replace(',', "&"));
            long.push((s.id(), sample.sets, t.steps, t.events.len(), query));
        }
    }
    let queries: Vec<&str> = long.iter().map(|l| l.4.as_str()).collect();
    let (browser, ok) = run_capture(
        Command::new("node")
            .arg("tests/e2e/bench.mjs")
            .env("FAULTLINE_SITE", &site)
            .env("FAULTLINE_BENCH_QUERIES", serde_json::to_string(&queries).map_err(|e| e.to_string())?)
            .env("CHROMIUM", chromium()),
    );
    ok?;
    let results = json_lines(&browser, "query");
    let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);

    println!("\nFaultline benchmark (best of 5, after a warm-up)");
    println!("kernel, 5-node message storm, {STEPS} steps:");
    println!("  native  {:>12.0} events/s", nr);
    println!("  wasm    {:>12.0} events/s   (Node {})", wr, output("node", &["--version"]).unwrap_or_default().trim());
    println!("  wasm    {:>12.0} events/s   (headless Chromium)", cr);
    println!(
        "  wasm/native ratio  {} in Chromium, {:.2} in Node   (target >= 0.8, in Chromium)",
        paired(&chrome, "storm"),
        wr / nr
    );
    println!("kernel against a bare discrete-event loop (binary heap, xorshift, the same 5 nodes and latencies, no recording):");
    for (label, v) in [("native", &native), ("wasm, Chromium", &chrome)] {
        let (full, lean, bare) =
            (rate(v, "storm_steps", "storm_s"), rate(v, "lean_steps", "lean_s"), rate(v, "bare_steps", "bare_s"));
        let chacha = rate(v, "chacha_steps", "chacha_s");
        println!(
            "  {label:<15} bare {bare:>11.0} events/s   lean (breaches only) {lean:>11.0} = {:.2}x   (target >= 0.7)   \
             full recording {full:>11.0} = {:.2}x   (target >= 0.5)",
            lean / bare,
            full / bare
        );
        println!(
            "  {:<15} the bare loop drawing from ChaCha8 as the kernel does {chacha:>11.0} events/s = {:.2}x bare: \
             the most the kernel can reach with its generator; lean is {:.2}x of it",
            "",
            chacha / bare,
            lean / chacha
        );
    }
    let pairs = |w: &str| median(&native["against_bare"][w]).map_or("?".to_string(), |m| format!("{m:.2}x"));
    println!(
        "  {:<15} the same, each sampled alternately with the bare loop (pairs' median of 9): lean {} (target >= 0.7)   \
         full recording {} (target >= 0.5)   ChaCha8 loop {}",
        "native",
        pairs("lean"),
        pairs("storm"),
        pairs("chacha")
    );
    println!(
        "  {:<15} full recording, each run's events in fresh memory (as a process's first run; the line above reuses \
         the last run's): {}",
        "native",
        pairs("cold")
    );
    for s in faultline_scenarios::all() {
        let id = s.id();
        let bench = s.info().samples_for(faultline_sim::SampleRole::Bench).next();
        let (name, sets) = bench.map_or(("?", ""), |x| (x.name, x.sets));
        let (n, w, c) = (&native["scenarios"][id], &wasm["scenarios"][id], &chrome["scenarios"][id]);
        let (nrate, wrate, crate_) = (rate(n, "steps", "s"), rate(w, "steps", "s"), rate(c, "steps", "s"));
        let per_run = |v: &serde_json::Value| v["s"].as_f64().unwrap_or(f64::NAN) * 1e3 / f64::from(RUNS);
        println!("{id}, sample `{name}` ({sets}), recorded as the browser does (checkpoints), {RUNS} seeds:");
        println!("  native  {nrate:>12.0} events/s   {:.3} ms per run", per_run(n));
        println!("  wasm    {wrate:>12.0} events/s   {:.3} ms per run (Node)", per_run(w));
        println!("  wasm    {crate_:>12.0} events/s   {:.3} ms per run (Chromium)", per_run(c));
        println!(
            "  wasm/native ratio  {} in Chromium, {:.2} in Node   (target >= 0.8, in Chromium)",
            paired(&chrome, id),
            wrate / nrate
        );
    }
    print!("{search}");
    println!("{sizes}");
    println!("built site (cargo xtask site: trunk build --release, once per page):");
    for (name, raw, gz, module) in rows.iter().filter(|r| !r.3 || r.0.ends_with(".wasm")) {
        let name = if *module && name.ends_with("_bg.wasm") { format!("{name} (and its .js)") } else { name.clone() };
        println!("  {:<60} {:>8} B raw  {:>8} B gzip", name, raw, gz);
    }
    println!(
        "first load of each page (html, loader, styles, icon, glue, the first part of its wasm); then the rest of its \
         wasm, fetched once the first part has come. www/later.css (later-….css above: presenter mode, the speaker \
         window, the front door) is in the front door's first load, and in a presenter=1 link's; a scenario's page \
         switches it on once it has started:"
    );
    for (label, raw, gz, rest) in &pages {
        // The goal is a scenario's first load; the front door and a compare view hold more than one.
        let goal =
            if label.starts_with("every") || label.ends_with("view)") { "" } else { "   (target <= 204800 B gzip)" };
        println!("  {label:<60} {raw:>8} B raw  {gz:>8} B gzip{goal}   then {rest:>7} B gzip");
    }
    println!("default pages, interactive (each load a fresh browser context, from the start of navigation):");
    for l in &loads {
        let label = l["label"].as_str().unwrap_or("?");
        let drawn = format!(
            "drawn: median {:.0} ms, max {:.0} ms",
            ms(&l["rendered_ms"]["median"]),
            ms(&l["rendered_ms"]["max"])
        );
        if l["interactive_ms"].is_object() {
            println!(
                "  {label}: {drawn}; first key press handled: median {:.0} ms, max {:.0} ms   (target <= 300 ms; {} loads); \
                 the rest of the module here (any input answered at once): median {:.0} ms",
                ms(&l["interactive_ms"]["median"]),
                ms(&l["interactive_ms"]["max"]),
                l["loads"],
                ms(&l["rest_ms"]["median"])
            );
        } else {
            println!("  {label}: {drawn}   ({} loads)", l["loads"]);
        }
    }
    for (id, sets, steps, events, query) in &long {
        let Some(b) = results.iter().find(|r| r["query"].as_str() == Some(query)) else {
            println!("browser, {id} {sets}: no result (see the output above)");
            continue;
        };
        // A crowd's goals: 1,000 clients built in 1 s, 10,000 in 5 s; every page within 300 MB.
        let load_goal = match sets.split(',').find_map(|kv| kv.strip_prefix("clients=")) {
            Some(n) if n.parse::<u32>().unwrap_or(0) >= 10_000 => "  (target <= 5000 ms)",
            _ if id.contains("herd") => "  (target <= 1000 ms)",
            _ => "",
        };
        println!(
            "browser, {id} {sets} seed 1: {steps} steps, {events} events kept; loaded and checkpointed in {} ms{load_goal}; \
             page memory {:.0} MB (target <= 300 MB):",
            b["load_ms"],
            ms(&b["memory_mb"])
        );
        println!(
            "  seek to a random step   median {:>6.1} ms   p95 {:>6.1} ms   max {:>6.1} ms   (target <= 16 ms; {} seeks)",
            ms(&b["seek_ms"]["median"]),
            ms(&b["seek_ms"]["p95"]),
            ms(&b["seek_ms"]["max"]),
            b["seek_ms"]["n"]
        );
        println!(
            "  script time per step    median {:>6.1} ms   p95 {:>6.1} ms   max {:>6.1} ms   (target p95 <= 8 ms; {} steps)",
            ms(&b["frame_ms"]["median"]),
            ms(&b["frame_ms"]["p95"]),
            ms(&b["frame_ms"]["max"]),
            b["frame_ms"]["n"]
        );
        if b["tick_ms"].is_object() {
            println!(
                "  playing, script per tick median {:>6.1} ms   p95 {:>6.1} ms   max {:>6.1} ms   (target p95 <= 8 ms; {} ticks at 1x real time)",
                ms(&b["tick_ms"]["median"]),
                ms(&b["tick_ms"]["p95"]),
                ms(&b["tick_ms"]["max"]),
                b["tick_ms"]["n"]
            );
        }
    }
    Ok(())
}

/// A workload's wasm/native ratio from the Chromium bench's alternating samples (`paired`, see
/// tests/e2e/bench-wasm.mjs): the best native time per call over the best in Chromium, and beside it the median of the
/// pairs' own ratios, `0.78 (best of 9 alternating samples each; pairs' median 0.76)`.
fn paired(chrome: &serde_json::Value, workload: &str) -> String {
    let w = &chrome["paired"][workload];
    let (Some(native), Some(wasm)) = (w["native_s"].as_f64(), w["chromium_s"].as_f64()) else {
        return "not measured".into();
    };
    let n = w["ratios"].as_array().map_or(0, Vec::len);
    let median = median(&w["ratios"]).map_or("?".to_string(), |m| format!("{m:.2}"));
    format!("{:.2} (best of {n} alternating samples each; pairs' median {median})", native / wasm)
}

/// The median of a JSON array of numbers (the upper one of an even count); None if it holds none.
fn median(values: &serde_json::Value) -> Option<f64> {
    let mut v: Vec<f64> = values.as_array()?.iter().filter_map(serde_json::Value::as_f64).collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Run the release CLI with `args`; its JSON answer and the wall time it took, in seconds.
fn cli_json(args: &[&str]) -> std::result::Result<(serde_json::Value, f64), String> {
    let bin = root().join("target/release/faultline");
    let t = std::time::Instant::now();
    let out = Command::new(&bin).args(args).output().map_err(|e| format!("{}: {e}", bin.display()))?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("faultline {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_slice(&out.stdout).map(|v| (v, secs)).map_err(|e| format!("faultline {}: {e}", args.join(" ")))
}

/// stateright's own `examples/2pc.rs`, from the registry: fetch it through `bench/stateright`, copy its source out
/// of the registry (outside this workspace), build the example and time `2pc check 8`. Its unique states, states
/// per second (unique states over the wall time), and its version.
fn stateright_2pc() -> std::result::Result<(u64, f64, String), String> {
    let manifest = root().join("bench/stateright/Cargo.toml");
    let meta = output(&cargo(), &["metadata", "--format-version", "1", "--manifest-path", &manifest.to_string_lossy()])
        .ok_or("cargo metadata for bench/stateright failed (no network to fetch stateright?)")?;
    let meta: serde_json::Value = serde_json::from_str(&meta).map_err(|e| e.to_string())?;
    let pkg = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "stateright"))
        .ok_or("stateright is not among bench/stateright's packages")?;
    let version = pkg["version"].as_str().unwrap_or("?").to_string();
    let src = Path::new(pkg["manifest_path"].as_str().unwrap_or_default()).parent().ok_or("no stateright source")?;
    let copy = std::env::temp_dir().join(format!("faultline-bench-stateright-{version}"));
    if !copy.join("Cargo.toml").exists() {
        let status = Command::new("cp").arg("-r").arg(src).arg(&copy).status().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("copying {} failed", src.display()));
        }
    }
    let target = root().join("target/bench/stateright");
    run_capture(
        Command::new(cargo())
            .args(["build", "--quiet", "--release", "--example", "2pc", "--manifest-path"])
            .arg(copy.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target),
    )
    .1?;
    let t = std::time::Instant::now();
    let out =
        Command::new(target.join("release/examples/2pc")).args(["check", "8"]).output().map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let done = text.lines().find(|l| l.starts_with("Done.")).ok_or("stateright's 2pc printed no `Done.` line")?;
    let unique = done
        .split(", ")
        .find_map(|kv| kv.strip_prefix("unique="))
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| format!("no unique= in `{done}`"))?;
    Ok((unique, unique as f64 / secs, version))
}

/// The counterexample search and the exhaustive checker: native (the release CLI, every core), in headless
/// Chromium (Web Workers), and the exhaustive 2PC check beside stateright's — each figure beside its goal.
pub(crate) fn search_bench(site: &Path) -> std::result::Result<String, String> {
    step("search and exhaustive check: native, in the browser, and beside stateright");
    run(Command::new(cargo()).args(["build", "--quiet", "--release", "-p", "faultline-cli"]))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let held = ["search", "redis-lock", "--set", "fencing=true", "--set", "persistence=aof-always", "--runs", "50000"];
    let (all, _) = cli_json(&[&held[..], &["--format", "json"]].concat())?;
    let (one, _) = cli_json(&[&held[..], &["--jobs", "1", "--format", "json"]].concat())?;
    let rate =
        |v: &serde_json::Value| v["runs"].as_f64().unwrap_or(0.0) * 1e3 / v["search_ms"].as_f64().unwrap_or(f64::NAN);
    let (first, _) = cli_json(&["search", "redis-lock", "--format", "json"])?;
    let (shrunk, _) = cli_json(&["search", "redis-lock", "--set", "fencing=true", "--format", "json"])?;
    let (ours, _) = cli_json(&["check", "two-phase-spec", "--set", "resource_managers=8", "--format", "json"])?;
    let theirs = stateright_2pc();
    let (browser, ok) = run_capture(
        Command::new("node").arg("tests/e2e/bench-search.mjs").env("FAULTLINE_SITE", site).env("CHROMIUM", chromium()),
    );
    ok?;
    let b: serde_json::Value = browser
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["runs_per_s"].is_number())
        .unwrap_or_default();
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);

    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "counterexample search (faultline search; candidates = a seed and a swarm fault plan each):");
    let _ = writeln!(out, "  redis-lock, fencing + aof-always (nothing breaks), 50,000 candidates:");
    let _ = writeln!(out, "    native, {cores} threads  {:>9.0} runs/s", rate(&all));
    let _ = writeln!(out, "    native, 1 thread   {:>9.0} runs/s", rate(&one));
    let _ = writeln!(
        out,
        "    browser, {} workers {:>9.0} runs/s over {} s   (target >= 10000 runs/s in headless Chromium)",
        b["workers"],
        f(&b["runs_per_s"]),
        b["seconds"]
    );
    let _ = writeln!(out, "  redis-lock without fencing, first counterexample:");
    let _ = writeln!(
        out,
        "    native   candidate {} in {:.2} ms   (target <= 50 ms)",
        first["found"]["candidate"],
        f(&first["search_ms"])
    );
    let _ = writeln!(
        out,
        "    browser  known {:.0} ms after the click, shrunk and on screen after {:.0} ms   (target <= 50 ms; workers \
         loaded as the pointer reached the button)",
        f(&b["first_ms"]),
        f(&b["found_ms"])
    );
    let _ = writeln!(
        out,
        "    browser, cold (no pointer before the click: the workers load the page's wasm first)  known after {:.0} \
         ms, on screen after {:.0} ms",
        f(&b["cold_first_ms"]),
        f(&b["cold_found_ms"])
    );
    let s = &shrunk["found"]["shrunk"];
    let _ = writeln!(
        out,
        "  shrinking (redis-lock, fencing on, Redis without a log): {} in {} runs, {:.2} ms   (target <= 2 faults \
         in <= 1000 ms)",
        s["summary"].as_str().unwrap_or("?"),
        s["runs"],
        f(&shrunk["shrink_ms"])
    );
    let _ = writeln!(
        out,
        "exhaustive check, TwoPhase with 8 resource managers (Gray & Lamport; TLC's count is 1,745,408):"
    );
    let _ = writeln!(
        out,
        "  faultline check two-phase-spec   {} unique states, depth {}, {:>10.0} states/s (1 thread)",
        ours["unique_states"],
        ours["max_depth"],
        f(&ours["states_per_s"])
    );
    match theirs {
        Ok((unique, per_s, version)) => {
            let _ = writeln!(out,
                "  stateright {version} `2pc check 8`  {unique} unique states, {per_s:>10.0} states/s ({cores} threads, \
                 its own example)"
            );
            let _ = writeln!(out, "  ratio ours / stateright  {:.2}   (target >= 1)", f(&ours["states_per_s"]) / per_s);
        }
        Err(e) => {
            let _ = writeln!(out, "  stateright: not measured: {e}");
        }
    }
    Ok(out)
}

type SiteRows = (Vec<(String, u64, u64, bool)>, Vec<(String, u64, u64, u64)>);

/// The built site's files (name, raw, gzip, whether it is a page's module) and the first load of each page
/// (label, raw, gzip: the html, the loader, the styles and the icon every page loads, then the page's glue and the
/// first part of its wasm; and the gzip of the rest of its wasm, fetched once the first part has come), smallest first.
/// The stylesheet a scenario's page switches on once it has started (`www/later.css`) is in the first load of the
/// page with every scenario only (the front door, which draws with it; so do presenter mode and the speaker window).
fn site_sizes(site: &Path, map: &serde_json::Value) -> Result<SiteRows> {
    let mut rows = Vec::new();
    // What every page loads (the html, the loader, the styles, the icon), then each page's glue and wasm.
    let (mut shared_raw, mut shared_gz) = (0, 0);
    let (mut sheet_raw, mut sheet_gz) = (0, 0);
    let mut entries: Vec<_> = std::fs::read_dir(site).map_err(|e| e.to_string())?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let (raw, gz) = (file_size(&p), gzip_size(&p));
        // Not in a first load: the example docs page (a page of its own, with its script, styles and unhashed icon),
        // the search worker (when a search starts) and the offline worker (registered once the page has started).
        let module = name.starts_with("faultline-web-");
        let elsewhere =
            name.starts_with("embed-example.") || matches!(name.as_str(), "search-worker.js" | "sw.js" | "favicon.svg");
        if name.starts_with("later-") && name.ends_with(".css") {
            sheet_raw += raw;
            sheet_gz += gz;
        } else if !module && !elsewhere {
            shared_raw += raw;
            shared_gz += gz;
        }
        rows.push((name, raw, gz, module));
    }
    let mut pages: Vec<(String, u64, u64, u64)> = Vec::new();
    if let Some(obj) = map["pages"].as_object() {
        for (name, files) in obj {
            let (mut raw, mut gz) = (shared_raw, shared_gz);
            if name == "all" {
                raw += sheet_raw;
                gz += sheet_gz;
            }
            for f in ["js", "wasm"] {
                let p = site.join(crate::site::file(files, f));
                raw += file_size(&p);
                gz += gzip_size(&p);
            }
            let rest = match crate::site::file(files, "rest") {
                "" => 0,
                rest => gzip_size(&site.join(rest)),
            };
            let held = |kind: &str| -> Vec<&str> {
                let of = map[kind].as_object().into_iter().flatten();
                of.filter(|(_, v)| v.as_str() == Some(name)).map(|(k, _)| k.as_str()).collect()
            };
            let (own, pair) = (held("scenarios"), held("compare"));
            let label = match (own.is_empty(), pair.is_empty()) {
                (false, _) => own.join(" + "),
                (true, false) => format!("{} (the compare view)", pair.join(" + ")),
                (true, true) => "every scenario (front door, workshop)".to_string(),
            };
            pages.push((label, raw, gz, rest));
        }
    }
    pages.sort_by_key(|p| p.2);
    Ok((rows, pages))
}

/// What each crate contributes to a page's wasm as it is shipped: the default page (the first scenario's, as a link
/// without a query opens it) built with the page's profile and features but its names kept, run through wasm-bindgen
/// as trunk does (which removes its description stubs, a third of the module before it), and measured with twiggy
/// (installed on first use): functions summed by the crate that names them, then the biggest functions.
fn crate_sizes() -> String {
    if output("twiggy", &["--version"]).is_none() {
        step("installing twiggy (cargo install twiggy)");
        let _ = run(Command::new(cargo()).args(["install", "--quiet", "--locked", "twiggy"]));
    }
    let first = faultline_scenarios::CATALOG.first().copied().unwrap_or("redis-lock");
    step(&format!("the {first} page's wasm with its names kept, by crate (twiggy)"));
    let target = root().join("target/bench/names");
    let bound = target.join("bound");
    let feature = format!("faultline-scenarios/{first}");
    let built = run(Command::new(cargo())
        .args(["build", "--quiet", "--profile", "wasm", "--target", crate::WASM_TARGET, "-p", "faultline-web"])
        .args(["--no-default-features", "--features", &feature])
        .arg("--target-dir")
        .arg(&target)
        .env("CARGO_PROFILE_WASM_STRIP", "false"))
    .and_then(|_| {
        let wasm = target.join(format!("{}/wasm/faultline-web.wasm", crate::WASM_TARGET));
        run(Command::new("wasm-bindgen").args(["--target", "web", "--out-dir"]).arg(&bound).arg(&wasm))
    });
    let wasm = bound.join("faultline-web_bg.wasm");
    let csv =
        built.ok().and_then(|_| output("twiggy", &["top", "-n", "1000000", "-f", "csv", &wasm.to_string_lossy()]));
    let Some(csv) = csv else { return "wasm by crate: not measured (twiggy, wasm-bindgen or the build failed)".into() };
    let (by, biggest) = by_crate(&csv);
    let total: u64 = by.iter().map(|b| b.1).sum();
    let mut out = format!(
        "the {first} page's wasm as shipped, by crate (code and data before compression and wasm-opt; {total} B in \
         all):"
    );
    for (name, size) in by.iter().take(12) {
        out.push_str(&format!("\n  {name:<28} {size:>9} B  {:>5.1}%", *size as f64 * 100.0 / total.max(1) as f64));
    }
    out.push_str("\n  its biggest functions and data:");
    for (name, size) in biggest.iter().take(10) {
        let short: String = name.chars().take(100).collect();
        out.push_str(&format!("\n  {size:>9} B  {short}"));
    }
    out
}

/// Names with their sizes in bytes.
type Sizes = Vec<(String, u64)>;

/// twiggy's `top` in CSV, summed by the crate that names each item (`(data)` for data segments, `(unnamed)` for the
/// standard library's and the allocator's symbols that name no crate path), biggest first; and every item, biggest
/// first. Custom sections (the names themselves) are left out: the shipped module has none.
fn by_crate(csv: &str) -> (Sizes, Sizes) {
    let mut by: std::collections::BTreeMap<String, u64> = Default::default();
    let mut items = Vec::new();
    for line in csv.lines().skip(1) {
        // Name,ShallowSize,ShallowSizePercent,…: the name may hold commas, quoted.
        let (name, rest) = match line.strip_prefix('"') {
            Some(q) => q.split_once("\",").unwrap_or((q, "")),
            None => line.split_once(',').unwrap_or((line, "")),
        };
        let size: u64 = rest.split(',').next().and_then(|v| v.parse().ok()).unwrap_or(0);
        if name.starts_with("custom section") || name.contains("subsection") {
            continue;
        }
        let krate = if name.starts_with("data segment") {
            "(data)".to_string()
        } else {
            // The first path in the name is the crate that defines it (`<yew::… as …>` is yew's); the standard
            // library's crates carry a hash in brackets (`core[c593…]::fmt`).
            let path = name.trim_start_matches(['<', '&', '*', ' ']);
            path.split("::")
                .next()
                .map(|c| c.split('[').next().unwrap_or(c))
                .filter(|c| path.contains("::") && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or("(unnamed)")
                .to_string()
        };
        *by.entry(krate).or_default() += size;
        // A quoted field doubles its quotes; a symbol ends in its hash (`::h9ff8939969ba8796`).
        let name = name.replace("\"\"", "\"");
        let name = match name.rsplit_once("::h") {
            Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => head.to_string(),
            _ => name,
        };
        items.push((name, size));
    }
    let mut by: Vec<(String, u64)> = by.into_iter().collect();
    by.sort_by_key(|t| std::cmp::Reverse(t.1));
    items.sort_by_key(|t| std::cmp::Reverse(t.1));
    (by, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_loads_the_shared_files_and_its_own_module_only() {
        let dir = std::env::temp_dir().join(format!("faultline-site-sizes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in [
            ("index.html", 100),
            ("loader.js", 10),
            ("style.css", 20),
            ("later-1.css", 40),
            ("search-worker.js", 1000),
            ("embed-example.html", 1000),
            ("embed-example.js", 1000),
            ("sw.js", 1000),
            ("favicon.svg", 1000),
            ("faultline-web-a.js", 5),
            ("faultline-web-a_bg.wasm", 300),
            ("faultline-web-a_rest.wasm", 4000),
            ("faultline-web-b.js", 5),
            ("faultline-web-b_bg.wasm", 700),
        ] {
            std::fs::write(dir.join(name), vec![b'x'; bytes]).unwrap();
        }
        let map = serde_json::json!({
            "all": "all", "scenarios": { "raft": "raft" }, "compare": { "saga": "2pc+saga", "2pc": "2pc+saga" },
            "pages": { "raft": { "js": "./faultline-web-a.js", "wasm": "./faultline-web-a_bg.wasm",
                                 "rest": "./faultline-web-a_rest.wasm" },
                       "2pc+saga": { "js": "./faultline-web-a.js", "wasm": "./faultline-web-b_bg.wasm" },
                       "all": { "js": "./faultline-web-b.js", "wasm": "./faultline-web-b_bg.wasm" } },
        });
        let (rows, pages) = site_sizes(&dir, &map).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(rows.len(), 14);
        // The rest of a split module is not in the first load; it is counted beside it.
        assert_eq!(
            pages.iter().map(|p| (p.0.as_str(), p.1, p.3 > 0)).collect::<Vec<_>>(),
            [
                ("raft", 100 + 10 + 20 + 5 + 300, true),
                ("2pc + saga (the compare view)", 100 + 10 + 20 + 5 + 700, false),
                ("every scenario (front door, workshop)", 100 + 10 + 20 + 40 + 5 + 700, false)
            ]
        );
    }

    #[test]
    fn twiggy_items_are_summed_by_the_crate_that_names_them() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent
\"<yew::html::Html as core::clone::Clone>::clone::h9ff8939969ba8796\",300,1,300,1
yew::scheduler::start::h2,200,1,200,1
\"core[c5930c85a12de822]::fmt::write\",50,1,50,1
\"data segment \"\".rodata\"\"\",500,1,500,1
<char>::escape_debug_ext,7,1,7,1
\"\"\"function names\"\" subsection\",9000,1,9000,1
custom section 'producers',100,1,100,1
";
        let (by, items) = by_crate(csv);
        assert_eq!(by, [("(data)".into(), 500), ("yew".into(), 500), ("core".into(), 50), ("(unnamed)".into(), 7)]);
        assert_eq!(items.len(), 5);
        assert_eq!(items[0], ("data segment \".rodata\"".into(), 500));
        assert_eq!(items[1].0, "<yew::html::Html as core::clone::Clone>::clone");
    }

    #[test]
    fn a_paired_ratio_is_native_best_over_chromium_best() {
        let chrome = serde_json::json!({ "paired": { "raft": {
            "native_s": 0.6, "chromium_s": 0.8, "steps": 10, "ratios": [0.9, 0.5, 0.7],
        } } });
        assert_eq!(paired(&chrome, "raft"), "0.75 (best of 3 alternating samples each; pairs' median 0.70)");
        assert_eq!(paired(&chrome, "storm"), "not measured");
    }

    #[test]
    fn a_median_is_the_middle_value_or_the_upper_of_the_two() {
        assert_eq!(median(&serde_json::json!([0.9, 0.5, 0.7])), Some(0.7));
        assert_eq!(median(&serde_json::json!([0.4, 0.9, 0.5, 0.7])), Some(0.7));
        assert_eq!(median(&serde_json::json!([])), None);
        assert_eq!(median(&serde_json::Value::Null), None);
    }
}
