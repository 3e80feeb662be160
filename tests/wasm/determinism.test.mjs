// Cross-target determinism: the wasm build (run here in Node) must produce the same trace hashes as the
// native build. Native hashes come from the pinned golden traces and from a file the xtask writes with native
// runs of many seeds (FAULTLINE_NATIVE_HASHES). FAULTLINE_PROBE_JS is the wasm-bindgen (nodejs) module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const probe = require(process.env.FAULTLINE_PROBE_JS);
const root = new URL('../../', import.meta.url);

test('every golden trace in the registry hashes the same in wasm as natively', () => {
  const samples = probe.golden_samples().split('\n').filter(Boolean);
  assert.ok(samples.length >= 2, `expected golden samples, got ${samples.length}`);
  for (const line of samples) {
    const [scenario, name, seed, sets = ''] = line.split(' ');
    const golden = JSON.parse(readFileSync(new URL(`tests/golden/${scenario}-${name}.json`, root)));
    assert.equal(String(golden.seed), seed, `${scenario}-${name}: the canonical seed`);
    assert.equal(probe.run_hash(scenario, seed, sets), golden.hash, `${scenario}-${name}`);
  }
});

test('many seeds and settings hash the same in wasm as natively', () => {
  const cases = JSON.parse(readFileSync(process.env.FAULTLINE_NATIVE_HASHES));
  assert.ok(cases.length >= 100, `expected many native cases, got ${cases.length}`);
  for (const c of cases) {
    assert.equal(probe.run_hash(c.scenario, String(c.seed), c.sets), c.hash, `seed ${c.seed} sets ${c.sets}`);
  }
});

test('bad input is an error string, not a crash', () => {
  assert.match(probe.run_hash('nope', '1', ''), /^error: unknown scenario/);
  assert.match(probe.run_hash('redis-lock', 'x', ''), /^error: bad seed/);
  assert.match(probe.run_hash('redis-lock', '1', 'ttl_ms=1'), /^error: .*out of range/);
});
