// The standard normal distribution's upper tail, to double precision: Hart's 1968 algorithm
// 5666 as W. J. West gives it ("Better approximations to cumulative normal functions", 2005).
// A p-value of 0.003 must print as 0.003, so the usual 1e-7 approximations of erf are not enough.

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = Math.abs(z);
  let tail: number;
  if (x > 37) {
    tail = 0;
  } else if (x < 7.07106781186547) {
    const e = Math.exp((-x * x) / 2);
    let num = 3.52624965998911e-2 * x + 0.700383064443688;
    num = num * x + 6.37396220353165;
    num = num * x + 33.912866078383;
    num = num * x + 112.079291497871;
    num = num * x + 221.213596169931;
    num = num * x + 220.206867912376;
    let den = 8.83883476483184e-2 * x + 1.75566716318264;
    den = den * x + 16.064177579207;
    den = den * x + 86.7807322029461;
    den = den * x + 296.564248779674;
    den = den * x + 637.333633378831;
    den = den * x + 793.826512519948;
    den = den * x + 440.413735824752;
    tail = (e * num) / den;
  } else {
    // The continued fraction, for the far tail.
    let f = x + 0.65;
    f = x + 4 / f;
    f = x + 3 / f;
    f = x + 2 / f;
    f = x + 1 / f;
    tail = Math.exp((-x * x) / 2) / f / 2.506628274631;
  }
  return z >= 0 ? tail : 1 - tail;
}
