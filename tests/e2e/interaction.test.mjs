// Browser end-to-end tests of the interaction layer: fork by click, URL round trip with faults, keyboard and
// help, chapters, compare, export/import, and the embedding API with its origin check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { start, stop, open, newPage, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

const logText = (page) => page.locator('.log').textContent();

test('fork by click: a fault injected at the cursor changes only the future', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&step=20');
  const before = await counter(page);
  const logBefore = await logText(page);
  const hashBefore = await page.textContent('.hash');
  await page.locator('button.lane-name', { hasText: 'redis' }).first().click();
  await page.locator('#fault-bar button', { hasText: 'crash' }).first().click();
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, hashBefore);
  const after = await counter(page);
  assert.equal(after.cursor, before.cursor, 'the cursor stays');
  assert.equal(await logText(page), logBefore, 'every event already shown is unchanged');
  assert.match(await page.textContent('#fault-list'), /redis crashes at/);
  await page.keyboard.press('ArrowRight');
  await cursorAt(page, before.cursor + 1);
  assert.match(await logText(page), /FAULT: redis crashes/);
  await page.waitForFunction(() => /faults=crash:\d+@\d+/.test(location.search) && /step=21/.test(location.search));
  await page.screenshot({ path: join(SHOTS, 'fork-by-click.png') });

  // The URL reproduces exactly this screen, faults included.
  const again = await env.browser.newPage();
  await again.goto(page.url());
  await again.waitForSelector('#sequence');
  assert.equal(await again.textContent('.hash'), await page.textContent('.hash'));
  assert.equal(await again.textContent('#step-counter'), await page.textContent('#step-counter'));
  await again.close();

  // Removing the fault restores the original run.
  await page.locator('#fault-list button').first().click();
  await page.waitForFunction((h) => document.querySelector('.hash').textContent === h, hashBefore);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a message in flight can be dropped by clicking it', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&step=5');
  const hit = page.locator('.msg.inflight .hit').first();
  const id = await hit.evaluate((el) => el.parentElement.dataset.msg);
  await hit.dispatchEvent('click');
  await page.locator('#fault-bar', { hasText: `message #${id}` }).waitFor();
  await page.locator('#fault-bar button', { hasText: 'drop it' }).click();
  await page.waitForFunction((i) => document.querySelector('#fault-list')?.textContent.includes(`message #${i} is dropped`), id);
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.equal(await page.locator(`.msg.dropped[data-msg="${id}"]`).count(), 1, 'the arrow ends in a cross');
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: help overlay, presenter mode, reset and speed keys', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&step=10');
  await page.keyboard.press('?');
  await page.locator('#help').waitFor();
  assert.match(await page.textContent('#help'), /Shift \+ ← \/ →/);
  await page.screenshot({ path: join(SHOTS, 'help.png') });
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#help').count(), 0);
  await page.keyboard.press('p');
  assert.ok(await page.locator('.app.presenter').count() === 1);
  await page.waitForFunction(() => /presenter=1/.test(location.search));
  await page.screenshot({ path: join(SHOTS, 'presenter.png') });
  await page.keyboard.press('p');
  await page.keyboard.press('9');
  assert.equal(await page.inputValue('select[aria-label^="Playback speed"]'), '8');
  await page.keyboard.press('r');
  assert.equal((await counter(page)).cursor, 0);
  // Every control has an accessible name.
  const unnamed = await page.$$eval('button, input, select', (els) =>
    els.filter((e) => !(e.getAttribute('aria-label') || e.textContent.trim() || e.labels?.length)).map((e) => e.outerHTML));
  assert.deepEqual(unnamed, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a key pressed the moment the diagram first appears is handled, not lost', async () => {
  // One → at the first DOM change that shows the diagram (before the first frame is painted): the page's key
  // listener is attached as the app first renders, not in an effect after that frame.
  const { page, errors } = await newPage(env);
  await page.addInitScript(() => {
    const mo = new MutationObserver(() => {
      if (!document.querySelector('#sequence')) return;
      mo.disconnect();
      window.__pressedAt = document.querySelector('#step-counter')?.textContent;
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    });
    mo.observe(document, { subtree: true, childList: true });
  });
  await page.goto(`${env.base}?scenario=redis-lock&step=3`);
  await page.waitForSelector('#sequence');
  assert.match(await page.evaluate(() => window.__pressedAt), /step 3 \//);
  assert.equal((await cursorAt(page, 4)).cursor, 4, "the key pressed as the diagram appeared moved the cursor");
  assert.deepEqual(errors, []);
  await page.close();
});

