// The floor of a Node.js Redis server on net.Socket's streams: a TCP server
// that parses nothing and answers +OK to each multibulk command it sees (one
// '*' per command), with the same socket settings and one write per read as
// RedKit. `--suite floor` compares it with redis-server and RedKit: what a
// server on Node's stream path cannot beat on this machine. RedKit reads and
// writes below the streams (src/server/direct-io.ts), so it can.
import net from 'node:net';

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const OK = Buffer.from('+OK\r\n');
const cache = new Map();
net
  .createServer({ noDelay: true }, (s) => {
    s.on('data', (d) => {
      let n = 0;
      for (let i = 0; i < d.length; i++) if (d[i] === 42) n++;
      if (n === 0) return void s.write(OK); // inline PING from the launcher
      let out = cache.get(n);
      if (out === undefined) cache.set(n, (out = Buffer.concat(Array(n).fill(OK))));
      s.write(out);
    });
    s.on('error', () => {});
  })
  .listen(port, '127.0.0.1');
