// Send many commands quickly over one socket (pipelined) and wait for every reply.
import net from 'node:net';

export function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) {
    const b = String(a);
    s += `$${Buffer.byteLength(b)}\r\n${b}\r\n`;
  }
  return s;
}

/** Pipeline `count` commands made by make(i); resolves when all replies arrived. */
export function pipeline(port, count, make, batch = 1000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let sent = 0;
    let replies = 0;
    let partial = '';
    const sendSome = () => {
      let chunk = '';
      const end = Math.min(count, sent + batch);
      for (; sent < end; sent++) chunk += encode(make(sent));
      if (chunk) s.write(chunk);
    };
    s.on('connect', sendSome);
    s.on('error', reject);
    s.on('data', (d) => {
      // Count top-level replies: these commands answer with +, :, $ or - lines only.
      const text = partial + d.toString('latin1');
      const lines = text.split('\r\n');
      partial = lines.pop();
      for (let i = 0; i < lines.length; i++) {
        const c = lines[i][0];
        if (c === '$' && lines[i] !== '$-1') i++;
        replies++;
      }
      if (replies >= count) {
        s.destroy();
        resolve();
      } else if (sent - replies < batch) sendSome();
    });
  });
}
