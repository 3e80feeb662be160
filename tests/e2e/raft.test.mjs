// Browser end-to-end test of the Raft scenario: a leader is elected; crashing it by click on the ring elects
// a new leader in a higher term.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

/** The leaders the ring shows: [{ name, term }]. */
async function leaders(page) {
  return page.$$eval('#ring .server.tone-good', (els) => els.map((el) => ({
    name: el.querySelector('.name').textContent,
    term: Number(el.querySelector('.badge').textContent.slice(1)),
  })));
}

test('raft: a leader is elected, and crashing it by click elects another in a higher term', async () => {
  const { page, errors } = await open(env, '?scenario=raft&run_ms=3000&request_ms=0&step=120');
  await page.locator('#ring').waitFor();
  const [first] = await leaders(page);
  assert.ok(first, 'a leader by step 120');
  assert.equal(first.term, 1);
  await page.locator('#ring .server', { has: page.locator('.name', { hasText: first.name }) }).click();
  await page.locator('#fault-bar button', { hasText: 'crash' }).first().click();
  await page.waitForFunction(() => document.querySelector('#fault-list')?.textContent.includes('crashes'));
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  const after = await leaders(page);
  assert.equal(after.length, 1, `one leader at the end: ${JSON.stringify(after)}`);
  assert.notEqual(after[0].name, first.name);
  assert.ok(after[0].term > first.term, `${JSON.stringify(after)}`);
  assert.equal(await page.locator('#violation-banner').count(), 0);
  await page.screenshot({ path: join(SHOTS, 'raft-new-leader.png'), fullPage: true });

  // Cut a link by clicking its chord on the ring.
  await page.locator('#ring .chord .hit').first().dispatchEvent('click');
  await page.locator('#fault-bar button', { hasText: 'cut both ways' }).click();
  await page.waitForFunction(() => document.querySelector('#fault-list')?.textContent.includes('is cut'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('raft: the scenario picker switches scenarios and the URL follows', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock');
  await page.selectOption('#scenario-select', 'raft');
  await page.locator('#ring').waitFor();
  await page.waitForFunction(() => /scenario=raft/.test(location.search));
  assert.match(await page.textContent('h1'), /Raft/);
  assert.deepEqual(errors, []);
  await page.close();
});
