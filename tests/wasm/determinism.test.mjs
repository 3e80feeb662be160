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

function setsOf(params, defaults) {
  return Object.entries(params)
    .filter(([k, v]) => defaults[k] !== v)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

test('the canonical golden traces hash the same in wasm as natively', () => {
  const plain = JSON.parse(readFileSync(new URL('tests/golden/redis-lock-canonical.json', root)));
  const fenced = JSON.parse(readFileSync(new URL('tests/golden/redis-lock-canonical-fencing.json', root)));
  assert.equal(probe.run_hash('redis-lock', String(plain.seed), ''), plain.hash);
  assert.equal(probe.run_hash('redis-lock', String(fenced.seed), setsOf(fenced.params, plain.params)), fenced.hash);
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
