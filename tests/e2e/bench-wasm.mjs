// Chromium half of `cargo xtask bench`'s wasm figures (not a test): the probe (bound for the web) loaded in a
// page in headless Chromium, where the users are, timing the same workloads (xtask/bench-workloads.mjs) as Node
// and bench-native natively. Usage: FAULTLINE_SITE=<the probe bound with --target web> node bench-wasm.mjs STEPS
// RUNS. Prints one JSON object of the same shape.
import { writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { start, stop, newPage } from './harness.mjs';

const [steps, runs] = process.argv.slice(2).map(Number);
await writeFile(join(process.env.FAULTLINE_SITE, 'bench.html'), '<!DOCTYPE html><title>probe</title>');
await copyFile(new URL('../../xtask/bench-workloads.mjs', import.meta.url), join(process.env.FAULTLINE_SITE, 'bench-workloads.mjs'));
const env = await start();
try {
  const { page } = await newPage(env);
  await page.goto(`${env.base}bench.html`);
  const result = await page.evaluate(async ([steps, runs]) => {
    const p = await import('./faultline_probe.js');
    await p.default();
    const { measure } = await import('./bench-workloads.mjs');
    return { ...measure(p, steps, runs), browser: navigator.userAgent };
  }, [steps, runs]);
  console.log(JSON.stringify(result));
} finally {
  await stop(env);
}
