// The wasm workloads `cargo xtask bench` times, shared by Node (bench-wasm.mjs) and headless Chromium
// (tests/e2e/bench-wasm.mjs): the probe's storm (recorded, lean), the bare event loop (with xorshift and with ChaCha8), and each scenario's benchmark
// sample, best of 5 each, after a warm-up. Returns the same shape as the native half
// (crates/probe/src/bin/bench_native.rs) prints.
export function measure(p, steps, runs) {
  // Warm up first: V8 compiles wasm with its baseline compiler (Liftoff) and moves hot functions to its optimising
  // one (TurboFan) in the background, so a first call runs slower code than the page runs after a few seconds.
  // Then time enough calls together that a sample lasts 50 ms: Chromium's clock ticks in 0.1 ms, and a short
  // scenario's 20 runs take about 1 ms. Best of 5 samples, per call.
  const best = (f) => {
    const warm = performance.now();
    let calls = 0;
    while (performance.now() - warm < 300) { f(); calls++; }
    const reps = Math.max(1, Math.ceil(50 / ((performance.now() - warm) / calls)));
    let b = Infinity, n = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      for (let r = 0; r < reps; r++) n = f();
      b = Math.min(b, (performance.now() - t) / reps);
    }
    return [b / 1000, n];
  };
  const [storm_s, storm_steps] = best(() => p.storm(1, steps));
  const [lean_s, lean_steps] = best(() => p.storm_lean(1, steps));
  const [bare_s, bare_steps] = best(() => p.bare_loop(1, steps));
  const [chacha_s, chacha_steps] = best(() => p.bare_loop_chacha(1, steps));
  const scenarios = {};
  for (const id of p.scenario_ids().split(',')) {
    const [s, n] = best(() => p.bench_runs(id, runs));
    scenarios[id] = { s, steps: n };
  }
  return { storm_s, storm_steps, lean_s, lean_steps, bare_s, bare_steps, chacha_s, chacha_steps, scenarios };
}
