// Browser end-to-end test of the saga: each chapter sets its scene and shows its lesson; pausing the hotel by click
// while it cancels makes the orchestrator send the cancellation again, and the idempotency key applies it once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, open, counter, cursorAt, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('saga: every chapter sets its scene and shows its lesson', async () => {
  const { page, errors } = await open(env, '?scenario=saga');
  const expect = {
    '1. The trip is booked': { ok: true, log: /saga completed/ },
    '2. No car: compensations': { ok: true, log: /saga compensated/ },
    '3. A reader sees half a trip': { observation: /half a trip/ },
    '4. A retried cancellation, applied once': { ok: true, panels: /hotel\s*nothing booked\s*bookings \/ refunds\s*1 \/ 1/ },
    '5. Broken: no idempotency keys': { violation: /refunded more often than it booked/ },
    '6. The orchestrator crashes and resumes from its log': { ok: true, log: /saga compensated/ },
  };
  for (const [title, want] of Object.entries(expect)) {
    await page.locator('button.chapter', { hasText: title }).click();
    await page.waitForFunction((t) => document.querySelector('#chapter-text')?.textContent.includes(t.slice(3)), title);
    // A chapter opens at its first beat; its lesson is complete at the end of the run.
    const { steps } = await counter(page);
    await page.keyboard.press('End');
    await cursorAt(page, steps);
    if (want.violation) assert.match(await page.textContent('#violation-banner'), want.violation, title);
    if (want.observation) {
      assert.match((await page.locator('.banner.observation').allTextContents()).join('\n'), want.observation, title);
    }
    if (want.ok) assert.equal(await page.locator('#violation-banner').count(), 0, title);
    if (want.log) assert.match(await page.locator('.log').textContent(), want.log, title);
    if (want.panels) assert.match(await page.textContent('section.panels'), want.panels, title);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('saga: pausing the hotel by click while it cancels sends the cancellation again, applied once', async () => {
  // Cursor 10: the car has failed and the hotel's cancellation is on its way (sent at 60 ms, due at 70 ms).
  const { page, errors } = await open(env, '?scenario=saga&latency_min_ms=10&latency_max_ms=10&step=10');
  await page.locator('button.lane-name', { hasText: 'hotel' }).first().click();
  await page.locator('#fault-bar button', { hasText: 'pause' }).first().click();
  await page.waitForFunction(() => document.querySelector('#fault-list')?.textContent.includes('hotel'));
  await page.keyboard.press('End');
  await cursorAt(page, (await counter(page)).steps);
  assert.match(await page.textContent('#fault-list'), /hotel is paused .* at 60\.001 ms/);
  // The cancellation went out more than once (the arrows' titles name each message)...
  const cancels = (await page.locator('#sequence title').allTextContents()).filter((t) => /cancel trip-1\/C2/.test(t));
  assert.ok(cancels.length >= 2, `the cancellation was sent again: ${cancels.join(' | ')}`);
  // ...and was applied once.
  assert.equal(await page.locator('#violation-banner').count(), 0);
  assert.match(await page.textContent('section.panels'), /hotel\s*nothing booked\s*bookings \/ refunds\s*1 \/ 1/);
  await page.screenshot({ path: join(SHOTS, 'saga-retried-cancellation.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
