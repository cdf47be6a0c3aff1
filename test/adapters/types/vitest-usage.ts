// Compiled, never run: the redkit/vitest matchers and handle as a vitest user types them.
import { expect, inject } from 'vitest';
import { useRedKit } from 'redkit/vitest';
import type { RedKit } from 'redkit';

const redkit = useRedKit({ clock: 'frozen', record: { replies: false } });

export async function usage(r: RedKit): Promise<void> {
  expect(redkit).toHaveReceivedCommand('SET', 'k', expect.any(String));
  expect(redkit).toHaveReceivedCommand('SET', Buffer.from('k'));
  expect(r).not.toHaveReceivedCommand('DEL');
  expect(r.recorder).toHaveReceivedCommandTimes('GET', 2);
  expect(redkit).toHaveReceivedCommandsInOrder(['SET', ['GET', 'k']]);
  expect(redkit.db(1)).toHaveKey('k');
  expect(redkit).toHaveTTL('k');
  expect(redkit).toHaveTTL('k', '30s');
  expect(redkit).toHaveTTL('k', 30_000, 10);
  const url: string = redkit.url;
  const port: number = redkit.port;
  const now: number = redkit.clock.advance('5m');
  const v: string | null = redkit.db().get('k');
  const b: Buffer | null = redkit.db().get('k', { buffer: true });
  const members: string[] = redkit.db().smembers('s');
  const pairs: Array<[string, number]> = redkit.db().zrange('z', 0, -1, { withScores: true });
  const provided: string = inject('redkitUrl');
  void [url, port, now, v, b, members, pairs, provided];

  // @ts-expect-error the command name is required
  expect(redkit).toHaveReceivedCommand();
  // @ts-expect-error times is a number
  expect(redkit).toHaveReceivedCommandTimes('GET', 'twice');
  // @ts-expect-error a list is expected
  expect(redkit).toHaveReceivedCommandsInOrder('SET');
  // @ts-expect-error keys are strings or Buffers
  expect(redkit).toHaveKey(42);
  // @ts-expect-error not a matcher
  expect(redkit).toHaveReceivedCommandz('SET');
  // @ts-expect-error get() gives string | null without { buffer: true }
  const notBuffer: Buffer | null = redkit.db().get('k');
  void notBuffer;
}
