// Browser half of `cargo xtask bench` for the search (not a test): in headless Chromium, with as many workers as
// the browser reports cores, (1) how many candidates a second the Web Workers try where nothing breaks (the Redis
// lock with fencing and a durable token), over `FAULTLINE_BENCH_SECONDS`; (2) how long from the click until the
// first counterexample of the Redis lock without fencing is known, and until it is shrunk and on screen: with the
// workers loaded as the pointer reached the button, and cold (a click with no pointer before it). Prints one JSON
// line.
import { start, stop, open } from './harness.mjs';

const SECONDS = Number(process.env.FAULTLINE_BENCH_SECONDS || 8);
const env = await start();
try {
  const status = (page) => page.textContent('#finder-status');
  const held = await open(env, '?scenario=redis-lock&fencing=true&persistence=aof-always&step=0');
  const workers = Number(await held.page.inputValue('#finder-workers'));
  await held.page.click('#btn-find');
  await held.page.waitForTimeout(SECONDS * 1000);
  const searching = await status(held.page);
  await held.page.click('#btn-find-stop');
  const [, runs, perS] = searching.match(/Searching: ([\d,]+) runs, ([\d,]+) runs\/s/) ?? [];
  await held.page.close();

  // A learner's pointer reaches the button before the click: that loads the workers (as a real pointer would).
  const firstCounterexample = async (hover) => {
  const broken = await open(env, '?scenario=redis-lock&step=0');
  if (hover) {
    await broken.page.hover('#btn-find');
    await broken.page.waitForTimeout(1000);
  }
  const times = await broken.page.evaluate(() => new Promise((ok) => {
    const el = document.querySelector('#finder-status');
    const t0 = performance.now();
    const seen = {};
    new MutationObserver(() => {
      const text = el.textContent;
      if (/Shrinking|Found/.test(text) && seen.first === undefined) seen.first = performance.now() - t0;
      if (/Found/.test(text)) { seen.found = performance.now() - t0; seen.text = text; ok(seen); }
    }).observe(el, { subtree: true, childList: true, characterData: true });
    document.querySelector('#btn-find').click();
  }));
  await broken.page.close();
  return times;
  };
  const cold = await firstCounterexample(false);
  const times = await firstCounterexample(true);
  const num = (s) => Number(String(s ?? 'NaN').replace(/,/g, ''));
  console.log(JSON.stringify({ workers, seconds: SECONDS, runs: num(runs), runs_per_s: num(perS),
    first_ms: times.first, found_ms: times.found, found: times.text, cold_first_ms: cold.first, cold_found_ms: cold.found }));
} finally {
  await stop(env);
}
