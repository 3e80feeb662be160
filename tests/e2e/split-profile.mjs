// The profile that splits each page's wasm in two (xtask/src/split.rs): `cargo xtask site` serves the site with every
// page's module instrumented, and this script opens each page as first visits do (below), and writes which
// functions ran (one byte each, 1 if it ran) into OUT/<page>.bin.
//
//   FAULTLINE_SITE=DIR node tests/e2e/split-profile.mjs OUT '{"redis-lock": ["?scenario=redis-lock"], "all": [""]}'
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { start, stop, newPage } from './harness.mjs';

const [out, pagesJson] = process.argv.slice(2);
const pages = JSON.parse(pagesJson);
await mkdir(out, { recursive: true });
const env = await start();
try {
  for (const [name, queries] of Object.entries(pages)) {
    let ran = null;
    // Each scenario as first visits open it: the playground (stepped back and forth with the keyboard, then every
    // chapter in turn), a shared link (the URL the page wrote after that: seed, knobs, faults, chapter and step),
    // links to another seed (with a parameter the page does not know, as an older link may have: the page names it
    // in a notice) and to a chapter, an embed in a docs page, and a workshop's presenter mode. The page of
    // every scenario: the front door once it has drawn every card's picture, and the workshop plan.
    const visits = queries.flatMap((q) => (q
      ? [[q, 'play'], ['shared', 'keys'], [`${q}&seed=7&speed=4`, 'none'], [`${q}&chapter=2`, 'none'], [`${q}&embed=1`, 'keys'],
        [`${q}&presenter=1`, 'keys']]
      : [[q, 'cards'], ['?page=workshop', 'none']]));
    let shared = null;
    for (const [visit, what] of visits) {
      const query = visit === 'shared' ? shared : visit;
      const { page, errors } = await newPage(env);
      await page.addInitScript(() => addEventListener('faultline-started', (e) => { window.__flProfiled = e.detail.wasm; }));
      await page.goto(env.base + query);
      await page.waitForFunction(() => window.__flProfiled, null, { timeout: 30000 });
      await page.waitForTimeout(300);
      if (what === 'cards') await page.waitForFunction(() => !document.querySelector('.thumb.pending'), null, { timeout: 30000 });
      if (what === 'play' || what === 'keys') {
        for (const key of ['ArrowRight', 'ArrowRight', 'ArrowLeft', 'End', 'Home']) {
          await page.keyboard.press(key);
          await page.waitForTimeout(100);
        }
      }
      if (what === 'play') {
        for (let i = 0; i < (await page.locator('button.chapter').count()); i++) {
          await page.locator('button.chapter').nth(i).click();
          await page.waitForTimeout(150);
        }
        shared = new URL(page.url()).search;
      }
      const bytes = await page.evaluate(() => {
        const ran = [];
        for (let i = 0; window.__flProfiled[`__fl_profile_${i}`]; i++) ran.push(window.__flProfiled[`__fl_profile_${i}`].value);
        return ran;
      });
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
