// Browser end-to-end test of the cache stampede: the population view shows the crowd, a click follows a client
// (the URL keeps it, the run's hash does not change), a crowd plays by time, and the chapters show the stampede
// and what stops it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

const legend = async (page) => Object.fromEntries((await page.locator('.population .legend li').allTextContents())
  .map((t) => t.split(': ')).map(([k, v]) => [k, Number(v)]));

test('herd: the stampede chapter fills the database queue with one key; a click follows a client', async () => {
  const { page, errors } = await open(env, '?scenario=thundering-herd');
  await page.locator('button.chapter', { hasText: '1. The stampede' }).click();
  // The chapter's second beat plays the expiry and stops at the stampede.
  await page.waitForSelector('#beat-count');
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => document.querySelector('.banner.observation')?.textContent.includes('stampede'));
  await page.waitForFunction(() => document.querySelector('#btn-play')?.getAttribute('aria-label').startsWith('Play'));
  const counts = await legend(page);
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 1000, JSON.stringify(counts));
  assert.ok(counts['querying the db'] > 10, JSON.stringify(counts));
  await page.screenshot({ path: join(SHOTS, 'herd-stampede.png') });
  // Follow a client by clicking its cell: the trace keeps its events, the hash stays.
  const hash = await page.textContent('span.hash');
  const box = await page.locator('#population').boundingBox();
  await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.5);
  await page.waitForSelector('#followed');
  const followed = await page.textContent('#followed');
  const n = Number(followed.match(/client (\d+)/)[1]);
  await page.waitForFunction((n) => location.search.includes(`follow=${n}`), n);
  assert.equal(await page.textContent('span.hash'), hash);
  assert.deepEqual(errors, []);
  await page.close();
});

test('herd: a crowd plays by time, and XFetch ends with no stampede', async () => {
  const { page, errors } = await open(env, '?scenario=thundering-herd');
  await page.keyboard.press(' ');
  await page.waitForTimeout(600);
  await page.keyboard.press(' ');
  const { cursor } = await counter(page);
  assert.ok(cursor > 100, `played ${cursor} steps in 0.6 s`);
  await page.locator('button.chapter', { hasText: '8. XFetch' }).click();
  const { steps } = await counter(page);
  await cursorAt(page, steps);
  const banners = await page.locator('.banner.observation').allTextContents();
  assert.ok(!banners.some((t) => /stampede/.test(t)), banners.join('\n'));
  await page.screenshot({ path: join(SHOTS, 'herd-xfetch.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
