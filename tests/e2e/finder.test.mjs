// Find a failure: the search runs in Web Workers, shrinks what it finds and opens it on screen; the same search
// seed gives the same counterexample on one worker and on two; the URL then reproduces the run. The exhaustive
// check opens its shortest counterexample the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, stop, open, counter, SHOTS } from './harness.mjs';

// What the native search found for the same inputs (`cargo xtask test` writes it): the browser must agree.
const NATIVE = process.env.FAULTLINE_NATIVE_SEARCH;

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

/** Press a finder button with `workers` workers and wait for its answer; the status and the URL it leaves. */
async function find(query, button, workers, until) {
  const { page, errors } = await open(env, query);
  await page.fill('#finder-workers', String(workers));
  await page.dispatchEvent('#finder-workers', 'change');
  await page.click(button);
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#finder-status').textContent),
    until, { timeout: 60000 });
  // The URL is rewritten once the screen settles.
  await page.waitForFunction(() => new URLSearchParams(location.search).has('faults'), null, { timeout: 5000 });
  await page.waitForTimeout(300);
  const status = await page.textContent('#finder-status');
  const search = await page.evaluate(() => location.search);
  return { page, errors, status, search };
}

test('find a failure: searched in workers, shrunk, opened at its breach; the same on 1 and 2 workers; the URL replays it', async () => {
  // Fencing on, but Redis keeps no log: a restart hands out a token again.
  const query = '?scenario=redis-lock&fencing=true&gc_pause_ms=0&step=0';
  const one = await find(query, '#btn-find', 1, 'Found:');
  assert.match(one.status, /Found: candidate \d+ breaks no-lost-update \([\d,]+ runs, [\d,]+ runs\/s, 1 worker\)\. Shrunk in [\d,]+ runs: \d+ faults?, [\d,]+ steps → [01] faults?, [\d,]+ steps\. On screen now\./);
  // The same answer as the native search (and so `faultline search`), and the CLI command is shown.
  assert.ok(NATIVE, 'FAULTLINE_NATIVE_SEARCH names the native answers (cargo xtask test sets it)');
  const native = JSON.parse(readFileSync(NATIVE, 'utf8')).find((c) => c.sets === 'fencing=true,gc_pause_ms=0');
  assert.equal(Number(one.status.match(/candidate (\d+)/)[1]), native.candidate);
  const url = new URLSearchParams(one.search);
  assert.equal(url.get('seed'), String(native.shrunk.seed));
  assert.equal(url.get('faults') ?? '', native.shrunk.faults);
  for (const set of native.shrunk.sets.split(',')) assert.equal(url.get(set.split('=')[0]), set.split('=')[1], set);
  assert.equal(await one.page.textContent('#finder-cli'), `faultline search redis-lock --seed ${native.seed} --set gc_pause_ms=0 --set fencing=true`);
  const banner = await one.page.textContent('#violation-banner');
  assert.match(banner, /no-lost-update/);
  const { cursor } = await counter(one.page);
  assert.ok(cursor > 0, 'the cursor stands just after the breach');
  await one.page.screenshot({ path: `${SHOTS}finder-found.png` });
  assert.deepEqual(one.errors, []);
  await one.page.close();

  const two = await find(query, '#btn-find', 2, 'Found:');
  const candidate = (s) => s.match(/candidate (\d+)/)[1];
  assert.equal(candidate(two.status), candidate(one.status), 'the lowest failing candidate, whatever the workers');
  assert.equal(two.search, one.search, 'the same shrunk run');
  assert.deepEqual(two.errors, []);
  await two.page.close();

  // The URL alone reproduces it: the same breach, at the same step.
  const again = await open(env, one.search);
  assert.match(await again.page.textContent('#violation-banner'), /no-lost-update/);
  assert.equal((await counter(again.page)).cursor, cursor);
  assert.deepEqual(again.errors, []);
  await again.page.close();
});

test('find a failure where the protocol holds: nothing, said so; and it can be stopped', async () => {
  const { page, errors } = await open(env, '?scenario=redis-lock&fencing=true&persistence=aof-always&step=0');
  await page.click('#btn-find');
  await page.waitForFunction(() => /Searching: [\d,]+ runs/.test(document.querySelector('#finder-status').textContent)
    && !/Searching: 0 runs/.test(document.querySelector('#finder-status').textContent), null, { timeout: 30000 });
  // The page stays responsive while the workers run: a step forward renders at once.
  await page.keyboard.press('ArrowRight');
  assert.equal((await counter(page)).cursor, 1);
  await page.click('#btn-find-stop');
  assert.equal(await page.textContent('#finder-status'), '');
  assert.equal(await page.isEnabled('#btn-find'), true);
  // A search after a stop starts afresh, with new workers, from candidate 0.
  await page.click('#btn-find');
  await page.waitForFunction(() => /Searching: [1-9][\d,]* runs/.test(document.querySelector('#finder-status').textContent),
    null, { timeout: 30000 });
  await page.click('#btn-find-stop');
  assert.deepEqual(errors, []);
  await page.close();
});

test('check every interleaving: the shortest counterexample with one crash, opened and replayed', async () => {
  const r = await find('?scenario=redis-lock&gc_pause_ms=0&step=0', '#btn-check', 1, 'breaks after|nothing broke|every state');
  assert.match(r.status, /^[\d,]+ states \([\d,]+\/s\), depth \d+: no-lost-update breaks after \d+ steps — on screen now\.$/);
  assert.match(await r.page.textContent('#violation-banner'), /no-lost-update/);
  assert.match(r.search, /faults=[^&]*crash/);
  assert.deepEqual(r.errors, []);
  await r.page.close();
});
