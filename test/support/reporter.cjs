// Mocha's spec output, closed by the plain line CI reads: "N passed, N failed".
// Pending (skipped) tests are counted as failures on purpose: nothing skipped is ever "done".
// Under test/run-all.sh each failure's title and first error line also go to a file that the script
// prints just above that last line, because CI keeps only the tail of a long run's output.
const Mocha = require('mocha');
const fs = require('node:fs');
const { EVENT_RUN_END, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

function firstLine(err) {
  const message = err && err.message ? String(err.message) : String(err);
  return message.split('\n')[0].slice(0, 300);
}

class SluiceReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failuresFile = process.env.SLUICE_TEST_FAILURES;
    const remember = (line) => failuresFile && fs.appendFileSync(failuresFile, `${line}\n`);
    runner.on(EVENT_TEST_FAIL, (test, err) => remember(`failed: ${test.fullTitle()}: ${firstLine(err)}`));
    runner.on(EVENT_TEST_PENDING, (test) => remember(`skipped (counted as failed): ${test.fullTitle()}`));
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      const tallyFile = process.env.SLUICE_TEST_TALLY;
      if (tallyFile) {
        fs.appendFileSync(tallyFile, `${passes} ${failures + pending}\n`);
      } else {
        process.stdout.write(`\n${passes} passed, ${failures + pending} failed\n`);
      }
    });
  }
}
module.exports = SluiceReporter;
