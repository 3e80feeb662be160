//! `cargo xtask bench`: kernel events/s natively and in wasm, each scenario's benchmark sample as the browser
//! runs it, the built site's sizes, and seek and step times in headless Chromium — each figure beside its goal.

use crate::{build_probe, build_site, cargo, chromium, ensure_tools, output, root, run_capture, step, Result};
use std::path::Path;
use std::process::Command;

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn gzip_size(path: &Path) -> u64 {
    Command::new("gzip").args(["-9", "-c"]).arg(path).output().map(|o| o.stdout.len() as u64).unwrap_or(0)
}

pub(crate) fn bench() -> Result {
    ensure_tools(false)?;
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
            .arg(root().join("xtask/bench-wasm.cjs"))
            .arg(&probe)
            .args([STEPS.to_string(), RUNS.to_string()]),
    );
    ok?;
    let wasm: serde_json::Value = serde_json::from_str(wasm.trim()).map_err(|e| format!("wasm bench: {e}"))?;
    let rate =
        |v: &serde_json::Value, n: &str, s: &str| v[n].as_f64().unwrap_or(0.0) / v[s].as_f64().unwrap_or(f64::NAN);
    let (nr, wr) = (rate(&native, "storm_steps", "storm_s"), rate(&wasm, "storm_steps", "storm_s"));

    let site = root().join("target/site");
    build_site(&site)?;
    let mut rows = Vec::new();
    let (mut raw_total, mut gz_total) = (0, 0);
    let mut entries: Vec<_> = std::fs::read_dir(&site).map_err(|e| e.to_string())?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let (raw, gz) = (file_size(&p), gzip_size(&p));
        // The example docs page is a page of its own, not part of what the playground loads.
        if name != "embed-example.html" {
            raw_total += raw;
            gz_total += gz;
        }
        rows.push((name, raw, gz));
    }

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
    let results: Vec<serde_json::Value> = browser
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["query"].is_string())
        .collect();
    let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);

    println!("\nFaultline benchmark (best of 5)");
    println!("kernel, 5-node message storm, {STEPS} steps:");
    println!("  native  {:>12.0} events/s", nr);
    println!("  wasm    {:>12.0} events/s   (Node {})", wr, output("node", &["--version"]).unwrap_or_default().trim());
    println!("  wasm/native ratio  {:.2}   (target >= 0.8)", wr / nr);
    for s in faultline_scenarios::all() {
        let id = s.id();
        let bench = s.info().samples_for(faultline_sim::SampleRole::Bench).next();
        let (name, sets) = bench.map_or(("?", ""), |x| (x.name, x.sets));
        let (n, w) = (&native["scenarios"][id], &wasm["scenarios"][id]);
        let (nrate, wrate) = (rate(n, "steps", "s"), rate(w, "steps", "s"));
        let per_run = |v: &serde_json::Value| v["s"].as_f64().unwrap_or(f64::NAN) * 1e3 / f64::from(RUNS);
        println!("{id}, sample `{name}` ({sets}), recorded as the browser does (checkpoints), {RUNS} seeds:");
        println!("  native  {nrate:>12.0} events/s   {:.3} ms per run", per_run(n));
        println!("  wasm    {wrate:>12.0} events/s   {:.3} ms per run", per_run(w));
        println!("  wasm/native ratio  {:.2}", wrate / nrate);
    }
    println!("built site (trunk build --release):");
    for (name, raw, gz) in rows {
        println!("  {:<44} {:>8} B raw  {:>8} B gzip", name, raw, gz);
    }
    println!(
        "  {:<44} {:>8} B raw  {:>8} B gzip   (target <= 204800 B gzip)",
        "the playground page (all but the example)", raw_total, gz_total
    );
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
