/**
 * Every client (ioredis 5/6, node-redis 4/5/6) in every protocol it speaks,
 * over TCP against RedKit: connection setup (password, db, name), binary
 * keys and values, big pipelines, concurrent commands, error replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { VARIANTS, call, callBuffer, close, connect, pipeline, pipelineSettled, type AnyClient } from '../support/clients.js';

let server: RedKitServer;
beforeAll(async () => {
  server = createServer({ requirepass: 'pw', logger: 'error' });
  await server.listen(0);
});
afterAll(async () => {
  await server.close();
  server.dispose();
});

/** All 256 byte values, plus invalid UTF-8 sequences. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x00, 0x0d, 0x0a]);

describe.each(VARIANTS)('$label', (variant) => {
  const db = 3;
  let c: AnyClient;
  beforeAll(async () => {
    c = await connect(variant, { port: server.port, password: 'pw', db, name: `it-${variant.lib}-${variant.protocol}` });
  });
  afterAll(async () => {
    if (c) await close(c);
  });

  it('connects with password, db and client name', async () => {
    expect(await call(c, ['CLIENT', 'GETNAME'])).toBe(`it-${variant.lib}-${variant.protocol}`);
    const info = String(await call(c, ['CLIENT', 'INFO']));
    expect(info).toContain(` db=${db} `);
    expect(info).toContain(` resp=${variant.protocol} `);
    expect(info).toContain(' user=default ');
    // The key lands in db 3, not db 0.
    await call(c, ['SET', 'where', 'db3']);
    const raw = await RawClient.connect(server.port);
    await raw.call('AUTH', 'pw');
    expect(await raw.call('EXISTS', 'where')).toBe(':0\r\n');
    await raw.call('SELECT', String(db));
    expect(await raw.call('GET', 'where')).toBe('$3\r\ndb3\r\n');
    await raw.call('DEL', 'where');
    raw.close();
  });

  it('speaks the protocol it asked for', async () => {
    const hello = await call(c, ['HELLO']);
    // HELLO with no version answers in the connection's protocol: a flat array in
    // RESP2, a map in RESP3 (decoded per client; look for "proto" either way).
    const flat = Array.isArray(hello) ? hello : hello instanceof Map ? [...hello].flat() : Object.entries(hello as object).flat();
    expect(flat[flat.indexOf('proto') + 1]).toBe(variant.protocol);
  });

  it('fails to connect with a wrong password', async () => {
    const errors: string[] = [];
    let failed: unknown;
    try {
      const bad = await connect(variant, { port: server.port, password: 'nope', onError: (e) => errors.push(e.message) });
      await close(bad);
    } catch (e) {
      failed = e;
    }
    expect(failed).toBeInstanceOf(Error);
    // ioredis rejects connect() with "Connection is closed." and reports the reply as an 'error' event.
    expect([(failed as Error).message, ...errors].join('\n')).toContain('WRONGPASS invalid username-password pair or user is disabled.');
  });

  it('round-trips binary keys and values as Buffers', async () => {
    const key = Buffer.concat([Buffer.from(`bin:${variant.label}:`), ALL_BYTES]);
    expect(await call(c, ['SET', key, ALL_BYTES])).toBe('OK');
    const got = await callBuffer(c, ['GET', key]);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect((got as Buffer).equals(ALL_BYTES)).toBe(true);

    const k2 = Buffer.concat([Buffer.from(`bin2:${variant.label}:`), INVALID_UTF8]);
    await call(c, ['SET', k2, INVALID_UTF8]);
    const mget = (await callBuffer(c, ['MGET', key, k2, 'missing'])) as Array<Buffer | null>;
    expect(mget[0]!.equals(ALL_BYTES)).toBe(true);
    expect(mget[1]!.equals(INVALID_UTF8)).toBe(true);
    expect(mget[2]).toBeNull();
    expect(await call(c, ['STRLEN', k2])).toBe(INVALID_UTF8.length);

    const keys = (await callBuffer(c, ['KEYS', Buffer.concat([Buffer.from(`bin*:${variant.label}:`), Buffer.from('*')])])) as Buffer[];
    expect(keys.map((k) => k.toString('hex')).sort()).toEqual([key.toString('hex'), k2.toString('hex')].sort());
    expect(await call(c, ['DEL', key, k2])).toBe(2);
  });

  it('round-trips a large binary value', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    await call(c, ['SET', 'bigbin', big]);
    const got = (await callBuffer(c, ['GET', 'bigbin'])) as Buffer;
    expect(got.length).toBe(big.length);
    expect(got.equals(big)).toBe(true);
    await call(c, ['DEL', 'bigbin']);
  });

  it('runs a pipeline of 10k commands in order', async () => {
    const n = 10_000;
    const cmds: string[][] = [];
    const p = `pl:${variant.label}:`;
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) cmds.push(['SET', `${p}${i}`, `v${i}`]);
      else if (i % 3 === 1) cmds.push(['INCR', `${p}ctr`]);
      else cmds.push(['GET', `${p}${i - 2}`]);
    }
    const res = await pipeline(c, cmds);
    expect(res.length).toBe(n);
    let ctr = 0;
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) expect(res[i]).toBe('OK');
      else if (i % 3 === 1) expect(res[i]).toBe(++ctr);
      else expect(res[i]).toBe(`v${i - 2}`);
    }
    expect(await call(c, ['GET', `${p}ctr`])).toBe(String(ctr));
    await call(c, ['FLUSHDB']);
  });

  it('keeps order for 5k concurrent commands (client-side pipelining)', async () => {
    const res = await Promise.all(Array.from({ length: 5000 }, (_, i) => call(c, i % 2 ? ['ECHO', `e${i}`] : ['INCR', 'conc'])));
    for (let i = 0; i < res.length; i++) expect(res[i]).toBe(i % 2 ? `e${i}` : i / 2 + 1);
    await call(c, ['DEL', 'conc']);
  });

  it('surfaces error replies as errors, and keeps going', async () => {
    await expect(call(c, ['NOSUCHCMD', 'a'])).rejects.toThrow("ERR unknown command 'NOSUCHCMD', with args beginning with: 'a'");
    await call(c, ['HSET', 'h', 'f', 'v']);
    await expect(call(c, ['GET', 'h'])).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(call(c, ['GET'])).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    expect(await call(c, ['DEL', 'h'])).toBe(1);
    // Errors inside a pipeline come back in place.
    const res = await pipelineSettled(c, [['SET', 'x', '1'], ['INCRBY', 'x', 'notanumber'], ['GET', 'x']]);
    expect(res[0]).toBe('OK');
    expect(String(res[1])).toContain('ERR value is not an integer or out of range');
    expect(res[2]).toBe('1');
    await call(c, ['DEL', 'x']);
  });
});
