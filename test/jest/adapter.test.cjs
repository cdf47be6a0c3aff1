// The jest adapter under a real jest run: useRedKit hooks, matchers, clock, faults.
const net = require('node:net');
const Redis = require('ioredis5');
const { createClient } = require('redis5');
const { useRedKit } = require('redkit/jest');

let io;
// Declared before useRedKit(): jest runs afterAll hooks in declaration order, so the
// client says goodbye before the server stops (otherwise ioredis waits 2 s for a close).
afterAll(() => io && io.disconnect());
const redkit = useRedKit();

beforeAll(async () => {
  io = new Redis(redkit.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await io.connect();
});

test('the handle is live and the server answers', async () => {
  expect(redkit.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  expect(await io.ping()).toBe('PONG');
});

test('matchers see commands, with asymmetric arguments', async () => {
  await io.set('user:1', 'alice', 'EX', 60);
  await io.get('user:1');
  expect(redkit).toHaveReceivedCommand('SET', 'user:1', 'alice', 'EX', '60');
  expect(redkit).toHaveReceivedCommand('SET', 'user:1', expect.any(String), 'EX', expect.anything());
  expect(redkit).not.toHaveReceivedCommand('DEL');
  expect(redkit).toHaveReceivedCommandTimes('GET', 1);
  expect(redkit).toHaveReceivedCommandsInOrder(['SET', ['GET', 'user:1']]);
  expect(redkit).toHaveKey('user:1');
  expect(redkit).toHaveTTL('user:1', '60s');
});

test('beforeEach reset flushed the data and the recording', async () => {
  expect(redkit).not.toHaveKey('user:1');
  expect(redkit.commands).toHaveLength(0);
});

test('failure messages show the transcript and nearest candidate', async () => {
  await io.set('a', '1');
  let message = '';
  try {
    expect(redkit).toHaveReceivedCommand('SET', 'a', '2');
  } catch (e) {
    message = String(e.message);
  }
  expect(message).toContain('Nearest');
  expect(message).toContain('SET "a" "1"');
});

/** A client with no timers of its own: one command, one reply, over a plain socket. */
function rawCall(port, line) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(line + '\r\n'));
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (out.endsWith('\r\n')) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
}

test('jest.useFakeTimers() (nextTick included) does not freeze the server; the virtual clock still expires keys', async () => {
  await io.set('session', 'x', 'EX', 30);
  jest.useFakeTimers();
  try {
    expect(await rawCall(redkit.port, 'TTL session')).toBe(':30\r\n');
    redkit.clock.advance('30s');
    expect(await rawCall(redkit.port, 'GET session')).toBe('$-1\r\n');
  } finally {
    jest.useRealTimers();
  }
});

test('node-redis (RESP3) works against the fixture', async () => {
  const client = createClient({ url: redkit.url, RESP: 3 });
  await client.connect();
  await client.hSet('h', { a: '1' });
  expect(await client.hGetAll('h')).toEqual({ a: '1' });
  expect(redkit).toHaveReceivedCommand('HSET', 'h', 'a', '1');
  await client.quit();
});

test('faults reach the client', async () => {
  redkit.faults.add({ command: 'GET', error: 'LOADING Redis is loading the dataset in memory', times: 1 });
  await expect(io.get('x')).rejects.toThrow('LOADING');
  expect(await io.get('x')).toBeNull();
});

describe('a handle used before its beforeAll', () => {
  const early = useRedKit();
  let collectionError = '';
  try {
    void early.url;
  } catch (e) {
    collectionError = e.message;
  }
  test('throws a clear error at collection time, works in tests', () => {
    expect(collectionError).toMatch(/RedKit is not started yet/);
    expect(early.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(early.port).not.toBe(redkit.port);
  });
});

test('the handle exposes the fixture: clock, keyspace, recorder, faults, snapshot', async () => {
  redkit.clock.freeze();
  redkit.db().set('k', 'v', { ttl: '10s' });
  expect(await io.pttl('k')).toBe(10000);
  redkit.clock.advance('10s');
  expect(await io.exists('k')).toBe(0);
  redkit.db(1).hset('h', { a: '1' });
  expect(redkit.snapshot().databases).toEqual({ 1: [{ key: 'h', type: 'hash', value: { a: '1' } }] });
  expect(redkit.recorder.count('EXISTS')).toBe(1);
  const h = redkit.faults.add({ command: 'PING', reply: 'PONG?' });
  expect(await io.ping()).toBe('PONG?');
  expect(h.hits).toBe(1);
});

test('toHaveReceivedCommandsInOrder failure names the missing command and the transcript', async () => {
  await io.set('a', '1');
  await io.del('a');
  expect(redkit).toHaveReceivedCommandsInOrder([['SET', 'a', expect.any(String)], 'DEL']);
  expect(redkit).not.toHaveReceivedCommandsInOrder(['DEL', 'SET']);
  let message = '';
  try {
    expect(redkit).toHaveReceivedCommandsInOrder(['SET', ['GET', 'a']]);
  } catch (e) {
    message = e.message;
  }
  expect(message).toMatch(/missing after #\d+: GET "a"/);
  expect(message).toContain('DEL "a" -> 1');
});

test('toHaveTTL and toHaveKey on another database', async () => {
  redkit.clock.freeze();
  await io.select(2);
  await io.set('k', 'v', 'EX', 90);
  expect(redkit.db(2)).toHaveKey('k');
  expect(redkit).not.toHaveKey('k');
  expect(redkit.db(2)).toHaveTTL('k', '90s');
  expect(redkit.db(2)).not.toHaveTTL('k', '89s');
  await io.select(0);
});

test('recorder.waitFor times out on real time even under jest.useFakeTimers()', async () => {
  jest.useFakeTimers();
  try {
    await expect(redkit.recorder.waitFor('NEVER_SENT', { timeout: 30 })).rejects.toThrow(/timed out after 30 ms waiting for NEVER_SENT/);
  } finally {
    jest.useRealTimers();
  }
});

test('a virtual-clock delay fault is released by clock.advance, with jest fake timers on', async () => {
  redkit.clock.freeze();
  redkit.faults.add({ command: 'GET', delay: '1m', delayClock: 'virtual' });
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  try {
    const p = rawCall(redkit.port, 'GET k');
    await redkit.recorder.waitFor('GET', { when: 'received' });
    redkit.clock.advance('1m');
    expect(await p).toBe('$-1\r\n');
  } finally {
    jest.useRealTimers();
  }
});

describe("clock: 'fake-timers' follows jest.setSystemTime()", () => {
  const faked = useRedKit({ clock: 'fake-timers' });
  test('TTLs and TIME follow the faked Date', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      jest.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      expect(await rawCall(faked.port, 'SET k v EX 60')).toBe('+OK\r\n');
      jest.setSystemTime(new Date('2030-01-01T00:00:45Z'));
      expect(await rawCall(faked.port, 'TTL k')).toBe(':15\r\n');
      jest.advanceTimersByTime(15000);
      expect(await rawCall(faked.port, 'EXISTS k')).toBe(':0\r\n');
      expect(faked.clock.now()).toBe(Date.UTC(2030, 0, 1, 0, 1, 0));
    } finally {
      jest.useRealTimers();
    }
  });
});
