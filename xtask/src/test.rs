//! `cargo xtask test`: every test, in order — fmt, clippy, the native tests, the wasm determinism check, the
//! release site build and the browser tests — with one closing tally line.

use crate::{build_probe, build_site, cargo, chromium, ensure_tools, root, run, run_counted, step, Result};
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

#[derive(Default)]
pub(crate) struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Count cargo's `test result: ok. N passed; M failed` lines (stable libtest has no machine-readable output).
    pub(crate) fn add(&mut self, out: &str) {
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
            }
        }
    }
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
        let mut node = Command::new("node");
        node.arg("--test").env("FAULTLINE_PROBE_JS", &probe).env("FAULTLINE_NATIVE_HASHES", &hashes);
        run_node_tests(node, "tests/wasm/", &mut tally)?;
        let site = root().join("target/site");
        build_site(&site)?;
        step("browser end-to-end tests (headless Chromium, site served from a sub-path)");
        let mut node = Command::new("node");
        node.args(["--test", "--test-concurrency=1"]).env("FAULTLINE_SITE", &site).env("CHROMIUM", chromium());
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
