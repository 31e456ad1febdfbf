import type { TestModule } from 'vitest/node';
import { DefaultReporter } from 'vitest/reporters';

type RunEnd = (
  modules: ReadonlyArray<TestModule>,
  errors: ReadonlyArray<unknown>,
  reason: unknown,
) => unknown;

/** The default reporter, followed by the plain `N passed, N failed` line CI counts tests from. */
export default class CountReporter extends DefaultReporter {
  override async onTestRunEnd(...args: unknown[]): Promise<void> {
    const [modules, errors] = args as [ReadonlyArray<TestModule>, ReadonlyArray<unknown>];
    await (super.onTestRunEnd as unknown as RunEnd).apply(this, [modules, errors, args[2]]);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      const tests = [...mod.children.allTests()];
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that fails to load has no tests but must still count as a failure.
      if (tests.length === 0 && mod.state() === 'failed') failed++;
    }
    failed += errors.length;
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    this.ctx.logger.log(`\n${passed} passed, ${failed} failed${tail}`);
  }
}
