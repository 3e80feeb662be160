// Browser half of `cargo xtask bench`'s load figures (not a test): how soon the default pages are interactive,
// served from this machine. Each load is a fresh browser context (no HTTP cache, no service worker), timed from the
// start of navigation. The playground (the default scenario, as a link without a query lands on it): the diagram
// is drawn, and then a key press (→) has moved the cursor — the first input handled (www/loader.js holds a key
// pressed before the rest of the module has come, and replays it once the rest is here); and when the rest has come,
// after which any input is answered at once (`<html data-rest>`). The front door: every scenario's card drawn. Prints
// one JSON line per page.
//
// Nothing of Playwright's runs in the page while it loads: the times are taken by a script the page runs first, which
// logs them once it has them. (`page.waitForFunction` or `page.evaluate` would first inject Playwright's own script
// into the page: Chromium's trace showed it as an 11–38 ms task on the page's main thread, in the middle of the load
// that is being timed.)
import { start, stop } from './harness.mjs';

const PAGES = [
  { label: 'the playground, default scenario (?scenario=redis-lock)', query: '?scenario=redis-lock', drawn: '#sequence', key: true },
  { label: 'the front door (every scenario)', query: '', drawn: '#cards .card' },
];
const LOADS = 7;
// The page logs its times on a line that starts with this.
const DONE = 'faultline-bench-load ';

const env = await start();
try {
  for (const { label, query, drawn, key } of PAGES) {
    const rendered = [], interactive = [], rest = [];
    for (let i = 0; i < LOADS; i++) {
      const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 }, serviceWorkers: 'block' });
      const page = await context.newPage();
      // Times since navigation started (performance.now() counts from there): when the selector first matches,
      // when the step counter first changes after a → pressed at that moment, and when the rest has come.
      await page.addInitScript(([drawn, key, DONE]) => {
        window.__load = {};
        // Stop watching and log the times: the bench waits for that line.
        const report = () => {
          mo.disconnect();
          console.log(`${DONE}${JSON.stringify(window.__load)}`);
        };
        const counter = () => document.querySelector('#step-counter')?.textContent;
        const mo = new MutationObserver(() => {
          if (window.__load.rest === undefined && document.documentElement.dataset.rest) {
            window.__load.rest = performance.now();
          }
          if (window.__load.rendered === undefined && document.querySelector(drawn)) {
            window.__load.rendered = performance.now();
            if (!key) { report(); return; }
            window.__load.before = counter();
            // Press → until the page answers (its key handler is attached just after the first render), as a
            // person would: a key press a task, with the page's own tasks and frames in between.
            const press = () => {
              if (window.__load.interactive !== undefined) return;
              document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
              setTimeout(press, 0);
            };
            press();
          }
          if (window.__load.rendered !== undefined && key && window.__load.interactive === undefined
            && counter() !== window.__load.before) {
            window.__load.interactive = performance.now();
          }
          if (window.__load.interactive !== undefined && window.__load.rest !== undefined) report();
        });
        mo.observe(document, { subtree: true, childList: true, characterData: true, attributes: true,
          attributeFilter: ['data-rest'] });
      }, [drawn, key, DONE]);
      const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith(DONE), timeout: 30000 });
      await page.goto(env.base + query, { waitUntil: 'commit' });
      const t = JSON.parse((await done).text().slice(DONE.length));
      rendered.push(t.rendered);
      if (key) {
        interactive.push(t.interactive);
        rest.push(t.rest);
      }
      await context.close();
    }
    const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    console.log(JSON.stringify({
      label,
      loads: LOADS,
      rendered_ms: { median: median(rendered), max: Math.max(...rendered) },
      interactive_ms: key ? { median: median(interactive), max: Math.max(...interactive) } : null,
      rest_ms: key ? { median: median(rest), max: Math.max(...rest) } : null,
    }));
  }
} finally {
  await stop(env);
}
