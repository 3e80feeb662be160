// Browser end-to-end test of two-phase commit: crashing the coordinator by click after the prepares blocks every
// prepared participant; each chapter (2PC, cooperative termination, 3PC, Paxos Commit) sets its scene and shows
// its lesson.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

const TIMED = 'latency_min_ms=10&latency_max_ms=10&fsync_ms=20';
const events = (page) => page.locator('.log').textContent();

test('2pc: crashing the coordinator by click after its prepares blocks every participant', async () => {
  // Cursor 9: the coordinator has just sent Prepare to participants 2 and 3 (step 8, at 80 ms).
  const { page, errors } = await open(env, `?scenario=two-phase-commit&${TIMED}&step=9`);
  await page.locator('button.lane-name', { hasText: 'coordinator' }).first().click();
  await page.locator('#fault-bar button', { hasText: 'crash' }).first().click();
  await page.waitForFunction(() => document.querySelector('#fault-list')?.textContent.includes('coordinator crashes'));
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.equal(await page.locator('#violation-banner').count(), 0, 'blocking is not a safety violation');
  const observations = await page.locator('.banner.observation').allTextContents();
  // One banner per kind of breach: the first participant in full, the other two counted.
  const blocked = observations.filter((t) => /blocked/.test(t));
  assert.equal(blocked.length, 1, observations.join('\n'));
  assert.match(blocked[0], /participant 1 is blocked[\s\S]*and 2 more/);
  const panels = await page.textContent('section.panels');
  assert.equal(panels.match(/prepared: in doubt, holding its locks/g)?.length, 3, panels);
  await page.screenshot({ path: join(SHOTS, '2pc-blocked.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('2pc: every chapter sets its scene and shows its lesson', async () => {
  const { page, errors } = await open(env, '?scenario=two-phase-commit');
  const expect = {
    '1. Commit': { ok: true },
    '2. The coordinator crashes: blocked': { observation: /blocked/ },
    '3. Recovery unblocks, late': { panels: /participant 1\s*aborted.*participant 2\s*aborted.*participant 3\s*aborted/s },
    '4. Cooperative termination: a peer knows': { log: /learns commit from participant 1/ },
    '5. Cooperative termination: everyone is in doubt': { observation: /blocked/, log: /cannot help/ },
    '6. Three-phase commit does not block': { ok: true, log: /3PC's timeout rule/ },
    '7. Three-phase commit under a partition': { violation: /atomicity/ },
    '8. Broken: a participant gives up': { violation: /atomicity/ },
    '9. Broken: a decision sent before it is on the log': { violation: /atomicity/ },
    '10. Paxos Commit: the backup coordinator finishes': {
      ok: true, panels: /participant 1\s*committed.*participant 2\s*committed.*participant 3\s*committed/s,
    },
    '11. Paxos Commit survives an acceptor too': {
      ok: true, panels: /participant 1\s*committed.*participant 2\s*committed.*participant 3\s*committed/s,
    },
    '12. More than F acceptors fail: blocked again': { observation: /blocked/ },
  };
  for (const [title, want] of Object.entries(expect)) {
    await page.locator('button.chapter', { hasText: title }).click();
    await page.waitForFunction((t) => document.querySelector('#chapter-text')?.textContent.includes(t.slice(3)), title);
    // A chapter opens at its first beat; its lesson is complete at the end of the run.
    const { steps } = await counter(page);
    await page.keyboard.press('End');
    await cursorAt(page, steps);
    if (want.ok) assert.equal(await page.locator('#violation-banner').count(), 0, title);
    if (want.violation) assert.match(await page.textContent('#violation-banner'), want.violation, title);
    if (want.observation) {
      const obs = (await page.locator('.banner.observation').allTextContents()).join('\n');
      assert.match(obs, want.observation, title);
    }
    if (want.panels) {
      assert.match(await page.textContent('section.panels'), want.panels, title);
    }
    if (want.log) assert.match(await events(page), want.log, title);
  }
  await page.locator('button.chapter', { hasText: '7. Three-phase' }).click();
  await page.keyboard.press('End');
  await page.screenshot({ path: join(SHOTS, '2pc-3pc-partition.png'), fullPage: true });
  await page.locator('button.chapter', { hasText: '11. Paxos Commit' }).click();
  await page.keyboard.press('End');
  await page.screenshot({ path: join(SHOTS, '2pc-paxos-commit.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('compare: the blocked coordinator crash beside the same failure as a saga, from the button and the URL', async () => {
  const { page, errors } = await open(env, '?scenario=two-phase-commit');
  await page.locator('button.chapter', { hasText: '2. The coordinator crashes' }).click();
  await page.locator('#btn-compare', { hasText: 'Compare with the saga' }).click();
  // The scenario's own page holds two-phase commit alone: the button opens the same run on the page that holds both.
  await page.waitForFunction(() => document.documentElement.dataset.page === 'two-phase-commit+saga');
  const caption = await page.locator('#compare .diagram-title').nth(1).textContent();
  assert.match(caption, /^Sagas: .*steps=3, fail_step=0.*faults 50 ms earlier/, caption);
  const lanes = await page.locator('#compare section.diagram').nth(1).locator('.lane-name').allTextContents();
  assert.deepEqual(lanes.map((t) => t.trim()), ['orchestrator', 'flight', 'hotel', 'car']);
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  // Left: blocked, locks held. Right: no blocking, but half a trip stands with no one left to compensate it.
  const banners = await page.locator('.banner.observation').allTextContents();
  assert.ok(banners.some((t) => /blocked/.test(t)), banners.join('\n'));
  assert.ok(banners.some((t) => /half a trip/.test(t)), banners.join('\n'));
  await page.waitForFunction(() => location.search.includes('view=compare'));
  await page.screenshot({ path: join(SHOTS, 'compare-2pc-saga.png'), fullPage: true });
  // The URL reproduces it, from the saga's side too.
  const again = await open(env, '?scenario=saga&view=compare&latency_min_ms=10&latency_max_ms=10&faults=crash:0@25000,restart:0@300000');
  const other = await again.page.locator('#compare section.diagram').nth(1).locator('.lane-name').allTextContents();
  assert.deepEqual(other.map((t) => t.trim()), ['coordinator', 'participant 1', 'participant 2', 'participant 3']);
  assert.deepEqual(again.errors, []);
  await again.page.close();
  assert.deepEqual(errors, []);
  await page.close();
});
