/**
 * Geo commands against redis-server 7.0.15, in RESP2 and RESP3. Every reply
 * is compared byte for byte: results come out in Redis's search order (or
 * its sort order, including how ties are left by qsort / pqsort), with the
 * same distances, hashes and coordinates.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, startPair, type Cmd, type Pair, type RawClient } from '../support/differential.js';
import { rng } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

const c = (line: string): Cmd => line.split(' ');
const cs = (...lines: string[]): Cmd[] => lines.map(c);

const SICILY = cs('GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento 12.758489 38.016047 Trapani 15.556 38.193 Messina');

describe.each([2, 3] as const)('geo (RESP%i)', (proto) => {
  it('GEOADD: options, replies, errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('GEOADD g 13.361389 38.115556 Palermo', 'GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania', 'ZRANGE g 0 -1 WITHSCORES'),
      ...cs('GEOADD g NX 1 1 Palermo 2 2 new', 'GEOADD g XX 3 3 Palermo 4 4 nope', 'GEOADD g CH 3 3 Palermo 5 5 new2', 'GEOADD g XX CH 6 6 Palermo', 'GEOADD g ch nx ch 7 7 x', 'ZRANGE g 0 -1 WITHSCORES'),
      ...cs('GEOADD g NX XX 1 1 a', 'GEOADD g 1 1', 'GEOADD g 1 1 a 2', 'GEOADD g NX 1 1', 'GEOADD g GT 1 1 a', 'GEOADD g NX', 'GEOADD g NX 1 2 3 4'),
      ...cs('GEOADD g abc 1 a', 'GEOADD g 1 abc a', 'GEOADD g 200 100 a', 'GEOADD g 181 0 a', 'GEOADD g -180.0000001 0 a', 'GEOADD g 0 85.05112879 a', 'GEOADD g 0 -85.05112879 a', 'GEOADD g inf 0 a', 'GEOADD g 0 -inf a'),
      ...cs('GEOADD g 0.0078125 86 a', 'GEOADD g 1e300 0 a', 'GEOADD g -0.00000049 90 a', 'GEOADD g 1 1 ok 200 0 bad', 'ZSCORE g ok', 'GEOADD g 1e-400 0 a', 'GEOADD g nan 0 a'),
      ...cs('GEOADD g 180 85.05112878 ne -180 -85.05112878 sw 180 -85.05112878 se -180 85.05112878 nw 0 0 origin -0 -0 negorigin', 'ZRANGE g 0 -1 WITHSCORES'),
      ...cs('SET str x', 'GEOADD str 1 1 a', 'GEOADD str 200 1 a', 'GEOADD nk XX 1 1 a', 'EXISTS nk'),
    ]);
  });

  it('GEOPOS, GEOHASH, GEODIST', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...SICILY,
      ...cs('GEOADD Sicily 180 85.05112878 ne -180 -85.05112878 sw 0 0 origin 13.361389 10.5 South -73.9857 40.7484 NYC 151.2093 -33.8688 Sydney'),
      ...cs('GEOPOS Sicily Palermo Catania nope ne sw origin South NYC Sydney', 'GEOPOS Sicily', 'GEOPOS nokey a b', 'GEOHASH Sicily Palermo Catania nope ne sw origin NYC Sydney', 'GEOHASH Sicily', 'GEOHASH nokey a'),
      ...cs('GEODIST Sicily Palermo Catania', 'GEODIST Sicily Palermo Catania m', 'GEODIST Sicily Palermo Catania KM', 'GEODIST Sicily Palermo Catania mi', 'GEODIST Sicily Palermo Catania Ft'),
      ...cs('GEODIST Sicily Palermo South', 'GEODIST Sicily ne sw', 'GEODIST Sicily NYC Sydney km', 'GEODIST Sicily origin origin', 'GEODIST Sicily Palermo nope', 'GEODIST nokey a b', 'GEODIST nokey a b parsecs'),
      ...cs('GEODIST Sicily Palermo Catania parsecs', 'GEODIST Sicily Palermo Catania km extra', 'GEODIST Sicily Palermo'),
      // Scores that are not valid geohashes decode as Redis's (uint64_t) cast makes them.
      ...cs('ZADD Sicily -1 neg 1e300 huge inf pinf -inf ninf 1.5 frac 4503599627370496 top 9007199254740993 big'),
      ...cs('GEOPOS Sicily neg huge pinf ninf frac top big', 'GEOHASH Sicily neg huge pinf ninf frac top big', 'GEODIST Sicily neg ninf', 'GEODIST Sicily frac top km'),
      ...cs('SET str x', 'GEOPOS str a', 'GEOHASH str a', 'GEODIST str a b', 'GEODIST str a b parsecs'),
    ]);
  });

  it('GEORADIUS / GEORADIUSBYMEMBER (+_RO): options and errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, SICILY);
    const opts = [
      '',
      'WITHDIST',
      'WITHCOORD',
      'WITHHASH',
      'WITHDIST WITHCOORD WITHHASH',
      'withhash withcoord',
      'ASC',
      'DESC WITHDIST',
      'COUNT 1',
      'COUNT 2 DESC',
      'COUNT 3 ANY',
      'COUNT 2 ANY ASC WITHDIST',
      'COUNT 100',
      'ASC DESC',
    ];
    const steps: Cmd[] = [];
    for (const o of opts) {
      const tail = o ? o.split(' ') : [];
      for (const unit of ['km', 'mi']) {
        steps.push(['GEORADIUS', 'Sicily', '15', '37', '200', unit, ...tail]);
        steps.push(['GEORADIUS_RO', 'Sicily', '15', '37', '100', unit, ...tail]);
        steps.push(['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '150', unit, ...tail]);
        steps.push(['GEORADIUSBYMEMBER_RO', 'Sicily', 'Agrigento', '100', unit, ...tail]);
      }
    }
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ...cs('GEORADIUS Sicily 15 37 0 km', 'GEORADIUS Sicily 15.087269 37.502669 0 m', 'GEORADIUSBYMEMBER Sicily Catania 0 m WITHDIST', 'GEORADIUS Sicily 15 37 1 ft', 'GEORADIUS Sicily 15 37 50000 km WITHDIST'),
      ...cs('GEORADIUS nokey 15 37 200 km', 'GEORADIUSBYMEMBER nokey m 200 km', 'GEORADIUSBYMEMBER nokey m abc parsecs', 'GEORADIUSBYMEMBER nokey m abc km FOO', 'GEORADIUS nokey 15 37 200 km STORE d'),
      ...cs('GEORADIUS Sicily 200 37 200 km', 'GEORADIUS Sicily abc 37 200 km', 'GEORADIUS Sicily 15 37 abc km', 'GEORADIUS Sicily 15 37 -1 km', 'GEORADIUS Sicily 15 37 200 parsecs', 'GEORADIUS Sicily 15 37 200 km FOO'),
      ...cs('GEORADIUSBYMEMBER Sicily nope 200 km', 'GEORADIUSBYMEMBER Sicily Palermo abc km', 'GEORADIUSBYMEMBER Sicily Palermo -5 km', 'GEORADIUSBYMEMBER Sicily Palermo 5 parsecs'),
      ...cs('GEORADIUS Sicily 15 37 200 km COUNT', 'GEORADIUS Sicily 15 37 200 km COUNT 0', 'GEORADIUS Sicily 15 37 200 km COUNT -1', 'GEORADIUS Sicily 15 37 200 km COUNT x', 'GEORADIUS Sicily 15 37 200 km ANY', 'GEORADIUS Sicily 15 37 200 km ANY COUNT 1'),
      ...cs('GEORADIUS Sicily 15 37 200 km STORE', 'GEORADIUS Sicily 15 37 200 km STORE d WITHDIST', 'GEORADIUS Sicily 15 37 200 km WITHHASH STOREDIST d', 'GEORADIUS_RO Sicily 15 37 200 km STORE d', 'GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STOREDIST d'),
      ...cs('GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo', 'GEORADIUS Sicily 15 37 200 km BYRADIUS 10 km', 'GEORADIUS Sicily 15 37 200 km STOREDIST'),
      ...cs('SET str x', 'GEORADIUS str 15 37 200 km', 'GEORADIUS str 200 37 200 km', 'GEORADIUSBYMEMBER str m 200 km'),
    ]);
  });

  it('STORE / STOREDIST and GEOSEARCHSTORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...SICILY,
      ...cs('GEORADIUS Sicily 15 37 200 km STORE d', 'ZRANGE d 0 -1 WITHSCORES', 'OBJECT ENCODING d', 'GEORADIUS Sicily 15 37 200 km STOREDIST d', 'ZRANGE d 0 -1 WITHSCORES'),
      ...cs('GEORADIUS Sicily 15 37 200 km STOREDIST d COUNT 2 DESC', 'ZRANGE d 0 -1 WITHSCORES', 'GEORADIUSBYMEMBER Sicily Palermo 100 mi STORE d2 ASC', 'ZRANGE d2 0 -1 WITHSCORES'),
      ...cs('GEORADIUS Sicily 15 37 200 km STORE d STOREDIST d3', 'EXISTS d3', 'ZRANGE d3 0 -1 WITHSCORES'),
      ...cs('SET str x', 'EXPIRE str 100', 'GEORADIUS Sicily 15 37 200 km STORE str', 'TYPE str', 'TTL str'),
      ...cs('GEORADIUS Sicily 0 0 1 km STORE d', 'EXISTS d', 'GEORADIUS Sicily 0 0 1 km STORE d', 'GEORADIUS nokey 0 0 1 km STORE d2', 'EXISTS d2'),
      ...cs('GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km', 'ZRANGE d 0 -1 WITHSCORES', 'GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYBOX 400 400 km STOREDIST ASC COUNT 3', 'ZRANGE d 0 -1 WITHSCORES'),
      ...cs('GEOSEARCHSTORE d Sicily FROMLONLAT 0 0 BYRADIUS 1 m', 'EXISTS d', 'GEOSEARCHSTORE d nokey FROMLONLAT 0 0 BYRADIUS 1 m', 'GEOSEARCHSTORE d nokey FROMMEMBER x BYRADIUS 1 m'),
      ...cs('GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST', 'GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x', 'GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST x'),
      ...cs('GEOSEARCHSTORE d str FROMLONLAT 15 37 BYRADIUS 200 km', 'GEOSEARCHSTORE str Sicily FROMLONLAT 15 37 BYRADIUS 200 km', 'TYPE str'),
      ...cs('CONFIG SET zset-max-listpack-entries 2', 'GEORADIUS Sicily 15 37 500 km STORE big', 'OBJECT ENCODING big', 'GEORADIUS Sicily 15 37 500 km STORE small COUNT 2', 'OBJECT ENCODING small', 'CONFIG SET zset-max-listpack-entries 128'),
    ]);
  });

  it('GEOSEARCH: FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX, options and errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, SICILY);
    const steps: Cmd[] = [];
    const froms = ['FROMLONLAT 15 37', 'FROMMEMBER Palermo', 'FROMLONLAT 13.5 38'];
    const bys = ['BYRADIUS 200 km', 'BYRADIUS 100 mi', 'BYBOX 400 400 km', 'BYBOX 100 300 km', 'BYBOX 300 100 km', 'BYBOX 1000000 1000 ft', 'BYRADIUS 0 m', 'BYBOX 0 0 m'];
    const opts = ['', 'WITHDIST WITHCOORD WITHHASH', 'ASC', 'DESC WITHDIST', 'COUNT 2', 'COUNT 2 ANY', 'COUNT 1 DESC WITHCOORD'];
    for (const f of froms) for (const b of bys) for (const o of opts) steps.push(c(`GEOSEARCH Sicily ${f} ${b}${o ? ' ' + o : ''}`));
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ...cs('GEOSEARCH Sicily BYRADIUS 10 km', 'GEOSEARCH Sicily FROMLONLAT 15 37', 'GEOSEARCH Sicily', 'geosearch Sicily BYRADIUS 10 km', 'GeoSearch Sicily FROMLONLAT 15 37', 'GEOSEARCHSTORE d Sicily BYBOX 1 1 km'),
      ...cs('GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 10 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 10 km', 'GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 100 km'),
      ...cs('GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km BYBOX 1 1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 10 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km BYRADIUS 200 km'),
      ...cs('GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 10 km', 'GEOSEARCH Sicily FROMLONLAT 200 37 BYRADIUS 10 km', 'GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 10 km', 'GEOSEARCH Sicily FROMMEMBER'),
      ...cs('GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS x km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 parsecs', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1'),
      ...cs('GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 parsecs', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1'),
      ...cs('GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km ANY', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km COUNT 0', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km STORE d', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km STOREDIST', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km FOO'),
      ...cs('GEOSEARCH nokey FROMMEMBER x BYRADIUS 10 km', 'GEOSEARCH nokey FROMLONLAT 15 37 BYBOX 1 1 km', 'GEOSEARCH nokey FROMMEMBER x', 'GEOSEARCH nokey BYRADIUS 1 km'),
      ...cs('SET str x', 'GEOSEARCH str FROMLONLAT 15 37 BYRADIUS 10 km', 'GEOSEARCH str FROMLONLAT 15'),
    ]);
  });

  it('random points: searches, sorting, COUNT (pqsort), ANY, ties', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(proto * 1000 + 17);
    const centers: Array<[number, number]> = [
      [13.4, 38.1],
      [-0.1, 51.5],
      [179.9, 0.1],
      [-179.95, -10],
      [0, 84.9],
      [20, -84.5],
      [0, 0],
      [100, 70],
    ];
    for (const [clon, clat] of centers) {
      const steps: Cmd[] = [c('DEL pts')];
      const add: Cmd = ['GEOADD', 'pts'];
      const n = 150;
      for (let i = 0; i < n; i++) {
        let lon = clon + (rand() - 0.5) * 4;
        let lat = clat + (rand() - 0.5) * 2;
        if (lon > 180) lon -= 360;
        if (lon < -180) lon += 360;
        lat = Math.max(-85, Math.min(85, lat));
        add.push(lon.toFixed(6), lat.toFixed(6), `p${i}`);
      }
      // Several members at one spot: equal distances.
      for (let i = 0; i < 12; i++) add.push(String(clon), String(clat), `same${i}`);
      for (let i = 0; i < 12; i++) add.push(String(clon + 0.01 > 180 ? clon - 0.01 : clon + 0.01), String(clat), `twin${i}`);
      steps.push(add);
      for (const radius of ['1', '10', '50', '150', '400', '20000']) {
        steps.push(['GEORADIUS', 'pts', String(clon), String(clat), radius, 'km', 'WITHDIST', 'WITHHASH']);
        steps.push(['GEORADIUS', 'pts', String(clon), String(clat), radius, 'km', 'ASC', 'WITHDIST']);
        steps.push(['GEORADIUS', 'pts', String(clon), String(clat), radius, 'km', 'DESC']);
        for (const count of ['1', '5', '13', '30', '100']) {
          steps.push(['GEORADIUS', 'pts', String(clon), String(clat), radius, 'km', 'COUNT', count, 'WITHDIST']);
          steps.push(['GEORADIUS', 'pts', String(clon), String(clat), radius, 'km', 'COUNT', count, 'DESC']);
          steps.push(['GEORADIUS', 'pts', String(clon), String(clat), radius, 'km', 'COUNT', count, 'ANY']);
          steps.push(['GEOSEARCH', 'pts', 'FROMMEMBER', 'p3', 'BYBOX', radius, String(Number(radius) / 2), 'km', 'COUNT', count, 'WITHCOORD']);
        }
        steps.push(['GEOSEARCH', 'pts', 'FROMLONLAT', String(clon), String(clat), 'BYBOX', radius, radius, 'km', 'WITHDIST']);
        steps.push(['GEORADIUSBYMEMBER', 'pts', 'p7', radius, 'mi', 'WITHDIST', 'DESC']);
      }
      await expectSame(r, k, steps);
    }
  });

  it('distances between many random points', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(4242 + proto);
    const add: Cmd = ['GEOADD', 'w'];
    for (let i = 0; i < 200; i++) add.push(((rand() - 0.5) * 360).toFixed(7), ((rand() - 0.5) * 170).toFixed(7), `q${i}`);
    const steps: Cmd[] = [add];
    for (let i = 0; i < 200; i++) {
      const a = Math.floor(rand() * 200);
      const b = Math.floor(rand() * 200);
      steps.push(['GEODIST', 'w', `q${a}`, `q${b}`, ['m', 'km', 'mi', 'ft'][i % 4]]);
    }
    steps.push(['GEOPOS', 'w', ...Array.from({ length: 200 }, (_, i) => `q${i}`)]);
    steps.push(['GEOHASH', 'w', ...Array.from({ length: 200 }, (_, i) => `q${i}`)]);
    await expectSame(r, k, steps);
  });

  it('keyspace notifications', async () => {
    const { r, k } = await pair.clients(proto);
    const subs = await pair.clients(2);
    for (const cl of [subs.r, subs.k]) await cl.call('PSUBSCRIBE', '*');
    await expectSame(r, k, [c('CONFIG SET notify-keyspace-events KEA')]);
    await expectSame(r, k, [
      ...SICILY,
      ...cs('GEOADD Sicily 13.361389 38.115556 Palermo', 'GEORADIUS Sicily 15 37 200 km STORE d', 'GEORADIUS Sicily 0 0 1 km STORE d', 'GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km', 'GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 200 km', 'PUBLISH end x'),
    ]);
    const drain = async (cl: RawClient) => {
      const out: string[] = [];
      await cl.read();
      for (;;) {
        const m = await cl.read();
        out.push(m);
        if (m.includes('\r\nend\r\n')) break;
      }
      return out;
    };
    expect(await drain(subs.k)).toEqual(await drain(subs.r));
    subs.r.close();
    subs.k.close();
  });
});
