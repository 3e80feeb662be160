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

test('a step redraws what changed and leaves the arrows already drawn alone', async () => {
  // Busy traffic (a request every 5 ms): at almost every step an arrow, a tick or a bar is added. Each must be added
  // where it belongs, not by shifting every later node of the diagram one place on and rewriting it.
  const { page, errors } = await open(env, '?scenario=raft&request_ms=5&run_ms=3000&step=3000');
  await cursorAt(page, 3000);
  // Let the page settle: it measures its real width and scrolls to the cursor in the frames after it opens.
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok, 50)))));
  const ids = () => page.$$eval('#sequence g.msg', (gs) => gs.map((g) => g.dataset.msg));
  const drawn = await ids();
  await page.evaluate(() => {
    window.__rewritten = 0;
    new MutationObserver((ms) => {
      window.__rewritten += ms.filter((m) => m.attributeName === 'data-msg' && m.target.matches('g.msg')).length;
    }).observe(document.querySelector('#sequence'), { subtree: true, attributes: true });
  });
  // Step on until the view scrolls (then arrows leave on the left, and the ones left are rightly redrawn).
  const frame = () => page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0))));
  const scrolled = () => page.$eval('#sequence', (svg) => svg.parentElement.scrollLeft);
  const left = await scrolled();
  let rewritten = 0, stepped = 0;
  for (let i = 1; i <= 12; i++) {
    await page.evaluate(() => { window.__rewritten = 0; });
    await page.keyboard.press('ArrowRight');
    await cursorAt(page, 3000 + i);
    await frame();
    if (await scrolled() !== left) break;
    rewritten += await page.evaluate(() => window.__rewritten);
    stepped = i;
  }
  assert.ok(stepped >= 6, `stepped ${stepped} times before the view scrolled`);
  const added = (await ids()).filter((id) => !drawn.includes(id));
  assert.ok(added.length > 0, 'messages were sent in those steps');
  assert.equal(rewritten, 0, `no arrow already drawn was turned into another in ${stepped} steps`);
  assert.deepEqual(errors, []);
});
