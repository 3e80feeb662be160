// The wasm workloads `cargo xtask bench` times, shared by Node (bench-wasm.mjs) and headless Chromium
// (tests/e2e/bench-wasm.mjs): the probe's storm (recorded, lean), the bare event loop (with xorshift and with ChaCha8), and each scenario's benchmark
// sample, best of 5 each, after a warm-up. Returns the same shape as the native half
// (crates/probe/src/bin/bench_native.rs) prints.

/// A workload by its name, as the native half names it: `storm`, `lean`, `bare`, `chacha` or a scenario's id.
export function workload(p, name, steps, runs) {
  switch (name) {
    case 'storm': return () => p.storm(1, steps);
    case 'lean': return () => p.storm_lean(1, steps);
    case 'bare': return () => p.bare_loop(1, steps);
    case 'chacha': return () => p.bare_loop_chacha(1, steps);
    default: return () => p.bench_runs(name, runs);
  }
}

// Warm up first: V8 compiles wasm with its baseline compiler (Liftoff) and moves hot functions to its optimising
// one (TurboFan) in the background, so a first call runs slower code than the page runs after a few seconds.
/// Run `f` for 300 ms; the seconds per call.
export function warm(f) {
  const t = performance.now();
  let calls = 0;
  while (performance.now() - t < 300) { f(); calls++; }
  return (performance.now() - t) / calls / 1000;
}

/// Time `reps` calls of `f`: the seconds per call and the events of one call.
export function sample(f, reps) {
  let n = 0;
  const t = performance.now();
  for (let r = 0; r < reps; r++) n = f();
  return [(performance.now() - t) / reps / 1000, n];
}

/// Calls enough for a sample of 50 ms: Chromium's clock ticks in 0.1 ms, and a short scenario's 20 runs take
/// about 1 ms.
export const repsFor = (perCall) => Math.max(1, Math.ceil(0.05 / perCall));

export function measure(p, steps, runs) {
  // Best of 5 samples, per call.
  const best = (f) => {
    const reps = repsFor(warm(f));
    let b = Infinity, n = 0;
    for (let i = 0; i < 5; i++) {
      const [s, events] = sample(f, reps);
      b = Math.min(b, s);
      n = events;
    }
    return [b, n];
  };
  const [storm_s, storm_steps] = best(workload(p, 'storm', steps, runs));
  const [lean_s, lean_steps] = best(workload(p, 'lean', steps, runs));
  const [bare_s, bare_steps] = best(workload(p, 'bare', steps, runs));
  const [chacha_s, chacha_steps] = best(workload(p, 'chacha', steps, runs));
  const scenarios = {};
  for (const id of p.scenario_ids().split(',')) {
    const [s, n] = best(workload(p, id, steps, runs));
    scenarios[id] = { s, steps: n };
  }
  return { storm_s, storm_steps, lean_s, lean_steps, bare_s, bare_steps, chacha_s, chacha_steps, scenarios };
}
