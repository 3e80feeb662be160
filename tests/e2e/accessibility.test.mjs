// axe-core, run in the page: no serious or critical violation on any scenario and view (single, compare,
// presenter, embed), the front door, the workshop plan and the speaker window, in light and in dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { start, stop, newPage, scenarioIds } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const pages = (scenarios) => [
  '', '?page=workshop', '?speaker=1&scenario=redis-lock',
  ...scenarios.flatMap((s) => [
    `?scenario=${s}`, `?scenario=${s}&view=compare&step=40`, `?scenario=${s}&chapter=2&presenter=1`,
    `?scenario=${s}&embed=1&step=30`,
  ]),
];

let env;
let PAGES;
before(async () => { env = await start(); PAGES = pages(await scenarioIds(env)); });
after(async () => { await stop(env); });

for (const scheme of ['light', 'dark']) {
  test(`axe: no serious or critical violation, ${scheme}`, async () => {
    // axe-core goes in as an inline script, which the site's policy refuses (csp.test.mjs checks the policy).
    const { page, errors } = await newPage(env, undefined, { bypassCSP: true });
    await page.emulateMedia({ colorScheme: scheme });
    const found = [];
    for (const q of PAGES) {
      await page.goto(env.base + q);
      await page.waitForSelector('main', { timeout: 20000 });
      // The front door draws its pictures after the cards: check the page as it ends up.
      await page.waitForFunction(() => !document.querySelector('.thumb.pending'), null, { timeout: 20000 });
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => (await axe.run(document, { resultTypes: ['violations'] }))
        .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
      found.push(...violations.map((v) => `${q || '(front door)'}: ${v}`));
    }
    assert.deepEqual(found, [], found.join('\n'));
    assert.deepEqual(errors, []);
    await page.close();
  });
}
