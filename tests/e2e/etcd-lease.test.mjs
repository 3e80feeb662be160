// Browser test of the etcd lock: a pause by click on the owner lets its lease expire and the next client own the
// lock; the lock key's revision as a fencing token refuses the old owner's write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('etcd lock: pausing the owner by click hands the lock on; the revision fences the late write', async () => {
  // No scripted pause, a 300 ms lease, and work long enough that a click-pause (500 ms) strikes while client 1
  // computes. Step 12: it owns the lock.
  const { page, errors } = await open(env, '?scenario=etcd-lease&pause_ms=0&ttl_ms=300&work_ms=2000&step=12');
  assert.match(await page.locator('.log').textContent(), /client 1: owns the lock/);
  const hash = await page.textContent('.hash');
  await page.locator('button.lane-name', { hasText: 'client 1' }).first().click();
  await page.locator('#fault-bar button', { hasText: 'pause' }).first().click();
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, hash);
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.match(await page.textContent('.banners'), /lease expired at etcd/);
  await page.screenshot({ path: join(SHOTS, 'etcd-lease-paused-owner.png'), fullPage: true });
  await page.check('#param-fencing');
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  assert.match(await page.textContent('section.panels'), /writes rejected\s*1/);
  assert.deepEqual(errors, []);
  await page.close();
});
