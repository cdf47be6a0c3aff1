/**
 * Unit tests for the x87 long double emulation behind INCRBYFLOAT /
 * HINCRBYFLOAT. The expected strings in ORACLE were produced by
 * redis-server 7.0.15 (x86-64) for INCRBYFLOAT; the differential tests compare
 * many more values against a live server.
 */
import { describe, expect, it } from 'vitest';
import {
  IncrByFloatError,
  addLongDouble,
  formatLongDouble,
  incrByFloat,
  parseLongDouble,
  type IncrByFloatFailure,
} from '../../src/resp/longdouble.js';

/** [current value (null: missing key), increment, Redis's reply (error text starts with '-')]. */
const ORACLE: Array<[string | null, string, string]> = [
  [null,"1.1","1.1"],
  [null,"0.1","0.1"],
  ["0.1","0.2","0.3"],
  ["0.2","0.1","0.3"],
  ["1.1","2.2","3.3"],
  ["10.5","0.1","10.6"],
  ["5.0e3","2.0e2","5200"],
  ["3","0.000003814697265625","3.00000381469726562"],
  [null,"0.000003814697265625","0.00000381469726562"],
  [null,"-0.000003814697265625","-0.00000381469726562"],
  [null,"1e50","100000000000000000003583830118858923890798487404544"],
  [null,"1e30","1000000000000000000024696061952"],
  ["1e4932","1e4932","-ERR increment would produce NaN or Infinity"],
  ["1e-4950","0","0"],
  [null,"3.6e-4951","0"],
  ["18446744073709551615","1","18446744073709551616"],
  ["18446744073709551617","0","18446744073709551616"],
  ["9223372036854775807","1","9223372036854775808"],
  ["-9223372036854775808","-1","-9223372036854775809"],
  [null,"5e-18","0"],
  [null,"-5e-18","0"],
  [null,"1.5e-17","0.00000000000000002"],
  [null,"2.5e-17","0.00000000000000002"],
  [null,"-0","0"],
  ["-0","-0","0"],
  ["1","-1","0"],
  [null,"0x1p-3","0.125"],
  [null,"0x1.8p1","3"],
  [null,"0X1P2","4"],
  [null,".5","0.5"],
  [null,"5.","5"],
  ["123456789.123456789","987654321.987654321","1111111111.11111110995989293"],
  [null,"3.0000000000000000001","3"],
  [null,"0.30000000000000000001","0.3"],
  ["0.1","0.7","0.8"],
  ["1e17","0.1","100000000000000000.1015625"],
  ["1e18","1","1000000000000000001"],
  ["1e19","1","10000000000000000001"],
  ["1e20","1","100000000000000000000"],
  [null,"1e-17","0.00000000000000001"],
  [null,"1e-18","0"],
  ["0.0000000000000000000000000000001","1","1"],
  [null,"9999999999999999999999999999999999999999","9999999999999999999783686092270256259072"],
  [null,"-9999999999999999999999999.9999999999999999999999999","-10000000000000000000000000"],
  ["1.000000000000000000005","0","1"],
  ["2.5","-2.5","0"],
  [null,"inf","-ERR increment would produce NaN or Infinity"],
  ["inf","1","-ERR increment would produce NaN or Infinity"],
  ["1","inf","-ERR increment would produce NaN or Infinity"],
  [null,"-inf","-ERR increment would produce NaN or Infinity"],
  ["inf","-inf","-ERR increment would produce NaN or Infinity"],
  [null,"nan","-ERR value is not a valid float"],
  [null,"abc","-ERR value is not a valid float"],
  ["abc","1","-ERR value is not a valid float"],
  [null," 1","-ERR value is not a valid float"],
  [null,"1 ","-ERR value is not a valid float"],
  [null,"","-ERR value is not a valid float"],
  ["","","-ERR value is not a valid float"],
  [null,"1e4933","-ERR value is not a valid float"],
  [null,"1e-5000","-ERR value is not a valid float"],
  [null,"0e-99999","0"],
  [null,"1\u00001","-ERR value is not a valid float"],
];

/** Replies too long to inline: [current, increment, length, first 40 chars, last 20 chars]. */
const ORACLE_LONG: Array<[string | null, string, number, string, string]> = [
  [null,"1.18973149535723176502e+4932",4933,"1189731495357231765021263853030970205169","19552086811989770240"],
];

function run(cur: string | null, inc: string): string {
  try {
    return incrByFloat(cur, inc);
  } catch (e) {
    if (!(e instanceof IncrByFloatError)) throw e;
    return e.reason === 'result-not-finite' ? '-ERR increment would produce NaN or Infinity' : '-ERR value is not a valid float';
  }
}

describe('incrByFloat matches redis-server 7.0.15', () => {
  it.each(ORACLE)('%j + %j', (cur, inc, expected) => {
    expect(run(cur, inc)).toBe(expected);
  });

  it.each(ORACLE_LONG)('%j + %j (long result)', (cur, inc, len, head, tail) => {
    const r = run(cur, inc);
    expect(r.length).toBe(len);
    expect(r.slice(0, 40)).toBe(head);
    expect(r.slice(-20)).toBe(tail);
  });
});

