//! Installing what a fresh machine lacks: cargo-nextest, the wasm32 target, the wasm-bindgen-cli that equals Cargo.lock's
//! wasm-bindgen, trunk, and (for the browser tests) Debian's Chromium and its driver and the tests' Node packages.
//! Nothing is downloaded from outside the package registries.

use crate::{cargo, output, root, run, step, Result, NEXTEST_VERSION, TRUNK_VERSION, WASM_TARGET};
use std::path::Path;
use std::process::Command;

/// The wasm-bindgen version Cargo.lock pins (the CLI must match it exactly), read with a TOML parser.
pub(crate) fn locked_wasm_bindgen() -> Result<String> {
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

pub(crate) fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

/// Install what the web build needs; with `browser`, also Chromium and the Node test packages.
/// cargo-nextest runs the native tests: it reports them as JUnit XML, which the tally reads.
pub(crate) fn ensure_nextest() -> Result {
    if output(&cargo(), &["nextest", "--version"]).is_none() {
        step(&format!("installing cargo-nextest {NEXTEST_VERSION} (about 5 minutes on 2 cores)"));
        run(Command::new(cargo()).args(["install", "cargo-nextest", "--version", NEXTEST_VERSION, "--locked"]))?;
    }
    Ok(())
}

pub(crate) fn ensure_tools(browser: bool) -> Result {
    ensure_nextest()?;
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
    if ![wasm_opt(), node_tool("terser/bin/terser"), node_tool("csso-cli/bin/csso")].iter().all(|t| t.exists()) {
        step("installing binaryen's wasm-opt, terser and csso (npm ci in xtask/node)");
        // `run` starts commands in the repository's root: name the folder.
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--prefix", "xtask/node"]))?;
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
        if ["playwright-core", "axe-core"].iter().any(|p| !e2e.join("node_modules").join(p).exists()) {
            step("installing the browser tests' Node packages (npm ci)");
            // `run` starts commands in the repository's root: name the folder.
            run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--prefix", "tests/e2e"]))?;
        }
    }
    Ok(())
}

/// binaryen's wasm-opt from the npm registry (a Node program): Debian's binaryen 108 cannot read rustc 1.95's
/// output, and trunk would download its own, which this machine kind cannot.
pub(crate) fn wasm_opt() -> std::path::PathBuf {
    node_tool("binaryen/bin/wasm-opt")
}

fn node_tool(path: &str) -> std::path::PathBuf {
    root().join("xtask/node/node_modules").join(path)
}

/// Minify a script of the site in place (terser: an ES module, compressed and its local names shortened), or a
/// stylesheet (csso). The page's glue, its loader and its stylesheets are a tenth of its first load: the Redis lock's
/// glue 8.5 → 5.6 KB gzip, the loader 2.7 → 1.3 KB, the stylesheets 7.2 → 5.7 KB. The same input gives the same
/// output, so a file's hashed name still names one content.
pub(crate) fn minify(file: &Path) -> Result {
    let mut c = Command::new("node");
    match file.extension().and_then(|e| e.to_str()) {
        Some("js") => c.arg(node_tool("terser/bin/terser")).args(["--module", "--compress", "--mangle", "-o"]),
        // Without restructuring: rules stay in their order (and the stylesheets came out smaller than with it).
        Some("css") => c.arg(node_tool("csso-cli/bin/csso")).args(["--no-restructure", "-o"]),
        _ => return Err(format!("{} is neither a script nor a stylesheet", file.display())),
    };
    run(c.arg(file).arg(file))
}

/// Optimise a wasm module for speed in place, as the page ships it (`cargo xtask site`) and as the bench's probe
/// measures it. `-O3`: the Redis lock's recorded runs took 14% less time in Node, 2PC's 9%, and the page's module
/// came out 1% smaller (gzip). The features are those rustc 1.95 turns on for wasm32-unknown-unknown.
pub(crate) fn optimize_wasm(wasm: &Path) -> Result {
    let features = [
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    // The linker's symbol table and relocations (`--emit-relocs`, for the split's data) would only go stale here.
    let bytes = std::fs::read(wasm).map_err(|e| format!("reading {}: {e}", wasm.display()))?;
    std::fs::write(wasm, crate::split_data::strip(&bytes)?).map_err(|e| format!("writing {}: {e}", wasm.display()))?;
    // Without the `producers` and `target_features` sections: no browser reads them.
    run(Command::new("node")
        .arg(wasm_opt())
        .args(["-O3", "--strip-producers", "--strip-target-features"])
        .args(features)
        .arg(wasm)
        .arg("-o")
        .arg(wasm))
}

pub(crate) fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}
