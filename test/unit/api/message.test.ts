import { expect } from 'chai';
import { capMessage, MAX_MESSAGE_CHARS } from '../../../src/api/message.js';

describe('capMessage', () => {
  it('keeps a short message as it is', () => {
    expect(capMessage('success rate 69.17% < 99%')).to.equal('success rate 69.17% < 99%');
  });

  it('cuts a long one to the cap, saying how much was left out', () => {
    const capped = capMessage('x'.repeat(2_000_000));
    expect(capped.length).to.be.at.most(MAX_MESSAGE_CHARS);
    const left = Number(capped.match(/\.\.\. \((\d+) more characters\)$/)?.[1]);
    expect(capped.length - `... (${left} more characters)`.length + left).to.equal(2_000_000);
  });

  it('never splits a surrogate pair', () => {
    const capped = capMessage('😀'.repeat(100), 50);
    expect(capped.length).to.be.at.most(50);
    expect(capped).to.match(/^(😀)+\.\.\. \(\d+ more characters\)$/u);
  });
});
