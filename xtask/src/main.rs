//! `cargo xtask serve | test | bench`: the two README commands (and the benchmark), installing what a fresh
//! machine lacks: the wasm32 target, trunk, the wasm-bindgen-cli that matches Cargo.lock, Chromium and its
//! driver, and the Node packages of the browser tests. Nothing is downloaded from outside the package
//! registries.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(),
        Some("install") => ensure_tools(true),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  serve    install what is missing, then serve the playground at http://127.0.0.1:8080\n  \
                 test     run every test: native, wasm determinism, browser end-to-end (--quick: native only)\n  \
                 bench    print kernel events/s natively and in wasm, and the built site's sizes\n  \
                 install  install the wasm target, trunk, wasm-bindgen-cli, Chromium and the test packages"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// Run a command in the repository root, inheriting output.
fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd.current_dir(root()).status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Run a command, echo its stdout, and return it; a failure still hands its output to `tally`.
fn run_counted(cmd: &mut Command, tally: &mut Tally) -> Result {
    let (out, result) = run_capture(cmd);
    tally.add(&out);
    result.map(|_| ())
}

/// Run a command, echo its stdout, and return it with the command's success.
fn run_capture(cmd: &mut Command) -> (String, Result) {
    let shown = format!("{cmd:?}");
    let mut child = match cmd.current_dir(root()).stdout(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => return (String::new(), Err(format!("cannot start {shown}: {e}"))),
    };
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            println!("{line}");
            out.push_str(&line);
            out.push('\n');
        }
    }
    let result = match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{shown} failed ({status})")),
        Err(e) => Err(e.to_string()),
    };
    (out, result)
}

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let o = Command::new(cmd).args(args).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// The wasm-bindgen version Cargo.lock pins (the CLI must match it exactly), read with a TOML parser.
fn locked_wasm_bindgen() -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let lock: Lock = toml::from_str(&lock).map_err(|e| format!("Cargo.lock: {e}"))?;
    lock.package
        .into_iter()
        .find(|p| p.name == "wasm-bindgen")
        .map(|p| p.version)
        .ok_or_else(|| "Cargo.lock names no wasm-bindgen".to_string())
}

fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

/// Install what the web build needs; with `browser`, also Chromium and the Node test packages.
fn ensure_tools(browser: bool) -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        step(&format!("installing the {WASM_TARGET} target"));
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    let want = locked_wasm_bindgen()?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !have.split_whitespace().any(|w| w == want) {
        step(&format!("installing wasm-bindgen-cli {want} (matches Cargo.lock; about 6 minutes on 2 cores)"));
        run(Command::new(cargo()).args(["install", "wasm-bindgen-cli", "--version", &want, "--force"]))?;
    }
    let have = output("trunk", &["--version"]).unwrap_or_default();
    if !have.contains(TRUNK_VERSION) {
        step(&format!("installing trunk {TRUNK_VERSION} (about 11 minutes on 2 cores)"));
        run(Command::new(cargo()).args(["install", "trunk", "--version", TRUNK_VERSION, "--locked", "--force"]))?;
    }
    if browser {
        if !Path::new(&chromium()).exists() || !Path::new("/usr/bin/chromedriver").exists() {
            step("installing Chromium and its driver (Debian packages)");
            let sudo = if is_root() { vec![] } else { vec!["sudo"] };
            let apt = |args: &[&str]| {
                let mut all: Vec<&str> = sudo.clone();
                all.push("apt-get");
                all.extend_from_slice(args);
                let mut c = Command::new(all[0]);
                c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
                run(&mut c)
            };
            apt(&["update"])?;
            apt(&["install", "-y", "chromium", "chromium-driver"])?;
        }
        let e2e = root().join("tests/e2e");
        if !e2e.join("node_modules/playwright-core").exists() {
            step("installing the browser tests' Node packages (npm ci)");
            run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&e2e)).or_else(|_| {
                run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--prefix", "tests/e2e"]))
            })?;
        }
    }
    Ok(())
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn serve() -> Result {
    // Everything the README promises, the browser-test tools included, so that `test` works right after.
    ensure_tools(true)?;
    step("serving the playground at http://127.0.0.1:8080 (Ctrl+C to stop)");
    run(Command::new("trunk").args(["serve"]))
}

/// Build the site with trunk into `dist` (release, relative paths so it works from any sub-path).
fn build_site(dist: &Path) -> Result {
    step("building the site (trunk build --release)");
    run(Command::new("trunk").args(["build", "--release", "--dist"]).arg(dist))
}

/// Build the probe for wasm and bind it for Node; returns the path of its JS module.
fn build_probe() -> Result<PathBuf> {
    step("building the wasm probe");
    run(Command::new(cargo()).args(["build", "--release", "--target", WASM_TARGET, "-p", "faultline-probe"]))?;
    let out = root().join("target/probe");
    let wasm = root().join(format!("target/{WASM_TARGET}/release/faultline_probe.wasm"));
    run(Command::new("wasm-bindgen").args(["--target", "nodejs", "--out-dir"]).arg(&out).arg(&wasm))?;
    Ok(out.join("faultline_probe.js"))
}

