// A `node --test` reporter that writes the run's tally as one JSON object, `{"passed":N,"failed":M,"skipped":K}`,
// for `cargo xtask test` to read instead of scraping the human-readable output. Counts top-level tests.
export default async function* tally(source) {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.data?.nesting !== 0 || event.data?.details?.type === 'suite') continue;
    if (event.type === 'test:pass') {
      if (event.data.skip || event.data.todo) t.skipped += 1;
      else t.passed += 1;
    } else if (event.type === 'test:fail') {
      t.failed += 1;
    }
  }
  yield JSON.stringify(t) + '\n';
}
