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

    step("browser (headless Chromium): seek and step on a long run");
    ensure_tools(true)?;
    // The first scenario that declares a long run.
    let (long_id, long_sets, long_events) = {
        use faultline_sim::{FaultPlan, RunOptions, SampleRole};
        let (s, sample) = faultline_scenarios::all()
            .iter()
            .find_map(|s| s.info().samples_for(SampleRole::LongRun).next().map(|x| (*s, x)))
            .ok_or("no scenario declares a long run for the browser benchmark")?;
        let p = s.params_with(sample.sets).map_err(|e| e.to_string())?;
        let t = s.run(&p, 1, &FaultPlan::new(), &RunOptions::default()).map_err(|e| e.to_string())?;
        (s.id(), sample.sets, (t.steps, t.events.len()))
    };
    let query = format!("?scenario={long_id}&seed=1&{}", long_sets.replace(',', "&"));
    let (browser, ok) = run_capture(
        Command::new("node")
            .arg("tests/e2e/bench.mjs")
            .env("FAULTLINE_SITE", &site)
            .env("FAULTLINE_BENCH_QUERY", &query)
            .env("CHROMIUM", chromium()),
    );
    ok?;
    let b: serde_json::Value =
        serde_json::from_str(browser.lines().last().unwrap_or("")).map_err(|e| format!("browser bench: {e}"))?;
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
    println!(
        "browser, {long_id} {long_sets} seed 1: {} steps, {} events (loaded and checkpointed in {} ms):",
        long_events.0, long_events.1, b["load_ms"]
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
    Ok(())
}
