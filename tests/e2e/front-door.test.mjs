// Browser test of the front door (the site's root), the workshop plan, and what opening a scenario shows: a card
// per scenario with a picture drawn from its canonical run and a link into each chapter; a bare scenario link
// lands on the first beat of the first chapter, with its caption.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, newPage, scenarioIds, SHOTS } from './harness.mjs';

let env;
let SCENARIOS;
before(async () => { env = await start(); SCENARIOS = await scenarioIds(env); });
after(async () => { await stop(env); });

async function page(width, height, query = '') {
  const { page: p, errors } = await newPage(env, { width, height });
  await p.goto(env.base + query);
  await p.waitForSelector('main', { timeout: 20000 });
  return { p, errors };
}

test('the front door: a card per scenario, each with its picture and its chapters; no sideways scroll', async () => {
  for (const [w, h] of [[1400, 1000], [390, 844]]) {
    const { p, errors } = await page(w, h);
    const cards = p.locator('.card');
    assert.equal(await cards.count(), SCENARIOS.length);
    assert.ok(SCENARIOS.length >= 6);
    // The pictures are drawn after the cards, one run each: every one becomes a diagram, a ring or a crowd.
    await p.waitForFunction(() => !document.querySelector('.thumb.pending'), null, { timeout: 20000 });
    for (let i = 0; i < SCENARIOS.length; i++) {
      const card = cards.nth(i);
      assert.equal(await card.locator('.thumb svg, .thumb canvas').count() > 0, true, `card ${i} has a picture`);
      assert.ok(Number(await card.locator('.thumb').getAttribute('data-step')) > 0, `card ${i} shows a step past 0`);
      assert.ok(await card.locator('.card-chapters a').count() >= 3, `card ${i} lists its chapters`);
    }
    assert.match(await p.locator('#card-redis-lock .card-chapters a').nth(2).getAttribute('href'),
      /^\?scenario=redis-lock&chapter=3$/);
    const [scroll, inner] = await p.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert.ok(scroll <= inner, `no horizontal scroll at ${w}px (${scroll} > ${inner})`);
    await p.screenshot({ path: join(SHOTS, `front-door-${w}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await p.close();
  }
});

test('opening a scenario lands on the first beat of its first chapter; the brand leads back', async () => {
  const { p, errors } = await page(1400, 1000);
  await p.locator('#card-two-phase-commit h2 a').click();
  await p.waitForSelector('#sequence');
  await p.waitForFunction(() => /chapter=1/.test(location.search));
  assert.match(await p.textContent('#chapter-text'), /Commit|commit/);
  const m = (await p.textContent('#step-counter')).match(/step (\d+) \//);
  assert.ok(Number(m[1]) > 0, 'not bare lanes at step 0');
  // A URL that names a step shows exactly that step, with no chapter.
  await p.goto(env.base + '?scenario=two-phase-commit&step=0');
  await p.waitForSelector('#sequence');
  assert.match(await p.textContent('#step-counter'), /step 0 \//);
  assert.equal(await p.locator('#chapter-text').count(), 0);
  await p.locator('a.brand').click();
  await p.waitForSelector('#cards');
  assert.deepEqual(errors, []);
  await p.close();
});

test('the workshop plan links each stop into presenter mode at its chapter', async () => {
  const { p, errors } = await page(1280, 720);
  await p.click('#workshop-link');
  await p.waitForSelector('#plan');
  const parts = p.locator('#plan > li');
  assert.ok(await parts.count() >= 4);
  await p.screenshot({ path: join(SHOTS, 'workshop-plan.png') });
  const stop = p.locator('#plan a', { hasText: 'The leader crashes' });
  assert.equal(await stop.getAttribute('href'), '?scenario=raft&chapter=2&presenter=1');
  await stop.click();
  await p.waitForSelector('.app.presenter #sequence');
  assert.equal(await p.inputValue('#chapter-select'), '1');
  assert.deepEqual(errors, []);
  await p.close();
});
