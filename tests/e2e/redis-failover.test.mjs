// Browser test of the Redis failover: crashing the primary by click right after it acknowledged client 1's
// lock makes Sentinel promote a replica without the key, and client 2 takes the lock too; fencing at the
// storage makes it harmless.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('redis failover: a primary crashed by click loses the lock; fencing makes it harmless', async () => {
  // Step 22: client 1 has just been told OK; the key exists on redis 1 only.
  const { page, errors } = await open(env, '?scenario=redis-failover&crash_primary_at_ms=0&step=22');
  assert.match(await page.locator('.log').textContent(), /client 1: believes it holds the lock/);
  const hash = await page.textContent('.hash');
  await page.locator('button.lane-name', { hasText: 'redis 1' }).first().click();
  await page.locator('#fault-bar button', { hasText: 'crash' }).first().click();
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, hash);
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.match(await page.locator('#violation-banner').first().textContent(), /single-holder/);
  assert.match(await page.textContent('.banners'), /Sentinel promoted the replica/);
  await page.screenshot({ path: join(SHOTS, 'redis-failover-race.png'), fullPage: true });
  await page.selectOption('#param-mitigation', 'fencing');
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  assert.match(await page.textContent('.banners'), /single-holder[\s\S]*fencing tokens/);
  assert.match(await page.textContent('section.panels'), /writes rejected\s*1/);
  assert.deepEqual(errors, []);
  await page.close();
});
