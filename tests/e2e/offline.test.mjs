// Browser end-to-end test of the offline playground: a page visited once opens again with the site gone (its
// server stopped), with any query, through the service worker (www/sw.js); a page never visited says why it
// cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serveSite } from './static-server.mjs';

const SUB_PATH = '/offline/faultline/';

test('offline: a page visited once opens again when the site is gone, with any query', async () => {
  const server = await serveSite(process.env.FAULTLINE_SITE, SUB_PATH);
  const base = `http://127.0.0.1:${server.address().port}${SUB_PATH}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`${base}?scenario=raft&seed=3`);
    await page.locator('#sequence').waitFor();
    // The worker kept what this first visit loaded.
    await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 20000 });
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true);
    // The saga's page keeps the page of its compare view beside two-phase commit too.
    await page.goto(`${base}?scenario=saga`);
    await page.locator('#sequence').waitFor();
    await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 20000 });

    // The site goes away: no server, no open connection.
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    const gone = await page.evaluate(async (u) => fetch(u + 'no-such-file.txt').then((r) => r.status, () => 'failed'), base);
    assert.equal(gone, 'failed', 'the server is really gone');

    await page.reload();
    await page.locator('#sequence').waitFor();
    assert.match(await page.textContent('#step-counter'), /step \d+ \/ \d+/);
    // Another query on the same page: a new run, computed in the page.
    await page.goto(`${base}?scenario=raft&seed=9&servers=3`);
    await page.locator('#ring').waitFor();
    assert.match(page.url(), /seed=9/);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.page), 'raft');
    // The saga's compare button, offline: the page of its compare view was kept with the saga's.
    await page.goto(`${base}?scenario=saga`);
    await page.locator('#btn-compare').click();
    await page.waitForFunction(() => document.documentElement.dataset.page === 'two-phase-commit+saga');
    await page.locator('#sequence-compare').waitFor();
    // A scenario whose page was never visited: its module was not kept, and the page says so.
    await page.goto(`${base}?scenario=redlock`);
    await page.locator('.load-error').waitFor();
    assert.match(await page.textContent('.load-error'), /^Faultline could not start: /);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