test('chapters set the scene and compare shows the fix side by side', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock');
  await page.locator('button.chapter', { hasText: 'Fencing fixes it' }).click();
  await page.keyboard.press('End');
  await page.locator('#ok-banner').waitFor();
  assert.ok(await page.isChecked('#param-fencing'));
  assert.match(await page.textContent('#chapter-text'), /token/);
  await page.click('#chapter-next');
  await page.waitForFunction(() => document.querySelector('#chapter-text')?.textContent.includes('Unsafe release'));
  await page.keyboard.press('End');
  assert.match(await page.textContent('.banners'), /release-own-lock-only/);
  await page.click('#btn-compare');
  await page.locator('#sequence-compare').waitFor();
  await page.waitForFunction(() => /view=compare/.test(location.search));
  await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('export the trace and the diagram; import the trace back; a bad file leaves the run untouched', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&fencing=true&step=30');
  const hash = await page.textContent('.hash');
  const grab = async (button) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
  };
  const json = await grab('#btn-export-json');
  assert.match(json.name, /\.json$/);
  assert.equal(JSON.parse(json.text).hash, hash.slice(1));
  const svg = await grab('#btn-export-svg');
  assert.match(svg.name, /\.svg$/);
  assert.match(svg.text, /^<svg[^>]*><style>svg\.seq\{--bg:/);
  const png = await grab('#btn-export-png');
  assert.match(png.name, /\.png$/);

  // Bad files: named, explained, and nothing changes.
  const bad = [
    ['broken.json', '{"version": 1, "events": [', /not JSON/],
    ['future.json', json.text.replace(/"version": \d+/, '"version": 99'), /version 99 is not supported/],
    ['edited.json', json.text.replace(/"seed": \d+/, '"seed": 12345'), /its inputs re-run to hash [0-9a-f]{16} here, not to its/],
  ];
  for (const [name, text, why] of bad) {
    await page.setInputFiles('#import-file', { name, mimeType: 'application/json', buffer: Buffer.from(text) });
    await page.waitForFunction((n) => document.querySelector('#notices')?.textContent.includes(n), name);
    const notices = await page.textContent('#notices');
    assert.match(notices, why);
    assert.match(notices, /The current run is unchanged/);
    assert.equal(await page.textContent('.hash'), hash);
  }
  await page.screenshot({ path: join(SHOTS, 'bad-import.png') });
  await page.click('#notices .dismiss');

  // Import the good one into a page showing something else: it becomes that run again.
  await page.goto(env.base + '?scenario=redis-lock&seed=3');
  await page.waitForSelector('#sequence');
  await page.setInputFiles('#import-file', { name: json.name, mimeType: 'application/json', buffer: Buffer.from(json.text) });
  await page.waitForFunction((h) => document.querySelector('.hash').textContent === h, hash);
  assert.ok(await page.isChecked('#param-fencing'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('embedding: two frames side by side, driven through the postMessage API', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(env.base + 'embed-example.html');
  const events = (type, frame) => page.evaluate(([t, f]) => window.faultlineEvents.filter((e) => e.type === t && (!f || e.frame === f)), [type, frame]);
  await page.waitForFunction(() => window.faultlineEvents.filter((e) => e.type === 'ready').length === 2, null, { timeout: 20000 });
  await page.click('#api-seek');
  await page.waitForFunction(() => window.faultlineEvents.some((e) => e.frame === 'left' && e.type === 'step' && e.step === 25));
  // Seek to the end: the violation event arrives.
  await page.evaluate(() => document.getElementById('left').contentWindow.postMessage({ faultline: 1, type: 'seek', step: 100000 }, location.origin));
  await page.waitForFunction(() => window.faultlineEvents.some((e) => e.frame === 'left' && e.type === 'violation'));
  const [v] = await events('violation', 'left');
  assert.equal(v.invariant, 'no-lost-update');
  // Commands that change the run report the new run; bad commands report an error.
  await page.click('#api-fencing');
  await page.waitForFunction(() => window.faultlineEvents.some((e) => e.frame === 'left' && e.type === 'run'));
  await page.click('#api-crash');
  await page.waitForFunction(() => window.faultlineEvents.filter((e) => e.frame === 'left' && e.type === 'run').length === 2);
  await page.evaluate(() => document.getElementById('left').contentWindow.postMessage({ faultline: 1, type: 'dance' }, location.origin));
  await page.waitForFunction(() => window.faultlineEvents.some((e) => e.type === 'error'));
  assert.equal((await events('error'))[0].message, 'unknown command type `dance`');
  // The right frame autoplays with fencing: no violation.
  await page.waitForFunction(() => {
    const s = window.faultlineEvents.filter((e) => e.frame === 'right' && e.type === 'step');
    return s.length && s[s.length - 1].step === s[s.length - 1].steps;
  }, null, { timeout: 30000 });
  assert.equal((await events('violation', 'right')).length, 0);
  // The frames were sized from their resize events.
  const h = await page.$eval('#left', (f) => f.style.height);
  assert.match(h, /^\d+px$/);
  await page.screenshot({ path: join(SHOTS, 'embed-example.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('embedding: commands from another origin are ignored unless allowed', async () => {
  for (const [query, moves] of [['?embed=1', false], ['?embed=1&origin=*', true]]) {
    const page = await env.browser.newPage();
    await page.setContent(`<iframe id="f" src="${env.base}${query}" width="900" height="500"></iframe>`);
    const frame = await (await page.$('#f')).contentFrame();
    await frame.waitForSelector('#sequence');
    await page.evaluate(() => document.getElementById('f').contentWindow.postMessage({ faultline: 1, type: 'seek', step: 10 }, '*'));
    if (moves) {
      await frame.waitForFunction(() => /step 10 \//.test(document.querySelector('#step-counter').textContent));
    } else {
      // Nothing may happen: give a refused message time to (wrongly) act, then check it did not.
      await page.waitForTimeout(500);
      const text = await frame.textContent('#step-counter');
      assert.match(text, /step 0 \//, `${query}: ${text}`);
    }
    await page.close();
  }
});

test('an 800×500 embed opened at a step keeps the cursor in view, as a docs column shows it', async () => {
  const page = await env.browser.newPage({ viewport: { width: 800, height: 500 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.base + '?scenario=redis-lock&embed=1&step=30');
  await page.waitForSelector('#sequence line.now', { state: 'attached' });
  // The cursor's line lies within the scrolled window (after the frame that writes the scroll).
  await page.waitForFunction(() => {
    const sc = document.querySelector('.scroller');
    const now = document.querySelector('#sequence line.now');
    if (!sc || !now) return false;
    const x = Number(now.getAttribute('x1'));
    return x >= sc.scrollLeft && x <= sc.scrollLeft + sc.clientWidth;
  }, null, { timeout: 5000 });
  await page.screenshot({ path: join(SHOTS, 'embed-800x500-step30.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('fit=1 scales the whole run to an embed\'s width, and a click still seeks to the step under it', async () => {
  const page = await env.browser.newPage({ viewport: { width: 800, height: 500 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.base + '?scenario=redis-lock&embed=1&fit=1&step=30');
  await page.waitForSelector('#sequence line.now', { state: 'attached' });
  const fits = await page.evaluate(() => {
    const sc = document.querySelector('.scroller');
    return sc.scrollWidth <= sc.clientWidth + 1;
  });
  assert.ok(fits, 'no horizontal scrolling: the whole run fits');
  assert.ok(page.url().includes('fit=1'), 'the URL keeps fit=1');
  // Clicking at the far left seeks to an early step; at the far right, to a late one.
  const box = await page.locator('#sequence').boundingBox();
  // A click before the rest of the module has come is held until it has (www/loader.js): wait for the step it seeks.
  const seek = async (fx) => {
    const before = await page.textContent('#step-counter');
    await page.mouse.click(box.x + box.width * fx, box.y + box.height / 2);
    await page.waitForFunction((b) => document.querySelector('#step-counter').textContent !== b, before, { timeout: 5000 })
      .catch(() => {});
    return Number((await page.textContent('#step-counter')).match(/step (\d+)/)[1]);
  };
  const early = await seek(0.12);
  const late = await seek(0.8);
  assert.ok(early < late && late > 20, `clicks map to steps across the whole run: ${early} then ${late}`);
  await page.screenshot({ path: join(SHOTS, 'embed-800x500-fit.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
