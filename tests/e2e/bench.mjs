// Browser half of `cargo xtask bench` (not a test): opens each long run in headless Chromium (a fresh page
// each) and measures its load (the run built and checkpointed), the page's memory (JS heap + wasm memory), (1)
// seeking to random steps with the scrub bar and (2) stepping one step per frame, each from the input event until
// the app has re-rendered. Prints one JSON line per run.
import { start, stop } from './harness.mjs';

const QUERIES = JSON.parse(process.env.FAULTLINE_BENCH_QUERIES);
const env = await start();
try {
for (const QUERY of QUERIES) {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.addInitScript(() => {
    addEventListener('faultline-started', (e) => { window.__wasm = e.detail.wasm; });
    // Time every playback tick: from the app's setInterval callback (the reducer) until the page has re-rendered
    // the step counter (a MutationObserver callback runs once the render is done).
    window.__ticks = [];
    window.__tickStart = null;
    const every = window.setInterval.bind(window);
    window.setInterval = (fn, ms, ...rest) => every(() => {
      window.__tickStart = performance.now();
      fn();
    }, ms, ...rest);
    addEventListener('faultline-started', () => {
      new MutationObserver(() => {
        if (window.__tickStart !== null) {
          window.__ticks.push(performance.now() - window.__tickStart);
          window.__tickStart = null;
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  });
  const t0 = Date.now();
  await page.goto(env.base + QUERY);
  await page.waitForSelector('#sequence', { timeout: 180000 });
  const loadMs = Date.now() - t0;
  const memory = await page.evaluate(() => (performance.memory?.usedJSHeapSize ?? 0) + (window.__wasm?.memory?.buffer.byteLength ?? 0));
  const r = await page.evaluate(async () => {
    const macrotask = () => new Promise((ok) => {
      const c = new MessageChannel();
      c.port1.onmessage = () => ok();
      c.port2.postMessage(0);
    });
    // Resolves once the app has re-rendered the step counter (MutationObserver callbacks run after the render).
    const rendered = () => new Promise((ok) => {
      const mo = new MutationObserver(() => { mo.disconnect(); ok(); });
      mo.observe(document.querySelector('#step-counter'), { subtree: true, childList: true, characterData: true });
    });
    const counter = () => Number(document.querySelector('#step-counter').textContent.match(/step (\d+)/)[1]);
    const scrub = document.querySelector('#scrub');
    const steps = Number(scrub.max);
    const seeks = [];
    let x = 12345;
    // 200 seeks: with 60, the 95th percentile was the 3rd slowest, and one garbage collection or one frame's layout
    // landing in a seek moved it by 10 ms between runs of the same build.
    for (let i = 0; i < 200; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const target = x % steps;
      // A seek to where the cursor already is renders nothing (and would wait for ever): skip it.
      if (target === counter()) continue;
      const done = rendered();
      const t = performance.now();
      scrub.value = String(target);
      scrub.dispatchEvent(new Event('input', { bubbles: true }));
      await done;
      seeks.push(performance.now() - t);
      await macrotask();
      if (counter() !== target) throw new Error(`seek to ${target} shows ${counter()}`);
    }
    // Step from the middle, or from early enough that 400 steps stay within a short run (a step past the end
    // renders nothing, and would wait for ever).
    scrub.value = String(Math.max(0, Math.min(Math.floor(steps / 2), steps - 401)));
    scrub.dispatchEvent(new Event('input', { bubbles: true }));
    await macrotask();
    const frames = [];
    for (let i = 0; i < 400 && counter() < steps; i++) {
      const done = rendered();
      const t = performance.now();
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
      await done;
      frames.push(performance.now() - t);
      await macrotask();
    }
    // A run that plays by time (a crowd): play it at real time for three seconds from the start and time each
    // tick, with the frames the population view draws in between.
    let ticks = [];
    if (document.querySelector('select[aria-label^="Playback speed"]')?.textContent.includes('real time')) {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
      document.dispatchEvent(new KeyboardEvent('keydown', { key: '5', bubbles: true }));
      await macrotask();
      window.__ticks = [];
      document.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
      await new Promise((ok) => setTimeout(ok, 3000));
      document.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
      ticks = window.__ticks.slice();
    }
    return { steps, seeks, frames, ticks };
  });
  const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  console.log(JSON.stringify({
    query: QUERY,
    load_ms: loadMs,
    memory_mb: memory / 1048576,
    steps: r.steps,
    seek_ms: { median: pct(r.seeks, 0.5), p95: pct(r.seeks, 0.95), max: Math.max(...r.seeks), n: r.seeks.length },
    frame_ms: { median: pct(r.frames, 0.5), p95: pct(r.frames, 0.95), max: Math.max(...r.frames), n: r.frames.length },
    tick_ms: r.ticks.length ? { median: pct(r.ticks, 0.5), p95: pct(r.ticks, 0.95), max: Math.max(...r.ticks), n: r.ticks.length } : null,
  }));
  await page.close();
}
} finally {
  await stop(env);
}
