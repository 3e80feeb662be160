// Browser end-to-end tests: the built site (FAULTLINE_SITE, from `trunk build --release`) served from a
// sub-path, driven in Debian's headless Chromium with playwright-core. Screenshots go to ./screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const SITE = process.env.FAULTLINE_SITE;
const SUB_PATH = '/docs/embedded/faultline/';
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml' };

let server, browser, base;

before(async () => {
  assert.ok(SITE, 'FAULTLINE_SITE must name the built site (cargo xtask test sets it)');
  await mkdir(SHOTS, { recursive: true });
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!path.startsWith(SUB_PATH)) { res.writeHead(404).end('not under the sub-path'); return; }
    let rel = normalize(path.slice(SUB_PATH.length)).replace(/^(\.\.[/\\])+/, '');
    if (rel === '' || rel === '.') rel = 'index.html';
    try {
      const body = await readFile(join(SITE, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch { res.writeHead(404).end('not found'); }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}${SUB_PATH}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Open the playground with a query; fail the test on any page error or console error. */
async function open(query) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(base + query);
  await page.waitForSelector('#sequence', { timeout: 20000 });
  return { page, errors };
}

async function counter(page) {
  const text = await page.textContent('#step-counter');
  const m = text.match(/step (\d+) \/ (\d+)/);
  assert.ok(m, `unexpected counter: ${text}`);
  return { cursor: Number(m[1]), steps: Number(m[2]) };
}

async function playToEnd(page) {
  await page.selectOption('select[aria-label^="Playback speed"]', '5'); // 32 steps/s
  await page.click('#btn-play');
  await page.waitForFunction(() => {
    const m = document.querySelector('#step-counter')?.textContent.match(/step (\d+) \/ (\d+)/);
    return m && m[1] === m[2];
  }, null, { timeout: 30000 });
}

test('fencing off: playing to the end raises the violation banner', async () => {
  const { page, errors } = await open('?scenario=redis-lock&fencing=false');
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
  const { page, errors } = await open('?scenario=redis-lock&fencing=true');
  await playToEnd(page);
  await page.locator('#ok-banner').waitFor();
  assert.equal(await page.locator('#violation-banner').count(), 0);
  assert.match(await page.textContent('.log'), /rejected write from client 1: token 1 < 2/);
  await page.screenshot({ path: join(SHOTS, 'redis-lock-fencing-on.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad URL values show a message naming them, and the defaults run', async () => {
  const { page, errors } = await open('?scenario=nope&seed=abc&ttl_ms=5&fencing=maybe&bogus=1');
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
  const { page, errors } = await open('?scenario=redis-lock');
  const { steps } = await counter(page);
  await page.keyboard.press('End');
  assert.equal((await counter(page)).cursor, steps);
  await page.keyboard.press('Home');
  assert.equal((await counter(page)).cursor, 0);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowLeft');
  assert.equal((await counter(page)).cursor, 1);
  await page.keyboard.press('Shift+ArrowRight');
  const notable = (await counter(page)).cursor;
  assert.ok(notable > 1, 'jumped to the next fault');
  assert.match(await page.textContent('.log'), /FAULT: client 1 is paused/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a knob change re-runs, and the URL reproduces exactly what was on screen', async () => {
  const { page, errors } = await open('?scenario=redis-lock');
  const before = await page.textContent('.hash');
  await page.check('#param-fencing');
  await page.waitForFunction((h) => document.querySelector('.hash').textContent !== h, before);
  await page.keyboard.press('End');
  const hash = await page.textContent('.hash');
  const url = page.url();
  assert.match(url, /fencing=true/);
  assert.match(url, /step=\d+/);
  const again = await browser.newPage();
  await again.goto(url);
  await again.waitForSelector('#sequence');
  assert.equal(await again.textContent('.hash'), hash, 'same inputs, same trace hash');
  assert.equal(await again.textContent('#step-counter'), await page.textContent('#step-counter'));
  assert.ok(await again.locator('#param-fencing').isChecked());
  assert.deepEqual(errors, []);
  await again.close();
  await page.close();
});
