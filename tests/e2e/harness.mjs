// Shared setup of the browser tests: the built site served from a sub-path, and Debian's headless Chromium.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serveSite } from './static-server.mjs';
import { chromium } from 'playwright-core';

const SITE = process.env.FAULTLINE_SITE;
const SUB_PATH = '/docs/embedded/faultline/';
export const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

/** Serve the site and launch the browser; `env.base` is the site's URL. */
export async function start() {
  assert.ok(SITE, 'FAULTLINE_SITE must name the built site (cargo xtask test sets it)');
  await mkdir(SHOTS, { recursive: true });
  const server = await serveSite(SITE, SUB_PATH);
  const base = `http://127.0.0.1:${server.address().port}${SUB_PATH}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { server, browser, base };
}

export async function stop(env) {
  await env?.browser?.close();
  env?.server?.close();
}

/** A new page that collects page errors and console errors. `bypassCSP` lets a test inject a tool of its own
 *  (axe-core) into a page whose policy refuses inline scripts; `serviceWorkers: 'block'` keeps the offline worker
 *  out, for a test that routes the page's own requests (the worker's would bypass the route). */
export async function newPage(env, viewport = { width: 1400, height: 1000 }, { bypassCSP = false, serviceWorkers = 'allow' } = {}) {
  const page = await env.browser.newPage({ viewport, acceptDownloads: true, bypassCSP, serviceWorkers });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return { page, errors };
}

/** The registered scenarios' ids, in the registry's order, as the page's scenario picker lists them. */
export async function scenarioIds(env) {
  const { page } = await open(env, '?scenario=redis-lock&step=0');
  const ids = await page.$$eval('#scenario-select option', (os) => os.map((o) => o.value));
  await page.close();
  return ids;
}

/** Wait until the page has drawn its diagram and the rest of its module has come (www/loader.js): a key or a click
 *  that follows is then done at once, not held until the rest comes. */
export async function drawn(page) {
  await page.waitForSelector('#sequence', { timeout: 20000 });
  await page.waitForFunction(() => document.documentElement.dataset.rest, null, { timeout: 20000 });
}

/** Open the playground with a query. */
export async function open(env, query) {
  const { page, errors } = await newPage(env);
  await page.goto(env.base + query);
  await drawn(page);
  return { page, errors };
}

/// Wait until the step counter shows `cursor` (a key press renders on the next frame), then return it.
export async function cursorAt(page, cursor) {
  await page.waitForFunction((c) => {
    const m = document.querySelector('#step-counter')?.textContent.match(/step (\d+) \//);
    return m && Number(m[1]) === c;
  }, cursor, { timeout: 5000 }).catch(() => {});
  return counter(page);
}

export async function counter(page) {
  const text = await page.textContent('#step-counter');
  const m = text.match(/step (\d+) \/ (\d+)/);
  assert.ok(m, `unexpected counter: ${text}`);
  return { cursor: Number(m[1]), steps: Number(m[2]) };
}
