//! `cargo xtask serve | test | bench`: the two README commands (and the benchmark), installing what a fresh
//! machine lacks: cargo-nextest, the wasm32 target, trunk, the wasm-bindgen-cli that matches Cargo.lock,
//! Chromium and its driver, and the Node packages of the browser tests. Nothing is downloaded from outside the package
//! registries.

mod bench;
mod fuzz;
mod install;
mod site;
mod split;
mod split_data;
mod test;

use install::{chromium, ensure_tools, minify, optimize_wasm};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const TRUNK_VERSION: &str = "0.21.14";
const NEXTEST_VERSION: &str = "0.9.143";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("test") => test::test(&args[1..]),
        Some("bench") => bench::bench(),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("install") => ensure_tools(true),
        Some("site") => ensure_tools(true)
            .and_then(|()| build_site(&args.get(1).map_or_else(|| root().join("dist"), PathBuf::from)).map(drop)),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  serve    install what is missing, build the site, and serve it at http://127.0.0.1:8080\n  \
                 test     run every test: native, wasm determinism, browser end-to-end (--quick: native only)\n  \
                 bench    print kernel events/s natively and in wasm, and the built site's sizes\n  \
                 fuzz     property tests with a million cases each, and 100,000 swarm seeds per scenario\n  \
                 site [DIR]  build the static site into DIR (default dist/): a page per scenario, from any sub-path\n  \
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

fn serve() -> Result {
    // Everything the README promises, the browser-test tools included, so that `test` works right after.
    ensure_tools(true)?;
    // What ships: a page per scenario under its Content Security Policy (`trunk serve` is the quicker loop while
    // editing: one module with every scenario, rebuilt on every change, without the policy).
    let dist = root().join("dist");
    build_site(&dist)?;
    step("serving the playground at http://127.0.0.1:8080 (Ctrl+C to stop)");
    run(Command::new("node").arg("tests/e2e/static-server.mjs").arg(&dist).arg("8080"))
}

/// Build the site into `dist`: a page per scenario (see `site`); returns the loader's map of pages.
fn build_site(dist: &Path) -> Result<serde_json::Value> {
    site::build(dist)
}

/// Build the probe for wasm and bind it for Node; returns the path of its JS module.
fn build_probe() -> Result<PathBuf> {
    step("building the wasm probe");
    // The browser's profile (Cargo.toml's `wasm`), so that the probe measures what the page runs.
    run(Command::new(cargo()).args(["build", "--profile", "wasm", "--target", WASM_TARGET, "-p", "faultline-probe"]))?;
    let out = root().join("target/probe");
    let wasm = root().join(format!("target/{WASM_TARGET}/wasm/faultline_probe.wasm"));
    run(Command::new("wasm-bindgen").args(["--target", "nodejs", "--out-dir"]).arg(&out).arg(&wasm))?;
    // The same module bound for a page, for the bench's figures in Chromium.
    let web = root().join("target/probe-web");
    run(Command::new("wasm-bindgen").args(["--target", "web", "--out-dir"]).arg(&web).arg(&wasm))?;
    // Optimised as the page's modules are (`cargo xtask site`).
    for dir in [&out, &web] {
        optimize_wasm(&dir.join("faultline_probe_bg.wasm"))?;
    }
    Ok(out.join("faultline_probe.js"))
}
