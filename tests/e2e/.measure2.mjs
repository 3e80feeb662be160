import { start, stop, newPage } from './harness.mjs';
const env = await start();
const S = ['redis-lock', 'raft', 'two-phase-commit', 'saga', 'thundering-herd', 'retry-storm'];
for (const [w, h, extra] of [[800, 500, '&embed=1&step=30'], [390, 844, '']]) for (const s of S) {
  const { page } = await newPage(env, { width: w, height: h });
  await page.goto(env.base + `?scenario=${s}${extra}`);
  await page.waitForSelector('#sequence');
  await page.waitForTimeout(500);
  const r = await page.evaluate(() => {
    const st = document.querySelector('.stage').getBoundingClientRect();
    const vis = Math.max(0, Math.min(st.bottom, innerHeight) - Math.max(st.top, 0)) * Math.max(0, Math.min(st.right, innerWidth) - Math.max(st.left, 0));
    return { share: +(vis / (innerWidth * innerHeight)).toFixed(2), top: Math.round(st.top), scroll: document.documentElement.scrollWidth - innerWidth };
  });
  console.log(w, s, JSON.stringify(r));
  await page.screenshot({ path: `/tmp/m-${w}-${s}.png` });
  await page.close();
}
await stop(env);
