// The jest adapter under a real jest run: useRedKit hooks, matchers, clock, faults.
const net = require('node:net');
const Redis = require('ioredis5');
const { createClient } = require('redis5');
const { useRedKit } = require('redkit/jest');

const redkit = useRedKit();
let io;

beforeAll(async () => {
  io = new Redis(redkit.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await io.connect();
});
afterAll(() => io && io.disconnect());

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