describe('parseLongDouble (string2ld)', () => {
  it('rejects what Redis rejects', () => {
    for (const s of ['', ' 1', '1 ', '\t1', '\n1', 'nan', 'NaN', '-nan', 'nan(123)', 'abc', '1e', '1e+', '.', '+', '-', '0x', '0x1p', '0xg', '1,5', '1_0',
      '--1', '+-1', 'infin', 'infinityy', '1\0', '\0', '1e5000', '-1e5000', '1e-5000', '0x1p16384', '0x1p-16446', '1'.repeat(5120)]) {
      expect(parseLongDouble(s), JSON.stringify(s)).toBeNull();
    }
  });

  it('accepts decimal, hex and infinities', () => {
    for (const s of ['0', '-0', '+0', '1', '+1', '-1', '.5', '5.', '1e5', '1E+5', '1e-5', '0x10', '0X1P-2', '0x.8', '0x1.', 'inf', '-INF', '+Infinity', '0e-99999',
      '1e-4950', '0x1p-16445', '0.' + '1'.repeat(5117)]) {
      expect(parseLongDouble(s), JSON.stringify(s)).not.toBeNull();
    }
  });

  it('keeps integers up to 2^64 exact and rounds beyond to 64 bits, ties to even', () => {
    const fmt = (s: string) => formatLongDouble(parseLongDouble(s)!);
    expect(fmt('18446744073709551615')).toBe('18446744073709551615');
    expect(fmt('18446744073709551616')).toBe('18446744073709551616');
    expect(fmt('18446744073709551617')).toBe('18446744073709551616'); // tie: to even
    expect(fmt('18446744073709551619')).toBe('18446744073709551620'); // tie: to even (up)
    expect(fmt('18446744073709551618.5')).toBe('18446744073709551618'); // below the tie (...619)
    expect(fmt('18446744073709551619.5')).toBe('18446744073709551620'); // above the tie
    expect(fmt('-9223372036854775808')).toBe('-9223372036854775808');
  });

  it('has gradual underflow down to 2^-16445', () => {
    const min = parseLongDouble('0x1p-16445')!;
    expect(min.mant).toBe(1n);
    expect(min.exp).toBe(-16445);
    // Half the smallest subnormal rounds to zero (rejected), a bit more rounds up to it.
    expect(parseLongDouble('0x1p-16446')).toBeNull();
    expect(parseLongDouble('0x1.8p-16446')).toEqual(min);
  });
});

describe('formatLongDouble (%.17Lf, trimmed)', () => {
  const f = (s: string) => formatLongDouble(parseLongDouble(s)!);
  it('trims zeros and the dot, prints -0 as 0', () => {
    expect(f('1.5')).toBe('1.5');
    expect(f('100')).toBe('100');
    expect(f('-0')).toBe('0');
    expect(f('-1e-20')).toBe('0');
    expect(f('1e-17')).toBe('0.00000000000000001');
    expect(f('inf')).toBe('inf');
    expect(f('-inf')).toBe('-inf');
  });

  it('rounds the 17th decimal half to even on the exact binary value', () => {
    expect(f('0x1p-18')).toBe('0.00000381469726562'); // ...625: exact tie, 2 is even
    expect(f('0x3p-18')).toBe('0.00001144409179688'); // ...1875: exact tie, 7 -> 8
    expect(f('0.1')).toBe('0.1');
    expect(f('1e17')).toBe('100000000000000000');
  });
});

describe('addLongDouble', () => {
  const p = (s: string) => parseLongDouble(s)!;
  it('handles zeros, infinities and NaN', () => {
    expect(addLongDouble(p('-0'), p('-0'))?.neg).toBe(true);
    expect(addLongDouble(p('-0'), p('0'))?.neg).toBe(false);
    expect(addLongDouble(p('1'), p('-1'))).toMatchObject({ neg: false, mant: 0n });
    expect(addLongDouble(p('inf'), p('-inf'))).toBeNull();
    expect(addLongDouble(p('inf'), p('1'))?.inf).toBe(true);
    expect(addLongDouble(p('1e4932'), p('1e4932'))?.inf).toBe(true);
  });

  it('rounds the exact sum once', () => {
    // 2^64 + 1 is a tie between 2^64 and 2^64 + 2: to even.
    expect(formatLongDouble(addLongDouble(p('18446744073709551616'), p('1'))!)).toBe('18446744073709551616');
    expect(formatLongDouble(addLongDouble(p('18446744073709551616'), p('1.0000001'))!)).toBe('18446744073709551618');
    // 1e4000 + 1e-4000: the small addend is far below the last bit.
    expect(formatLongDouble(addLongDouble(p('1'), p('1e-4000'))!)).toBe('1');
  });
});

describe('incrByFloat failures', () => {
  const reason = (cur: string | null, inc: string, opts?: { rejectInfiniteIncrement?: boolean }): IncrByFloatFailure | string => {
    try {
      return incrByFloat(cur, inc, opts);
    } catch (e) {
      expect(e).toBeInstanceOf(IncrByFloatError);
      expect(e).toBeInstanceOf(Error);
      return (e as IncrByFloatError).reason;
    }
  };

  it('reports which input failed, increment first', () => {
    expect(reason(null, 'x')).toBe('increment-not-float');
    expect(reason('x', 'y')).toBe('increment-not-float');
    expect(reason('x', '1')).toBe('value-not-float');
    expect(reason('1', 'inf')).toBe('result-not-finite');
    expect(reason('x', 'inf')).toBe('value-not-float');
    expect(reason('1e4932', '1e4932')).toBe('result-not-finite');
    expect(reason('inf', '-inf')).toBe('result-not-finite');
  });

  it('can reject an infinite increment before reading the value (HINCRBYFLOAT)', () => {
    const opts = { rejectInfiniteIncrement: true };
    expect(reason('x', 'inf', opts)).toBe('increment-not-finite');
    expect(reason('1', '-inf', opts)).toBe('increment-not-finite');
    expect(reason('x', 'y', opts)).toBe('increment-not-float');
    expect(reason('x', '1', opts)).toBe('value-not-float');
    expect(reason('inf', '1', opts)).toBe('result-not-finite');
    expect(reason('1.5', '1', opts)).toBe('2.5');
  });
});
