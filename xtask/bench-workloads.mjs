// The wasm workloads `cargo xtask bench` times, shared by Node (bench-wasm.mjs) and headless Chromium
// (tests/e2e/bench-wasm.mjs): the probe's storm (recorded, lean), the bare event loop, and each scenario's benchmark
// sample, best of 5 each. Returns the same shape as the native half (crates/probe/src/bin/bench_native.rs) prints.
export function measure(p, steps, runs) {
  const best = (f) => {
    let b = Infinity, n = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      n = f();
      b = Math.min(b, performance.now() - t);
    }
    return [b / 1000, n];
  };
  const [storm_s, storm_steps] = best(() => p.storm(1, steps));
  const [lean_s, lean_steps] = best(() => p.storm_lean(1, steps));
  const [bare_s, bare_steps] = best(() => p.bare_loop(1, steps));
  const scenarios = {};
  for (const id of p.scenario_ids().split(',')) {
    const [s, n] = best(() => p.bench_runs(id, runs));
    scenarios[id] = { s, steps: n };
  }
  return { storm_s, storm_steps, lean_s, lean_steps, bare_s, bare_steps, scenarios };
}
