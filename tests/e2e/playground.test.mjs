// Browser end-to-end tests of the playground's basics: the failure and the fix, bad URLs, keyboard, URL state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

async function playToEnd(page) {
  await page.selectOption('select[aria-label^="Playback speed"]', '5'); // 32 steps/s
  await page.click('#btn-play');
  await page.waitForFunction(() => {
    const m = document.querySelector('#step-counter')?.textContent.match(/step (\d+) \/ (\d+)/);
    return m && m[1] === m[2];
  }, null, { timeout: 30000 });
}

test('fencing off: playing to the end raises the violation banner', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&fencing=false');
  assert.equal(await page.locator('#violation-banner').count(), 0, 'no banner before anything ran');
  await playToEnd(page);
  const banner = page.locator('#violation-banner');
  await banner.waitFor();
  const text = await banner.textContent();
  assert.match(text, /Invariant broken: no-lost-update/);
  assert.match(text, /Client 1 wrote counter = 1/);
  assert.ok(await page.locator('.bar.pause').count() >= 1, 'the GC pause is drawn');
  await page.screenshot({ path: join(SHOTS, 'redis-lock-fencing-off.png'), fullPage: true });
  // The causing steps are buttons that move the cursor there.
  await page.locator('#violation-banner .step-link').first().click();
  const { cursor } = await counter(page);
  assert.ok(cursor > 0 && cursor < (await counter(page)).steps, `jumped to a cause, at ${cursor}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('fencing on: playing to the end raises no violation, and the stale write is rejected', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&fencing=true');
  await playToEnd(page);
  await page.locator('#ok-banner').waitFor();
  assert.equal(await page.locator('#violation-banner').count(), 0);
  assert.match(await page.textContent('.log'), /rejected write from client 1: token 1 < 2/);
  await page.screenshot({ path: join(SHOTS, 'redis-lock-fencing-on.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Redis restart without persistence breaks fencing; aof-always holds; the choice knob round-trips through the URL', async () => {
  const restart = 'faults=crash:2@100000,restart:2@110000';
  // Just after the restart (step 17), the log says what came back.
  const { page, errors } = await open(env, `?scenario=redis-lock&fencing=true&${restart}&step=18`);
  assert.match(await page.textContent('.log'), /restarted with nothing on disk \(persistence none\): key lock \(c1-[0-9a-f]{8}\) is gone; the token counter went back from 1 to 0/);
  await page.keyboard.press('End');
  const banner = page.locator('#violation-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), /Both held fencing token 1: Redis handed it out twice/);
  await page.screenshot({ path: join(SHOTS, 'redis-lock-restart-none.png'), fullPage: true });
  // The choice knob: pick aof-always, the run changes, the URL carries it.
  const before = await page.textContent('.hash');
  await page.selectOption('#param-persistence', 'aof-always');
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, before);
  await page.waitForFunction(() => /persistence=aof-always/.test(location.search));
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  assert.match(await page.textContent('.log'), /rejected write from client 1: token 1 < 2/);
  await page.screenshot({ path: join(SHOTS, 'redis-lock-restart-aof-always.png'), fullPage: true });
  const again = await env.browser.newPage();
  await again.goto(page.url().replace(/step=\d+/, 'step=18'));
  await again.waitForSelector('#sequence');
  assert.equal(await again.inputValue('#param-persistence'), 'aof-always');
  assert.match(await again.textContent('.log'), /restarted from its AOF \(appendfsync always\): key lock = c1-[0-9a-f]{8} is back; the token counter is 1/);
  await again.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad URL values show a message naming them, and the defaults run', async () => {
  const { page, errors } = await open(env, '?scenario=nope&seed=abc&ttl_ms=5&fencing=maybe&bogus=1');
  const notices = await page.locator('#notices').textContent();
  for (const needle of ['scenario `nope` is unknown', 'seed `abc`', '`ttl_ms` = 5 is out of range', '`fencing` must be true or false', 'unknown parameter `bogus`']) {
    assert.ok(notices.includes(needle), `missing "${needle}" in: ${notices}`);
  }
  const { steps } = await counter(page);
  assert.ok(steps > 10, 'the default run is there');
  await page.screenshot({ path: join(SHOTS, 'bad-url.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: End, Home, arrows and space', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&step=0');
  const { steps } = await counter(page);
  await page.keyboard.press('End');
  assert.equal((await cursorAt(page, steps)).cursor, steps);
  await page.keyboard.press('Home');
  assert.equal((await cursorAt(page, 0)).cursor, 0);
  await page.keyboard.press('ArrowRight');
  await cursorAt(page, 1);
  await page.keyboard.press('ArrowRight');
  await cursorAt(page, 2);
  await page.keyboard.press('ArrowLeft');
  assert.equal((await cursorAt(page, 1)).cursor, 1);
  await page.keyboard.press('Shift+ArrowRight');
  const notable = (await counter(page)).cursor;
  assert.ok(notable > 1, 'jumped to the next fault');
  assert.match(await page.textContent('.log'), /FAULT: client 1 is paused/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a knob change re-runs, and the URL reproduces exactly what was on screen', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock');
  const before = await page.textContent('.hash');
  await page.check('#param-fencing');
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, before);
  await page.keyboard.press('End');
  const hash = await page.textContent('.hash');
  await page.waitForFunction(() => /fencing=true/.test(location.search) && /step=\d+/.test(location.search));
  const url = page.url();
  assert.match(url, /fencing=true/);
  assert.match(url, /step=\d+/);
  const again = await env.browser.newPage();
  await again.goto(url);
  await again.waitForSelector('#sequence');
  assert.equal(await again.textContent('.hash'), hash, 'same inputs, same trace hash');
  assert.equal(await again.textContent('#step-counter'), await page.textContent('#step-counter'));
  assert.ok(await again.locator('#param-fencing').isChecked());
  assert.deepEqual(errors, []);
  await again.close();
  await page.close();
});
