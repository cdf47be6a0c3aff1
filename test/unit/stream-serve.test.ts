/**
 * The blocking layer's entry points for stream reads (commands/streams.ts):
 * parseStreamRead, streamReadKeys and serveStreamRead(ctx, req, readyKey),
 * driven in process. What they answer is what redis-server 7.0.15 sends a
 * blocked XREAD / XREADGROUP client (checked by hand against it: NOGROUP after
 * XGROUP DESTROY, UNBLOCKED after DEL or SET over the key, XREAD keeps
 * waiting after DEL).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/index.js';
import { parseStreamRead, serveStreamRead, streamReadKeys } from '../../src/commands/streams.js';
import { ReplyError } from '../../src/errors.js';
import { MapReply } from '../../src/resp/reply.js';
import { InternalClient } from '../../src/server/internal.js';

const server = createServer({ logger: 'error' });
afterAll(() => server.dispose());

function client(proto: 2 | 3 = 2): InternalClient {
  const c = new InternalClient(server, 0);
  c.protocol = proto;
  return c;
}

describe('serveStreamRead', () => {
  it('XREAD $: waits on its keys, resolves $ at parse time, serves the ready key alone', () => {
    const c = client();
    c.call('FLUSHALL');
    c.call('XADD', 'a', '1-0', 'f', '1');
    c.sentName = 'XREAD';
    const req = parseStreamRead(c, ['COUNT', '5', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$'], false);
    expect(streamReadKeys(req)).toEqual(['a', 'b']);
    expect(req.timeout).toBe(0);
    expect(serveStreamRead(c, req)).toBeUndefined();
    c.call('XADD', 'b', '7-0', 'g', '2');
    expect(serveStreamRead(c, req, 'a')).toBeUndefined();
    expect(serveStreamRead(c, req, 'b')).toEqual([['b', [['7-0', ['g', '2']]]]]);
    c.call('XADD', 'a', '2-0', 'f', '3');
    const r3 = serveStreamRead(client(3), req, 'a');
    expect(r3).toBeInstanceOf(MapReply);
    expect((r3 as MapReply).flat).toEqual(['a', [['2-0', ['f', '3']]]]);
    // Deleted: XREAD keeps waiting.
    c.call('DEL', 'a');
    expect(serveStreamRead(c, req, 'a')).toBeUndefined();
  });

  it('XREADGROUP >: reads after the group last ID at serve time, adds to the PEL; NOGROUP / UNBLOCKED errors', () => {
    const c = client();
    c.call('FLUSHALL');
    c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    c.sentName = 'XREADGROUP';
    const req = parseStreamRead(c, ['GROUP', 'g', 'alice', 'BLOCK', '100', 'STREAMS', 's', '>'], true);
    expect(serveStreamRead(c, req)).toBeUndefined();
    expect(serveStreamRead(c, req, 's')).toBeUndefined();
    c.call('XADD', 's', '1-0', 'f', 'v');
    expect(serveStreamRead(c, req, 's')).toEqual([['s', [['1-0', ['f', 'v']]]]]);
    expect(c.call('XPENDING', 's', 'g')).toEqual([1, '1-0', '1-0', [['alice', '1']]]);
    expect(serveStreamRead(c, req, 's')).toBeUndefined();
    c.call('XGROUP', 'DESTROY', 's', 'g');
    expect(serveStreamRead(c, req, 's')).toEqual(new ReplyError('NOGROUP the consumer group this client was blocked on no longer exists'));
    c.call('XGROUP', 'CREATE', 's', 'g', '$');
    c.call('DEL', 's');
    expect(serveStreamRead(c, req, 's')).toEqual(new ReplyError('UNBLOCKED the stream key no longer exists'));
    c.call('SET', 's', 'x');
    expect(serveStreamRead(c, req, 's')).toEqual(new ReplyError('UNBLOCKED the stream key no longer exists'));
  });

  it('BLOCK in a script is refused while parsing, with the command name as sent', () => {
    const c = client();
    c.inScript = true;
    c.sentName = 'xread';
    expect(() => parseStreamRead(c, ['BLOCK', '0', 'STREAMS', 's', '$'], false)).toThrow();
    try {
      parseStreamRead(c, ['BLOCK', '0', 'STREAMS', 's', '$'], false);
    } catch (e) {
      expect((e as ReplyError).message).toBe('ERR xread command is not allowed with BLOCK option from scripts');
    }
  });
});
