// Compiled, never run: the redkit/jest matchers as a jest 30 user types them (@jest/globals).
import { expect } from '@jest/globals';
import { useRedKit } from 'redkit/jest';

const redkit = useRedKit();

export function usage(): void {
  expect(redkit).toHaveReceivedCommand('SET', 'k', expect.any(String));
  expect(redkit).not.toHaveReceivedCommand('DEL');
  expect(redkit).toHaveReceivedCommandTimes('GET', 2);
  expect(redkit).toHaveReceivedCommandsInOrder(['SET', ['GET', expect.stringMatching(/^k/)]]);
  expect(redkit.db(0)).toHaveKey('k');
  expect(redkit).toHaveTTL('k', '1m');
  const n: number = redkit.recorder.count('SET');
  void n;

  // @ts-expect-error times is a number
  expect(redkit).toHaveReceivedCommandTimes('GET', 'twice');
  // @ts-expect-error keys are strings or Buffers
  expect(redkit).toHaveKey({});
  // @ts-expect-error not a matcher
  expect(redkit).toHaveReceivedCommandz('SET');
}
