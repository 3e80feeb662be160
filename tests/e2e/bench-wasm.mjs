// Chromium half of `cargo xtask bench`'s wasm figures (not a test): the probe (bound for the web) loaded in a
// page in headless Chromium, where the users are, timing the same workloads (xtask/bench-workloads.mjs) as Node
// and bench-native natively. Usage: FAULTLINE_SITE=<the probe bound with --target web> node bench-wasm.mjs STEPS
// RUNS. Prints one JSON object of the same shape.
//
// With FAULTLINE_NATIVE_BENCH=<the bench-native binary>, each workload's samples alternate with native ones of the
// same workload (`bench-native --serve`), a few milliseconds apart, and the object also holds `paired`: each
// workload's best per call on each side and every pair's ratio. This machine's speed drifts by up to 2× over the
// minutes between the bench's separate native and Chromium runs, and from one second to the next; alternating
// samples meet the same machine state on both sides, and the best of each side is its least disturbed sample.
import { writeFile, copyFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { start, stop, newPage } from './harness.mjs';
import { repsFor } from '../../xtask/bench-workloads.mjs';

const [steps, runs] = process.argv.slice(2).map(Number);
const NATIVE = process.env.FAULTLINE_NATIVE_BENCH;
/// Alternating samples per workload and side.
const PAIRS = 9;
await writeFile(join(process.env.FAULTLINE_SITE, 'bench.html'), '<!DOCTYPE html><title>probe</title>');
await copyFile(new URL('../../xtask/bench-workloads.mjs', import.meta.url), join(process.env.FAULTLINE_SITE, 'bench-workloads.mjs'));

/// The native half, serving one request per line.
function nativeServer(bin) {
  const child = spawn(bin, ['--serve', String(steps), String(runs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async ask(request) {
      child.stdin.write(`${request}\n`);
      const { value, done } = await lines.next();
      if (done || value.startsWith('error')) throw new Error(`bench-native --serve: ${value ?? 'ended'} (asked: ${request})`);
      return value.split(' ').map(Number);
    },
    close() { child.stdin.end(); },
  };
}

const env = await start();
try {
  const { page } = await newPage(env);
  await page.goto(`${env.base}bench.html`);
  await page.evaluate(async ([steps, runs]) => {
    const p = await import('./faultline_probe.js');
    await p.default();
    window.bench = { p, w: await import('./bench-workloads.mjs'), steps, runs };
  }, [steps, runs]);
  if (!NATIVE) {
    const result = await page.evaluate(() => bench.w.measure(bench.p, bench.steps, bench.runs));
    console.log(JSON.stringify({ ...result, browser: await page.evaluate(() => navigator.userAgent) }));
  } else {
    const native = nativeServer(NATIVE);
    const names = ['storm', 'lean', 'bare', 'chacha', ...(await page.evaluate(() => bench.p.scenario_ids().split(',')))];
    const paired = {};
    for (const name of names) {
      const inPage = (f, arg) => page.evaluate(([f, name, arg]) => {
        const { p, w, steps, runs } = bench;
        const run = w.workload(p, name, steps, runs);
        return f === 'warm' ? w.warm(run) : w.sample(run, arg);
      }, [f, name, arg]);
      const repsC = repsFor(await inPage('warm'));
      const repsN = repsFor((await native.ask(`warm ${name}`))[0]);
      let c = Infinity, n = Infinity, events = 0;
      const ratios = [];
      for (let i = 0; i < PAIRS; i++) {
        const [cs, ce] = await inPage('sample', repsC);
        const [ns] = await native.ask(`sample ${name} ${repsN}`);
        c = Math.min(c, cs);
        n = Math.min(n, ns);
        events = ce;
        ratios.push(ns / cs);
      }
      paired[name] = { chromium_s: c, native_s: n, steps: events, ratios };
    }
    native.close();
    const scenarios = Object.fromEntries(names.slice(4).map((id) => [id, { s: paired[id].chromium_s, steps: paired[id].steps }]));
    const side = (k) => ({ [`${k}_s`]: paired[k].chromium_s, [`${k}_steps`]: paired[k].steps });
    console.log(JSON.stringify({
      ...side('storm'), ...side('lean'), ...side('bare'), ...side('chacha'), scenarios,
      browser: await page.evaluate(() => navigator.userAgent), paired,
    }));
  }
} finally {
  await stop(env);
}
