// Wasm half of `cargo xtask bench`, run in Node: times the probe's workloads (bench-workloads.mjs, the same the
// native half and Chromium time) and prints one JSON object. Usage: node bench-wasm.mjs PROBE_JS STEPS RUNS
import { createRequire } from 'node:module';
import { measure } from './bench-workloads.mjs';

const p = createRequire(import.meta.url)(process.argv[2]);
console.log(JSON.stringify(measure(p, Number(process.argv[3]), Number(process.argv[4]))));
