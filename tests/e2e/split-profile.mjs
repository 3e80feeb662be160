// The profile that splits each page's wasm in two (xtask/src/split.rs): `cargo xtask site` serves the site with every
// page's module instrumented, and this script opens each page as first visits do (below), and writes which
// functions ran (one byte each, 1 if it ran) into OUT/<page>.bin.
//
//   FAULTLINE_SITE=DIR node tests/e2e/split-profile.mjs OUT '{"redis-lock": ["?scenario=redis-lock"], "all": [""]}'
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { start, stop, newPage } from './harness.mjs';

const [out, pagesJson] = process.argv.slice(2);
// Links to a step of a run, as a learner shares what they see: what the page draws there (a message in flight, a
// breach marked on the diagram, a crowd's member whose events end) runs code that neither a run's first step nor a
// chapter's beat may. Early, later and past the end of the run (the page says so and shows its end), and another
// seed's. Without them, 49 of 120 links to steps 5, 20, 40 and 80 of seeds 1, 2 and 1000 loaded the rest
// synchronously as they started (the browser test opens links to steps of seeds not visited here).
const STEPS = ['step=5', 'step=20', 'step=80', 'step=1000000', 'seed=7&step=40'];
const pages = JSON.parse(pagesJson);
await mkdir(out, { recursive: true });
const env = await start();
try {
  for (const [name, queries] of Object.entries(pages)) {
    let ran = null;
    // Each scenario as first visits open it: the playground, a shared link (the URL the page wrote after a learner
    // opened every chapter and stepped the last one: seed, knobs, faults, chapter and step), links to another
    // seed (with a parameter the page does not know, as an older link may have: the page names it in a notice) and
    // to each chapter and to steps of a run (`STEPS`), an embed in a docs page, and a workshop's presenter mode. The
    // page of every scenario: the front door once it has drawn every card's picture, and the workshop plan. What each
    // visit runs until it is drawn counts; what the learner does next (a key, a click, an embedding page's command)
    // runs the rest, which the loader fetches as soon as the page has started and holds that input until it has come
    // (www/loader.js).
    // Each scenario's playground comes first: what it offers (its chapters, the link it writes) makes visits of
    // their own.
    const visits = queries.flatMap((q) => (q
      ? [[q, 'play'], ['shared', 'none'], [`${q}&seed=7&speed=4`, 'none'], [`${q}&embed=1`, 'none'],
        [`${q}&presenter=1`, 'none'], ...STEPS.map((s) => [`${q}&${s}`, 'none'])]
      : [[q, 'cards'], ['?page=workshop', 'none']]));
    let shared = null;
    while (visits.length) {
      const [visit, what] = visits.shift();
      const query = visit === 'shared' ? shared : visit;
      const { page, errors } = await newPage(env);
      await page.addInitScript(() => addEventListener('faultline-started', (e) => { window.__flProfiled = e.detail.wasm; }));
      await page.goto(env.base + query);
      await page.waitForFunction(() => window.__flProfiled, null, { timeout: 30000 });
      await page.waitForTimeout(300);
      if (what === 'cards') await page.waitForFunction(() => !document.querySelector('.thumb.pending'), null, { timeout: 30000 });
      const bytes = await page.evaluate(() => {
        const ran = [];
        for (let i = 0; window.__flProfiled[`__fl_profile_${i}`]; i++) ran.push(window.__flProfiled[`__fl_profile_${i}`].value);
        return ran;
      });
      // The link a learner shares after playing with the page: made here, and opened as the next visit.
      if (what === 'play') {
        const chapters = await page.locator('button.chapter').count();
        // A link to each chapter (a workshop's plan links to them).
        for (let i = chapters; i >= 1; i--) visits.splice(1, 0, [`${visit}&chapter=${i}`, 'none']);
        // Each step waits for the page to have taken it (the URL names the chapter; the step counter settles), so
        // that the link is the same on every build: pressed too soon after a chapter, a key raced the chapter's
        // landing on its first beat, and the link's step (and what its visit ran) changed from run to run.
        const settled = async () => {
          let last = null;
          for (let i = 0; i < 40; i++) {
            await page.waitForTimeout(150);
            const now = await page.evaluate(
              () => location.search + document.querySelector('#step-counter')?.textContent);
            if (now === last) return;
            last = now;
          }
          throw new Error(`the page ${name} did not settle within 6 s of a click or a key (it is at ${last})`);
        };
        for (let i = 0; i < chapters; i++) {
          await page.locator('button.chapter').nth(i).click();
          await page.waitForFunction((n) => new URLSearchParams(location.search).get('chapter') === String(n), i + 1);
          await settled();
        }
        for (const key of ['ArrowRight', 'ArrowRight', 'ArrowLeft', 'Home', 'End', 'ArrowLeft']) {
          await page.keyboard.press(key);
          await settled();
        }
        shared = new URL(page.url()).search;
      }
      if (errors.length) throw new Error(`the page ${name} (${query || 'no query'}) reported errors: ${errors.join('; ')}`);
      ran = ran ? ran.map((b, i) => b | bytes[i]) : bytes;
      await page.close();
    }
    await writeFile(join(out, `${name}.bin`), Buffer.from(ran));
    console.log(`  profiled ${name}: ${ran.filter((b) => b).length} functions ran`);
  }
} finally {
  await stop(env);
}
