// Browser test of presenter mode on a projector: at 1280×720 and 1920×1080, for every scenario's second chapter
// (opened by a bare chapter link), the main views take at least 60% of the viewport, the page scrolls neither way,
// every lane of a diagram that is the main view is on screen, and the chapter's caption is large enough to read
// from the back of a room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, SHOTS, scenarioIds } from './harness.mjs';

let env;
let SCENARIOS;
before(async () => { env = await start(); SCENARIOS = await scenarioIds(env); });
after(async () => { await stop(env); });


for (const [w, h] of [[1280, 720], [1920, 1080]]) {
  test(`presenter at ${w}×${h}: the main views fill the screen, nothing scrolls`, async () => {
    for (const s of SCENARIOS) {
      const { page, errors } = await open(env, `?scenario=${s}&chapter=2&presenter=1`);
      await page.setViewportSize({ width: w, height: h });
      await page.waitForSelector('#chapter-text');
      await page.waitForTimeout(150);
      const m = await page.evaluate(() => {
        const stage = document.querySelector('.stage').getBoundingClientRect();
        const el = document.documentElement;
        return {
          share: (Math.min(stage.bottom, innerHeight) - stage.top) / innerHeight,
          hscroll: el.scrollWidth > innerWidth,
          vscroll: el.scrollHeight > innerHeight,
          caption: parseFloat(getComputedStyle(document.querySelector('#chapter-text')).fontSize),
          // Where the diagram is the main view (no ring, no crowd), every lane's name is on screen.
          hidden: document.querySelector('.stage .ring, .stage .population') ? []
            : [...document.querySelectorAll('.stage .lane-name')]
              .filter((l) => l.getBoundingClientRect().bottom > Math.min(stage.bottom, innerHeight) + 1)
              .map((l) => l.textContent),
        };
      });
      assert.ok(m.share >= 0.6, `${s}: the main views take ${(m.share * 100).toFixed(0)}% of ${w}×${h}`);
      assert.ok(!m.hscroll && !m.vscroll, `${s}: the page scrolls at ${w}×${h}`);
      assert.ok(m.caption >= 18, `${s}: caption at ${m.caption}px`);
      assert.deepEqual(m.hidden, [], `${s}: lanes off the screen at ${w}×${h}`);
      if (s === 'two-phase-commit' || s === 'thundering-herd') {
        await page.screenshot({ path: join(SHOTS, `presenter-${s}-${w}.png`) });
      }
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
}

test('a presentation remote walks the Redis-lock story beat by beat (PageDown / PageUp)', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&chapter=2&presenter=1');
  await page.setViewportSize({ width: 1280, height: 720 });
  const beat = async () => (await page.textContent('#beat-count')).trim();
  const caption = () => page.textContent('#chapter-text');
  assert.equal(await beat(), '1 / 4');
  assert.match(await caption(), /takes the lock/);
  const seen = [await caption()];
  for (const want of ['2 / 4', '3 / 4', '4 / 4']) {
    await page.keyboard.press('PageDown');
    await page.waitForFunction((w) => document.querySelector('#beat-count')?.textContent.trim() === w, want);
    seen.push(await caption());
    // The way to the beat plays, and stops on it.
    await page.waitForFunction(() => document.querySelector('#btn-play')?.getAttribute('aria-label').startsWith('Play'), null, { timeout: 15000 });
  }
  assert.equal(new Set(seen).size, 4, seen.join(' | '));
  await page.waitForFunction(() => document.querySelector('.banner.observation')?.textContent.includes('single-holder'), null, { timeout: 15000 });
  await page.screenshot({ path: join(SHOTS, 'presenter-redis-beat-4.png') });
  // Past the last beat, the next chapter; PageUp comes back to this one's last beat.
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => document.querySelector('#chapter-select')?.value === '2');
  assert.match(await caption(), /Client 2 read the counter/);
  await page.keyboard.press('PageUp');
  await page.waitForFunction(() => document.querySelector('#beat-count')?.textContent.trim() === '4 / 4');
  // The remote's blank key (b) blacks the screen out; its next click brings it back where it was.
  await page.keyboard.press('b');
  await page.locator('#blank').waitFor();
  await page.keyboard.press('PageDown');
  await page.locator('#blank').waitFor({ state: 'detached' });
  assert.equal((await page.textContent('#beat-count')).trim(), '4 / 4');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the speaker window follows the projected window and drives it back', async () => {
  // Both windows in one browser context: BroadcastChannel joins windows of one origin and one profile.
  const ctx = await env.browser.newContext({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  const main = await ctx.newPage();
  const speaker = await ctx.newPage();
  for (const p of [main, speaker]) p.on('pageerror', (e) => errors.push(e.message));
  await main.goto(env.base + '?scenario=redis-lock&chapter=2&presenter=1');
  await main.waitForSelector('#beat-count');
  await speaker.goto(env.base + '?speaker=1&scenario=redis-lock');
  await speaker.waitForFunction(() => document.querySelector('#speaker-where')?.textContent.includes('beat 1 of 4'));
  assert.match(await speaker.textContent('#speaker-now'), /takes the lock/);
  assert.match(await speaker.textContent('#speaker-notes'), /Ask the room/);
  assert.match(await speaker.textContent('#speaker-next'), /garbage collector/);
  // A beat change in the projected window shows in the speaker window...
  await main.keyboard.press('PageDown');
  await speaker.waitForFunction(() => document.querySelector('#speaker-where')?.textContent.includes('beat 2 of 4'));
  // ...and the speaker window's Next moves the projected one.
  await speaker.click('#speaker-go');
  await main.waitForFunction(() => document.querySelector('#beat-count')?.textContent.trim() === '3 / 4');
  await speaker.waitForFunction(() => document.querySelector('#speaker-where')?.textContent.includes('beat 3 of 4'));
  await speaker.screenshot({ path: join(SHOTS, 'speaker-window.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});