/// Native hashes for every checked sample of every scenario in the registry, 30 seeds each, for the wasm
/// determinism test to compare against.
fn write_native_hashes(path: &Path) -> Result {
    use faultline_sim::{FaultPlan, RunOptions, SampleRole};
    let mut cases = Vec::new();
    for s in faultline_scenarios::all() {
        for sample in s.info().samples.iter().filter(|x| x.role != SampleRole::LongRun) {
            let mut p = s.default_params();
            p.apply(sample.sets).map_err(|e| format!("{} sample {}: {e}", s.id(), sample.name))?;
            for seed in 0..30u64 {
                let t = s.run(&p, seed, &FaultPlan::new(), &RunOptions::default()).map_err(|e| e.to_string())?;
                cases
                    .push(serde_json::json!({ "scenario": s.id(), "seed": seed, "sets": sample.sets, "hash": t.hash }));
            }
        }
    }
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).map_err(|e| e.to_string())?;
    std::fs::write(path, serde_json::Value::Array(cases).to_string()).map_err(|e| e.to_string())
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Count `test result: ok. N passed; M failed` (cargo) and `# pass N` / `# fail N` (node --test) lines.
    fn add(&mut self, out: &str) {
        for line in out.lines() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("test result: ") {
                for part in rest.split(';') {
                    let words: Vec<&str> = part.split_whitespace().collect();
                    for w in words.windows(2) {
                        match (w[0].trim_end_matches('.').parse::<u64>(), w[1]) {
                            (Ok(n), "passed") => self.passed += n,
                            (Ok(n), "failed") => self.failed += n,
                            _ => {}
                        }
                    }
                }
            } else if let Some(n) = l.strip_prefix("# pass ").and_then(|n| n.parse::<u64>().ok()) {
                self.passed += n;
            } else if let Some(n) = l.strip_prefix("# fail ").and_then(|n| n.parse::<u64>().ok()) {
                self.failed += n;
            }
        }
    }
}

fn test(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    let started = Instant::now();
    let mut tally = Tally::default();
    let result = (|| -> Result {
        step("cargo fmt --check");
        run(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;
        step("cargo clippy (all targets, warnings are errors)");
        run(Command::new(cargo()).args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
        step("native tests (kernel, scenarios, seed sweeps, golden traces, CLI, web logic)");
        run_counted(Command::new(cargo()).args(["test", "--workspace"]), &mut tally)?;
        if quick {
            return Ok(());
        }
        ensure_tools(true)?;
        let probe = build_probe()?;
        let hashes = root().join("target/probe/native-hashes.json");
        write_native_hashes(&hashes)?;
        step("wasm determinism: the same inputs hash the same in wasm (Node) as natively");
        run_counted(
            Command::new("node")
                .args(["--test", "tests/wasm/"])
                .env("FAULTLINE_PROBE_JS", &probe)
                .env("FAULTLINE_NATIVE_HASHES", &hashes),
            &mut tally,
        )?;
        let site = root().join("target/site");
        build_site(&site)?;
        step("browser end-to-end tests (headless Chromium, site served from a sub-path)");
        run_counted(
            Command::new("node")
                .args(["--test", "--test-concurrency=1", "tests/e2e/"])
                .env("FAULTLINE_SITE", &site)
                .env("CHROMIUM", chromium()),
            &mut tally,
        )?;
        Ok(())
    })();
    eprintln!("\nxtask test took {:.0} s; screenshots in tests/e2e/screenshots/", started.elapsed().as_secs_f64());
    if let Err(e) = &result {
        // A step that failed outside a test runner (fmt, clippy, a build) counts as one failure.
        tally.failed = tally.failed.max(1);
        eprintln!("xtask: {e}");
    }
    println!("summary: {} passed, {} failed", tally.passed, tally.failed);
    result
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn gzip_size(path: &Path) -> u64 {
    Command::new("gzip").args(["-9", "-c"]).arg(path).output().map(|o| o.stdout.len() as u64).unwrap_or(0)
}

fn bench() -> Result {
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
            .find_map(|s| s.info().samples.iter().find(|x| x.role == SampleRole::LongRun).map(|x| (*s, x)))
            .ok_or("no scenario declares a long run for the browser benchmark")?;
        let mut p = s.default_params();
        p.apply(sample.sets).map_err(|e| e.to_string())?;
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
        let bench = s.info().samples.iter().find(|x| x.role == faultline_sim::SampleRole::Bench);
        let (name, sets) = bench.map_or(("?", ""), |x| (x.name, x.sets));
        let (n, w) = (&native["scenarios"][id], &wasm["scenarios"][id]);
        let (nrate, wrate) = (rate(n, "steps", "s"), rate(w, "steps", "s"));
        let per_run = |v: &serde_json::Value| v["s"].as_f64().unwrap_or(f64::NAN) * 1e3 / f64::from(RUNS);
        println!("{id}, sample `{name}` ({sets}), as the browser runs it (views recorded), {RUNS} seeds:");
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
