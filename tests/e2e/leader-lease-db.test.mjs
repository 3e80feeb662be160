// Browser test of the leader lease in a database row: setting node 1's clock back by clicks splits the brain
// (its UPDATE writes an expires_at from its own clock), and now() in SQL fixes it; the chapters' story ends with
// generations the storage checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('leader lease: a clock set back by clicks splits the brain; the database clock fixes it', async () => {
  const { page, errors } = await open(env, '?scenario=leader-lease-db&skew_ms=0&step=10');
  for (let i = 0; i < 3; i++) {
    const hash = await page.textContent('.hash');
    await page.locator('button.lane-name', { hasText: 'node 1' }).first().click();
    await page.locator('#fault-bar button', { hasText: 'clock −1 s' }).click();
    await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, hash);
  }
  assert.match(await page.textContent('#fault-list'), /node 1's clock jumps -1 s/);
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.match(await page.locator('#violation-banner').first().textContent(), /single-leader/);
  assert.match(await page.textContent('.banners'), /each node compared expires_at with its own clock/);
  await page.screenshot({ path: join(SHOTS, 'leader-lease-split-brain.png'), fullPage: true });
  // One clock decides: the same faults, no split brain.
  await page.selectOption('#param-fix', 'db-clock');
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  await page.waitForFunction(() => /fix=db-clock/.test(location.search) && /faults=jump:0/.test(location.search));
  assert.deepEqual(errors, []);
  await page.close();
});

test('leader lease: the pause beats the margin, and the generation fences it off', async () => {
  const { page, errors } = await open(env, '?scenario=leader-lease-db');
  await page.locator('button.chapter', { hasText: '6. A pause beats any margin' }).click();
  await page.keyboard.press('End');
  await page.locator('#violation-banner').first().waitFor();
  assert.match(await page.textContent('.banners'), /no-lost-update/);
  await page.locator('#chapter-next').click();
  await page.waitForFunction(() => document.querySelector('#chapter-text')?.textContent.includes('Fencing by generation'));
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  assert.match(await page.textContent('.banners'), /single-leader[\s\S]*harmless/);
  assert.match(await page.textContent('section.panels'), /writes rejected\s*1/);
  await page.screenshot({ path: join(SHOTS, 'leader-lease-fencing.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
