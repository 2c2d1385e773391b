// Mocha's spec output, closed by the plain line CI reads: "N passed, N failed".
// Pending (skipped) tests are counted as failures on purpose: nothing skipped is ever "done".
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SluiceReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      const tallyFile = process.env.SLUICE_TEST_TALLY;
      if (tallyFile) {
        require('node:fs').appendFileSync(tallyFile, `${passes} ${failures + pending}\n`);
      } else {
        process.stdout.write(`\n${passes} passed, ${failures + pending} failed\n`);
      }
    });
  }
}
module.exports = SluiceReporter;
