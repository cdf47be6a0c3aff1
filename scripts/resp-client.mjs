// Minimal RESP3 client used by the generator scripts: returns tagged JSON trees.
import net from 'node:net';

export function decodeTagged(buf, pos = 0) {
  const t = String.fromCharCode(buf[pos]);
  const nl = buf.indexOf('\r\n', pos);
  const line = buf.latin1Slice(pos + 1, nl);
  let p = nl + 2;
  const agg = (n, tag) => {
    const items = [];
    for (let i = 0; i < n; i++) { const [v, np] = decodeTagged(buf, p); items.push(v); p = np; }
    return [tag ? { [tag]: items } : items, p];
  };
  switch (t) {
    case '+': return [{ '+': line }, p];
    case '-': return [{ '-': line }, p];
    case ':': return [Number(line), p];
    case '$': { const n = Number(line); if (n < 0) return [null, p]; return [buf.latin1Slice(p, p + n), p + n + 2]; }
    case '*': { const n = Number(line); if (n < 0) return [{ '*': null }, p]; return agg(n); }
    case '%': return agg(Number(line) * 2, '%');
    case '~': return agg(Number(line), '~');
    case '_': return [null, p];
    case ',': return [{ ',': line }, p];
    case '#': return [line === 't', p];
    case '(': return [{ '(': line }, p];
    case '=': { const n = Number(line); return [{ '=': buf.latin1Slice(p, p + n) }, p + n + 2]; }
    case '>': return agg(Number(line), '>');
    default: throw new Error('bad type ' + t);
  }
}

export async function session(port, fn) {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
  let buf = Buffer.alloc(0);
  let waiter = null;
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); waiter?.(); });
  const tryParse = () => { try { const [v, p] = decodeTagged(buf, 0); buf = buf.subarray(p); return { v }; } catch { return null; } };
  const cmd = async (...args) => {
    s.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
    for (;;) {
      const r = buf.length ? tryParse() : null;
      if (r) return r.v;
      await new Promise((res) => { waiter = res; });
    }
  };
  try { return await fn(cmd); } finally { s.destroy(); }
}
