// Wasm half of `cargo xtask bench`, run in Node: times the probe's workloads (the same functions the native
// half times) and prints one JSON object of the same shape. Usage: node bench-wasm.cjs PROBE_JS STEPS RUNS
const p = require(process.argv[2]);
const { performance } = require('perf_hooks');
const steps = Number(process.argv[3]);
const runs = Number(process.argv[4]);

function best(f) {
  let b = Infinity, n = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    n = f();
    b = Math.min(b, performance.now() - t);
  }
  return [b / 1000, n];
}

const [storm_s, storm_steps] = best(() => p.storm(1, steps));
const scenarios = {};
for (const id of p.scenario_ids().split(',')) {
  const [s, n] = best(() => p.bench_runs(id, runs));
  scenarios[id] = { s, steps: n };
}
console.log(JSON.stringify({ storm_s, storm_steps, scenarios }));
