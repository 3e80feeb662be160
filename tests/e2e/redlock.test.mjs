// Browser test of Redlock: the clock-jump counterexample (two majorities at once), a jump made by click on a
// calm run, and the token source that fences it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('redlock: a clock jumped by click lets a second majority form; a token source fences it', async () => {
  // No scripted jump: client 1 holds A, B and C (D and E are cut off from it) at step 22.
  const { page, errors } = await open(env, '?scenario=redlock&jump_master=0&step=22');
  assert.match(await page.locator('.log').textContent(), /client 1: believes it holds the lock/);
  const hash = await page.textContent('.hash');
  await page.locator('button.lane-name', { hasText: 'redis C' }).first().click();
  await page.locator('#fault-bar button', { hasText: 'clock +1 s' }).click();
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, hash);
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.match(await page.locator('#violation-banner').first().textContent(), /single-holder/);
  assert.match(await page.textContent('.banners'), /cannot tell their writes apart/);
  await page.screenshot({ path: join(SHOTS, 'redlock-two-majorities.png'), fullPage: true });
  await page.check('#param-token_source');
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  assert.match(await page.textContent('section.panels'), /writes rejected\s*1/);
  assert.deepEqual(errors, []);
  await page.close();
});
