// The built site under its Content Security Policy (xtask/src/site.rs: CSP): every scenario, the front door, the
// workshop plan, the exports, a search in Web Workers and the embed example run with no `securitypolicyviolation`;
// and text from strangers (a URL, an imported trace) is shown as text, never inserted as markup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, newPage, scenarioIds } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

/** A page that records every policy violation, in every frame, from before the first script runs. */
async function guarded() {
  const { page, errors } = await newPage(env);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return { page, errors };
}

async function violations(page) {
  const all = [];
  for (const f of page.frames()) all.push(...(await f.evaluate(() => window.__csp ?? []).catch(() => [])));
  return all;
}

test('csp: the page ships the policy, and the policy is enforced', async () => {
  const { page } = await guarded();
  await page.goto(env.base + '?scenario=redis-lock');
  await page.waitForSelector('#sequence');
  const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(policy, /unsafe-inline|'unsafe-eval'/);
  assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0, 'no inline script');
  // The listener hears a violation: a style attribute is refused (so the checks below can fail).
  await page.evaluate(() => document.body.setAttribute('style', 'outline: 1px solid red'));
  await page.waitForFunction(() => window.__csp.length > 0);
  assert.match((await violations(page)).join('\n'), /style-src/);
  await page.close();
});

test('csp: every scenario runs, steps, plays and exports with no violation', async () => {
  for (const id of await scenarioIds(env)) {
    const { page, errors } = await guarded();
    await page.goto(env.base + `?scenario=${id}`);
    await page.waitForSelector('#step-counter');
    for (const key of ['End', 'Home', 'ArrowRight', 'ArrowRight', 'p', 'p', '?', 'Escape']) await page.keyboard.press(key);
    await page.click('#btn-export-png');
    await page.waitForTimeout(300);
    assert.deepEqual(await violations(page), [], id);
    assert.deepEqual(errors, [], id);
    await page.close();
  }
});

test('csp: the front door, the workshop plan and a search in workers, with no violation', async () => {
  const { page, errors } = await guarded();
  await page.goto(env.base);
  await page.locator('#cards .thumb:not(.pending)').first().waitFor();
  await page.goto(env.base + '?page=workshop');
  await page.locator('#plan').waitFor();
  await page.goto(env.base + '?scenario=redis-lock&fencing=false');
  await page.waitForSelector('#sequence');
  await page.click('#btn-find');
  await page.waitForFunction(() => /found|nothing/i.test(document.querySelector('#finder-status')?.textContent ?? ''), null, { timeout: 30000 });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('csp: the embed example, driven through postMessage, with no violation in the page or its frames', async () => {
  const { page, errors } = await guarded();
  await page.goto(env.base + 'embed-example.html');
  await page.waitForFunction(() => (window.faultlineEvents ?? []).filter((e) => e.type === 'ready').length >= 2, null, { timeout: 20000 });
  await page.click('#api-crash');
  await page.click('#api-step');
  await page.waitForFunction(() => window.faultlineEvents.some((e) => e.type === 'run'));
  assert.equal(page.frames().length, 3);
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('csp: markup in a URL or an imported trace is shown as text, never run or inserted', async () => {
  const { page } = await guarded();
  const evil = '<img src=x onerror="window.__pwned=1">';
  const q = new URLSearchParams({ scenario: 'redis-lock', seed: evil, clients: '<b>3</b>', faults: `crash:${evil}` });
  await page.goto(env.base + '?' + q.toString());
  await page.waitForSelector('#notices');
  const notices = await page.textContent('#notices');
  assert.ok(notices.includes(`seed \`${evil}\``), notices);
  assert.ok(notices.includes('<b>3</b>'), notices);
  // A trace whose names and notes are markup: refused, with the markup quoted as text.
  const trace = { version: 3, scenario: `redis-lock${evil}`, seed: 1, params: {}, faults: '', hash: '0', notes: evil };
  await page.setInputFiles('#import-file', { name: `${evil}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(trace)) });
  await page.waitForFunction(() => document.querySelector('#notices')?.textContent.includes('is unknown'));
  const good = { ...trace, scenario: 'redis-lock', params: { [evil]: evil } };
  await page.setInputFiles('#import-file', { name: 'params.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  await page.waitForFunction(() => document.querySelector('#notices')?.textContent.includes('params.json'));
  assert.ok((await page.textContent('#notices')).includes(evil));
  assert.equal(await page.$$eval('img[src="x"], b', (els) => els.length), 0, 'no element made from the markup');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(await violations(page), []);
  await page.close();
});
