//! `cargo xtask test`: every test, in order — fmt, clippy, the native tests, the wasm determinism check, the
//! release site build and the browser tests — with one closing tally line.

use crate::{build_probe, build_site, cargo, chromium, ensure_tools, install, root, run, step, Result};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Native hashes for every checked sample of every scenario in the registry, 30 seeds each, for the wasm
/// determinism test to compare against.
pub(crate) fn write_native_hashes(path: &Path) -> Result {
    use faultline_sim::{FaultPlan, RunOptions, SampleRole};
    let mut cases = Vec::new();
    for s in faultline_scenarios::all() {
        for sample in s.info().samples.iter().filter(|x| x.role != SampleRole::LongRun) {
            let p = s.params_with(sample.sets).map_err(|e| format!("{} sample {}: {e}", s.id(), sample.name))?;
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

/// What the native search finds for the browser test's searches (`tests/e2e/finder.test.mjs`): the browser's
/// workers must find the same candidate and shrink it to the same run.
pub(crate) fn write_native_search(path: &Path) -> Result {
    use faultline_sim::search::{first_failure, shrink, Shape, SHRINK_RUNS};
    // Fencing on, but Redis keeps no log: a restart hands out a token again.
    let (id, sets) = ("redis-lock", "fencing=true,gc_pause_ms=0");
    let s = faultline_scenarios::find(id).ok_or_else(|| format!("no scenario {id}"))?;
    let p = s.params_with(sets).map_err(|e| e.to_string())?;
    let shape = Shape::probe(s, &p).map_err(|e| e.to_string())?;
    let seed = s.canonical_seed();
    let (i, f) = first_failure(s, &p, &shape, seed, None, 0..100_000).ok_or_else(|| format!("{id}: nothing found"))?;
    let a = shrink(s, &f, SHRINK_RUNS).after;
    let cases = vec![serde_json::json!({
        "scenario": id, "sets": sets, "seed": seed, "candidate": i,
        "shrunk": { "seed": a.seed, "faults": a.faults.to_compact(),
            "sets": a.params.non_default().map(|(k, v)| format!("{}={v}", k.key)).collect::<Vec<_>>().join(",") },
    })];
    std::fs::write(path, serde_json::Value::Array(cases).to_string()).map_err(|e| e.to_string())
}

#[derive(Default)]
pub(crate) struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Add the counts of a JUnit report (nextest's): `tests` run, of which `failures` and `errors` did not pass.
    /// A report that is missing or unreadable (the build failed) counts as one failure.
    fn add_junit(&mut self, path: &Path) {
        let counts = std::fs::read_to_string(path).ok().and_then(|xml| {
            let doc = roxmltree::Document::parse(&xml).ok()?;
            let n = |attr: &str| doc.root_element().attribute(attr).and_then(|v| v.parse::<u64>().ok());
            Some((n("tests")?, n("failures").unwrap_or(0) + n("errors").unwrap_or(0)))
        });
        match counts {
            Some((tests, failed)) => {
                self.passed += tests.saturating_sub(failed);
                self.failed += failed;
            }
            None => self.failed += 1,
        }
    }
}

/// Run the native tests with nextest and add its JUnit report (`.config/nextest.toml`) to `tally`.
fn run_native_tests(tally: &mut Tally) -> Result {
    let report = root().join("target/nextest/default/junit.xml");
    let _ = std::fs::remove_file(&report);
    let result = run(Command::new(cargo()).args(["nextest", "run", "--workspace", "--no-fail-fast"]));
    tally.add_junit(&report);
    result
}

/// Run `node --test` on `dir` with its usual output on the terminal and a machine-readable tally
/// (`tests/tally-reporter.mjs`) added to `tally`. No tally at all (node died) counts as a failure.
fn run_node_tests(mut cmd: Command, dir: &str, tally: &mut Tally) -> Result {
    #[derive(serde::Deserialize)]
    struct NodeTally {
        passed: u64,
        failed: u64,
    }
    let file = root().join(format!("target/node-tally-{}.json", dir.trim_matches('/').replace('/', "-")));
    let _ = std::fs::remove_file(&file);
    cmd.args([
        "--test-reporter=tap",
        "--test-reporter-destination=stdout",
        "--test-reporter=./tests/tally-reporter.mjs",
    ])
    .arg(format!("--test-reporter-destination={}", file.display()))
    .arg(dir);
    let result = run(&mut cmd);
    match std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str::<NodeTally>(&t).ok()) {
        Some(t) => {
            tally.passed += t.passed;
            tally.failed += t.failed;
        }
        None => tally.failed += 1,
    }
    result
}

pub(crate) fn test(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    let started = Instant::now();
    let mut tally = Tally::default();
    let result = (|| -> Result {
        step("cargo fmt --check");
        run(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;
        step("cargo clippy (all targets, warnings are errors)");
        run(Command::new(cargo()).args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
        install::ensure_nextest()?;
        step("native tests with nextest (kernel, scenarios, seed sweeps, golden traces, the guide, CLI, web logic)");
        run_native_tests(&mut tally)?;
        if quick {
            return Ok(());
        }
        ensure_tools(true)?;
        let probe = build_probe()?;
        let hashes = root().join("target/probe/native-hashes.json");
        write_native_hashes(&hashes)?;
        step("wasm determinism: the same inputs hash the same in wasm (Node) as natively");
        let mut node = Command::new("node");
        node.arg("--test").env("FAULTLINE_PROBE_JS", &probe).env("FAULTLINE_NATIVE_HASHES", &hashes);
        run_node_tests(node, "tests/wasm/", &mut tally)?;
        let site = root().join("target/site");
        build_site(&site)?;
        let search = root().join("target/probe/native-search.json");
        write_native_search(&search)?;
        step("browser end-to-end tests (headless Chromium, site served from a sub-path)");
        let mut node = Command::new("node");
        node.args(["--test", "--test-concurrency=1"])
            .env("FAULTLINE_SITE", &site)
            .env("CHROMIUM", chromium())
            .env("FAULTLINE_NATIVE_SEARCH", &search);
        run_node_tests(node, "tests/e2e/", &mut tally)?;
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
