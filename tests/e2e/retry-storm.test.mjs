// Browser end-to-end test of the retry storm: retrying at once is a storm (an observation), full jitter gets
// every client through, and the compare view puts the chosen backoff beside none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

const legend = async (page, id = '#population') => Object.fromEntries((await page.locator(`.population:has(${id}) .legend li`).allTextContents())
  .map((t) => t.split(': ')).map(([k, v]) => [k, Number(v)]));

test('storm: retrying at once is a storm; full jitter gets everyone through; compare puts it beside none', async () => {
  const { page, errors } = await open(env, '?scenario=retry-storm');
  await page.locator('button.chapter', { hasText: '1. Retry at once' }).click();
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.querySelector('.banner.observation')?.textContent.includes('retry-amplification'));
  await page.locator('button.chapter', { hasText: '3. Full jitter' }).click();
  await page.waitForFunction(() => document.querySelector('#chapter-text')?.textContent.includes('Full jitter'));
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  const done = await legend(page);
  assert.equal(done['succeeded at once'] + done['succeeded after retries'], 100, JSON.stringify(done));
  assert.ok(done['succeeded after retries'] > 0, JSON.stringify(done));
  assert.equal(await page.locator('.banner.observation').count(), 0);
  await page.locator('#btn-compare').click();
  await page.waitForSelector('#population-compare');
  const titles = await page.locator('#compare .diagram-title').allTextContents();
  assert.ok(titles.some((t) => t.startsWith('backoff = none')), titles.join(' | '));
  await page.screenshot({ path: join(SHOTS, 'storm-compare.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a crowd that would keep the page busy is cut at the crowd step limit, and the page says so from step 0', async () => {
  const { page, errors } = await open(env, '?scenario=retry-storm&clients=10000&backoff=none');
  const banner = page.locator('#limit-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), /The run was stopped after 6000000 steps \(the step limit\); what follows is cut off/);
  assert.deepEqual(await counter(page), { cursor: 0, steps: 6000000 });
  await page.screenshot({ path: join(SHOTS, 'storm-step-limit.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
