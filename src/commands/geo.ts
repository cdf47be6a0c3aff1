/**
 * Geo commands (geo.c, geohash.c, geohash_helper.c), Redis 7.0.15 behaviour.
 *
 * Positions are sorted set scores: 52-bit interleaved geohashes (26 bits of
 * latitude in the even bits, 26 of longitude in the odd bits) over
 * longitude -180..180 and latitude -85.05112878..85.05112878. Searches follow
 * Redis step by step so results, their order and distances match byte for
 * byte: the bounding box and step estimate, the 3x3 neighbour boxes queried
 * as score ranges in Redis's order, the haversine distance with Redis's
 * earth radius, glibc's stable qsort for full sorts and Redis's partial
 * quicksort (pqsort) when COUNT keeps fewer than all results.
 *
 * Number formats: distances are `%.4f` bulk strings in both protocols;
 * coordinates are `%.17Lf` with trailing zeros removed (RESP2 bulk, RESP3
 * double); hashes are integers.
 */
import { Err, ReplyError } from '../errors.js';
import { decomposeDouble, parseIntStrict } from '../resp/format.js';
import { EMPTY_ARRAY, NULL_ARRAY, RawReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { ZSet } from '../store/types/zset.js';
import { defineCommands } from './util.js';
import { getZset, parseScore, storeResult, zaddGeneric, zsetLimits } from './zsets.js';
import { pqsort } from './pqsort.js';

// ---- constants (geohash.h, geohash_helper.c) --------------------------------------------------

const GEO_STEP_MAX = 26;
const GEO_LAT_MIN = -85.05112878;
const GEO_LAT_MAX = 85.05112878;
const GEO_LONG_MIN = -180;
const GEO_LONG_MAX = 180;
const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const TWO32 = 4294967296;

const GeoErr = {
  invalidPair: (lon: number, lat: number) => `ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`,
  unit: 'ERR unsupported unit provided. please use M, KM, FT, MI',
  radius: 'ERR need numeric radius',
  radiusNegative: 'ERR radius cannot be negative',
  width: 'ERR need numeric width',
  height: 'ERR need numeric height',
  boxNegative: 'ERR height or width cannot be negative',
  member: 'ERR could not decode requested zset member',
  countPositive: 'ERR COUNT must be > 0',
  storeWith: (what: string) => `ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
  fromOne: (cmd: string) => `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${cmd}`,
  byOne: (cmd: string) => `ERR exactly one of BYRADIUS and BYBOX can be specified for ${cmd}`,
  anyNeedsCount: 'ERR the ANY argument requires COUNT argument',
} as const;

// ---- bit interleaving ----------------------------------------------------------------------

/** Spread the low 16 bits of v to the even bit positions of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** Gather the even bits of a 32-bit value into 16 bits. */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** A 64-bit value as two unsigned 32-bit halves. */
interface U64 {
  hi: number;
  lo: number;
}

/** interleave64(x, y): x's bits in even positions, y's in odd ones (x, y < 2^32). */
function interleave64(x: number, y: number): U64 {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return { hi, lo };
}

/** deinterleave64: [even bits, odd bits] as two uint32. */
function deinterleave64(v: U64): [number, number] {
  const even = (compact16(v.lo) | (compact16(v.hi) << 16)) >>> 0;
  const odd = (compact16(v.lo >>> 1) | (compact16(v.hi >>> 1) << 16)) >>> 0;
  return [even, odd];
}

const u64ToNumber = (v: U64): number => v.hi * TWO32 + v.lo;
const u64ToBigInt = (v: U64): bigint => (BigInt(v.hi) << 32n) | BigInt(v.lo);
const numberToU64 = (n: number): U64 => ({ hi: Math.floor(n / TWO32), lo: n >>> 0 });

/**
 * C's `(uint64_t)d` as gcc compiles it on x86-64 (cvttsd2si with the 2^63
 * adjustment): exact for 0 <= d < 2^64, wraps negatives, and gives 0 or
 * 2^63 for out-of-range values.
 */
function doubleToU64(d: number): U64 {
  if (d >= 0 && d < 9007199254740992) return numberToU64(Math.trunc(d));
  const SIGN = 0x8000000000000000n;
  let u: bigint;
  if (d >= 9223372036854775808) {
    const x = d - 9223372036854775808;
    const s = x >= 9223372036854775808 ? SIGN : BigInt(Math.trunc(x));
    u = BigInt.asUintN(64, s ^ SIGN);
  } else if (d !== d || d < -9223372036854775808) {
    u = SIGN;
  } else {
    u = BigInt.asUintN(64, BigInt(Math.trunc(d)));
  }
  return { hi: Number(u >> 32n), lo: Number(u & 0xffffffffn) };
}

// ---- geohash -----------------------------------------------------------------------------------

interface HashBits {
  /** The interleaved bits (< 2^52 for steps up to 26). */
  bits: number;
  step: number;
}

interface Area {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/**
 * geohashEncode over the given ranges; null when the point is outside the
 * Redis limits or the ranges. The result may have 54 bits (a coordinate at
 * the very top of its range), hence U64.
 */
function geohashEncode(lonMin: number, lonMax: number, latMin: number, latMax: number, lon: number, lat: number, step: number): U64 | null {
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latMin || lat > latMax || lon < lonMin || lon > lonMax) return null;
  let latOffset = (lat - latMin) / (latMax - latMin);
  let lonOffset = (lon - lonMin) / (lonMax - lonMin);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  return interleave64(Math.trunc(latOffset) >>> 0, Math.trunc(lonOffset) >>> 0);
}

function encodeWGS84(lon: number, lat: number, step: number): HashBits {
  const v = geohashEncode(GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX, lon, lat, step);
  return { bits: v === null ? 0 : u64ToNumber(v), step };
}

/** geohashDecode over the WGS84 ranges. */
function decodeArea(bits: U64, step: number): Area {
  const [ilato, ilono] = deinterleave64(bits);
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 2 ** step;
  return {
    latMin: GEO_LAT_MIN + (ilato / div) * latScale,
    latMax: GEO_LAT_MIN + (((ilato + 1) >>> 0) / div) * latScale,
    lonMin: GEO_LONG_MIN + (ilono / div) * lonScale,
    lonMax: GEO_LONG_MIN + (((ilono + 1) >>> 0) / div) * lonScale,
  };
}

/** decodeGeohash(score): [longitude, latitude] of a member's score (clamped, as Redis). */
function decodeScore(score: number): [number, number] {
  const a = decodeArea(doubleToU64(score), GEO_STEP_MAX);
  let lon = (a.lonMin + a.lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (a.latMin + a.latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

/**
 * The hash one box away: dx on the longitude (odd) bits, dy on the latitude (even) bits, wrapping.
 * As geohash_move_x/y, a coordinate that does not move is left as it is, even when it sits one past
 * the top of its range (a point at longitude 180 or latitude 85.05112878 exactly).
 */
function moveHash(h: HashBits, dx: number, dy: number): HashBits {
  const [lat, lon] = deinterleave64(numberToU64(h.bits));
  const mod = 2 ** h.step;
  const nlon = dx === 0 ? lon : (((lon + dx) % mod) + mod) % mod;
  const nlat = dy === 0 ? lat : (((lat + dy) % mod) + mod) % mod;
  return { bits: u64ToNumber(interleave64(nlat, nlon)), step: h.step };
}

const ZERO_HASH: HashBits = { bits: 0, step: 0 };
const isZeroHash = (h: HashBits) => h.bits === 0 && h.step === 0;

/** geohashAlign52Bits. */
const align52 = (h: HashBits): number => h.bits * 2 ** (52 - h.step * 2);

const degRad = (ang: number) => ang * D_R;
const radDeg = (ang: number) => ang / D_R;

/** Haversine great circle distance in meters (geohashGetDistance). */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lat1r = degRad(lat1d);
  const lon1r = degRad(lon1d);
  const lat2r = degRad(lat2d);
  const lon2r = degRad(lon2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const v = Math.sin((lon2r - lon1r) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v));
}

function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

// ---- search shapes ---------------------------------------------------------------------------

interface Shape {
  circle: boolean;
  lon: number;
  lat: number;
  /** Meters per unit. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  /** Meters until the reply divides by the unit. */
  dist: number;
}

/** [minLon, minLat, maxLon, maxLat] (geohashBoundingBox). */
function boundingBox(s: Shape): [number, number, number, number] {
  const height = s.conversion * (s.circle ? s.radius : s.height / 2);
  const width = s.conversion * (s.circle ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
  const south = s.lat < 0;
  return [south ? s.lon - longDeltaBottom : s.lon - longDeltaTop, s.lat - latDelta, south ? s.lon + longDeltaBottom : s.lon + longDeltaTop, s.lat + latDelta];
}

/** The 9 boxes to search, in Redis's order: center, N, S, E, W, NE, NW, SE, SW (geohashCalculateAreasByShapeWGS84). */
function searchBoxes(s: Shape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  let radiusMeters = s.circle ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateStepsByRadius(radiusMeters, s.lat);
  let hash = encodeWGS84(s.lon, s.lat, steps);
  const neighbors = (h: HashBits) => ({
    north: moveHash(h, 0, 1),
    south: moveHash(h, 0, -1),
    east: moveHash(h, 1, 0),
    west: moveHash(h, -1, 0),
    northEast: moveHash(h, 1, 1),
    northWest: moveHash(h, -1, 1),
    southEast: moveHash(h, 1, -1),
    southWest: moveHash(h, -1, -1),
  });
  const areaOf = (h: HashBits) => decodeArea(numberToU64(h.bits), h.step);
  let n = neighbors(hash);
  let area = areaOf(hash);
  let decrease = false;
  if (areaOf(n.north).latMax < maxLat) decrease = true;
  if (areaOf(n.south).latMin > minLat) decrease = true;
  if (areaOf(n.east).lonMax < maxLon) decrease = true;
  if (areaOf(n.west).lonMin > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    hash = encodeWGS84(s.lon, s.lat, steps);
    n = neighbors(hash);
    area = areaOf(hash);
  }
  if (steps >= 2) {
    if (area.latMin < minLat) {
      n.south = n.southWest = n.southEast = ZERO_HASH;
    }
    if (area.latMax > maxLat) {
      n.north = n.northEast = n.northWest = ZERO_HASH;
    }
    if (area.lonMin < minLon) {
      n.west = n.southWest = n.northWest = ZERO_HASH;
    }
    if (area.lonMax > maxLon) {
      n.east = n.southEast = n.northEast = ZERO_HASH;
    }
  }
  return [hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
}

/** geoWithinShape: the distance from the center when the point is inside the shape, else -1. */
function distanceIfInside(s: Shape, lon: number, lat: number): number {
  if (s.circle) {
    const d = geoDistance(s.lon, s.lat, lon, lat);
    return d > s.radius * s.conversion ? -1 : d;
  }
  const widthM = s.width * s.conversion;
  const heightM = s.height * s.conversion;
  const lonDistance = geoDistance(lon, lat, s.lon, lat);
  const latDistance = geoDistance(lon, lat, lon, s.lat);
  if (lonDistance > widthM / 2 || latDistance > heightM / 2) return -1;
  return geoDistance(s.lon, s.lat, lon, lat);
}

/** membersOfAllNeighbors: collect the points inside the shape; `limit` (ANY) stops early. */
function searchPoints(zs: ZSet, s: Shape, limit: number): GeoPoint[] {
  const boxes = searchBoxes(s);
  const out: GeoPoint[] = [];
  let lastProcessed = 0;
  for (let i = 0; i < boxes.length; i++) {
    const box = boxes[i];
    if (isZeroHash(box)) continue;
    // Redis skips a box equal to the previous one processed (but never compares with box 0).
    if (lastProcessed && box.bits === boxes[lastProcessed].bits && box.step === boxes[lastProcessed].step) continue;
    if (out.length && limit && out.length >= limit) break;
    const min = align52(box);
    const max = align52({ bits: box.bits + 1, step: box.step });
    const c = zs.cursor(zs.firstInRange({ min, max, minex: false, maxex: true }));
    if (c !== null) {
      do {
        const score = c.score;
        if (!(score < max)) break;
        const [lon, lat] = decodeScore(score);
        const d = distanceIfInside(s, lon, lat);
        if (d >= 0) out.push({ member: c.member, score, lon, lat, dist: d });
        if (out.length && limit && out.length >= limit) break;
      } while (c.next());
    }
    lastProcessed = i;
  }
  return out;
}

// ---- sorting ---------------------------------------------------------------------------------

type Cmp = (a: GeoPoint, b: GeoPoint) => number;
const sortAsc: Cmp = (a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const sortDesc: Cmp = (a, b) => -sortAsc(a, b);

// ---- number formatting --------------------------------------------------------------------------

/** Exact `%.<digits>f` of a finite non-negative double (round half to even on the binary value). */
function exactFixed(a: number, digits: number): string {
  const { mant, e2 } = decomposeDouble(a);
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (e2 >= 0) q = (mant << BigInt(e2)) * scale;
  else {
    const num = mant * scale;
    const den = 1n << BigInt(-e2);
    q = num / den;
    const rem2 = (num - q * den) * 2n;
    if (rem2 > den || (rem2 === den && (q & 1n) === 1n)) q += 1n;
  }
  const s = q.toString();
  if (digits === 0) return s;
  const padded = s.padStart(digits + 1, '0');
  return `${padded.slice(0, padded.length - digits)}.${padded.slice(padded.length - digits)}`;
}

/** C's printf("%.<digits>f", x) with glibc's exact rounding. */
export function formatFixed(x: number, digits: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  if (a < 1e21 && digits + 25 <= 100) {
    const wide = a.toFixed(digits + 25);
    // toFixed rounds ties away from zero; only an exact tie needs the exact path.
    if (!/^50*$/.test(wide.slice(wide.length - 25))) return (neg ? '-' : '') + a.toFixed(digits);
  }
  return (neg ? '-' : '') + exactFixed(a, digits);
}

/** ld2string(LD_STR_HUMAN): `%.17Lf` without trailing zeros (a double is exact in a long double). */
function humanDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  let s = formatFixed(d, 17);
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}

/** addReplyHumanLongDouble: RESP2 bulk, RESP3 double, same digits. */
function coordReply(d: number): RawReply {
  const s = humanDouble(d);
  return new RawReply(Buffer.from(`$${s.length}\r\n${s}\r\n`, 'latin1'), Buffer.from(`,${s}\r\n`, 'latin1'));
}

/** addReplyDoubleDistance: `%.4f` as a bulk string. */
const distanceReply = (d: number): string => formatFixed(d, 4);

// ---- argument helpers ------------------------------------------------------------------------------

function doubleArg(s: string, msg: string = Err.notFloat): number {
  const v = parseScore(s);
  if (v === null) throw new ReplyError(msg);
  return v;
}

/** extractLongLatOrReply. */
function lonLatArgs(lonArg: string, latArg: string): [number, number] {
  const lon = doubleArg(lonArg);
  const lat = doubleArg(latArg);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) throw new ReplyError(GeoErr.invalidPair(lon, lat));
  return [lon, lat];
}

/** extractUnitOrReply: meters per unit. */
function unitArg(u: string): number {
  switch (u.toLowerCase()) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      throw new ReplyError(GeoErr.unit);
  }
}

/** extractDistanceOrReply: [radius, conversion]. */
function distanceArgs(value: string, unit: string): [number, number] {
  const d = doubleArg(value, GeoErr.radius);
  if (d < 0) throw new ReplyError(GeoErr.radiusNegative);
  return [d, unitArg(unit)];
}

// ---- commands ------------------------------------------------------------------------------

function geoadd(ctx: Context, args: string[]): Reply {
  let xx = false;
  let nx = false;
  let longIdx = 1;
  while (longIdx < args.length) {
    const o = args[longIdx].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o !== 'ch') break;
    longIdx++;
  }
  if ((args.length - longIdx) % 3 !== 0 || (xx && nx)) throw new ReplyError(Err.syntax);
  const zargs = args.slice(0, longIdx);
  for (let i = longIdx; i < args.length; i += 3) {
    const [lon, lat] = lonLatArgs(args[i], args[i + 1]);
    const h = geohashEncode(GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX, lon, lat, GEO_STEP_MAX) ?? { hi: 0, lo: 0 };
    zargs.push(h.hi < 0x200000 ? String(u64ToNumber(h)) : u64ToBigInt(h).toString(), args[i + 2]);
  }
  return zaddGeneric(ctx, zargs, false);
}

function geodist(ctx: Context, args: string[]): Reply {
  let toMeter = 1;
  if (args.length === 4) toMeter = unitArg(args[3]);
  else if (args.length > 4) throw new ReplyError(Err.syntax);
  const zs = getZset(ctx.db, args[0]);
  if (zs === undefined) return null;
  const s1 = zs.score(args[1]);
  const s2 = zs.score(args[2]);
  if (s1 === undefined || s2 === undefined) return null;
  const [lon1, lat1] = decodeScore(s1);
  const [lon2, lat2] = decodeScore(s2);
  return distanceReply(geoDistance(lon1, lat1, lon2, lat2) / toMeter);
}

const GEO_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

function geohash(ctx: Context, args: string[]): Reply {
  const zs = getZset(ctx.db, args[0]);
  const out: Reply[] = [];
  for (let j = 1; j < args.length; j++) {
    const score = zs?.score(args[j]);
    if (score === undefined) {
      out.push(null);
      continue;
    }
    const [lon, lat] = decodeScore(score);
    const h = geohashEncode(-180, 180, -90, 90, lon, lat, 26);
    const bits = h === null ? 0n : u64ToBigInt(h);
    let s = '';
    for (let i = 0; i < 11; i++) {
      const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
      s += GEO_ALPHABET[idx];
    }
    out.push(s);
  }
  return out;
}

function geopos(ctx: Context, args: string[]): Reply {
  const zs = getZset(ctx.db, args[0]);
  const out: Reply[] = [];
  for (let j = 1; j < args.length; j++) {
    const score = zs?.score(args[j]);
    if (score === undefined) {
      out.push(NULL_ARRAY);
      continue;
    }
    const [lon, lat] = decodeScore(score);
    out.push([coordReply(lon), coordReply(lat)]);
  }
  return out;
}

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

/** georadiusGeneric: GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH, GEOSEARCHSTORE. */
function georadiusGeneric(ctx: Context, args: string[], srcIdx: number, flags: number): Reply {
  const db = ctx.db;
  const zs = getZset(db, args[srcIdx]);
  let storeKey: string | undefined;
  let storeDist = false;
  const shape: Shape = { circle: true, lon: 0, lat: 0, conversion: 1, radius: 0, width: 0, height: 0 };
  let base: number; // index in args of the first option
  if (flags & RADIUS_COORDS) {
    base = 5;
    [shape.lon, shape.lat] = lonLatArgs(args[1], args[2]);
    [shape.radius, shape.conversion] = distanceArgs(args[3], args[4]);
  } else if (flags & RADIUS_MEMBER && zs === undefined) {
    base = 4;
  } else if (flags & RADIUS_MEMBER) {
    base = 4;
    const score = (zs as ZSet).score(args[1]);
    if (score === undefined) throw new ReplyError(GeoErr.member);
    [shape.lon, shape.lat] = decodeScore(score);
    [shape.radius, shape.conversion] = distanceArgs(args[2], args[3]);
  } else {
    base = 1;
    if (flags & GEOSEARCHSTORE) {
      base = 2;
      storeKey = args[0];
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = args.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = args[base + i].toLowerCase();
    if (arg === 'withdist') withDist = true;
    else if (arg === 'withhash') withHash = true;
    else if (arg === 'withcoord') withCoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = SORT_ASC;
    else if (arg === 'desc') sort = SORT_DESC;
    else if (arg === 'count' && i + 1 < remaining) {
      const v = Number(parseCount(args[base + i + 1]));
      if (v <= 0) throw new ReplyError(GeoErr.countPositive);
      count = v;
      i++;
    } else if (arg === 'store' && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = args[base + i + 1];
      storeDist = false;
      i++;
    } else if (arg === 'storedist' && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = args[base + i + 1];
      storeDist = true;
      i++;
    } else if (arg === 'storedist' && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storeDist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && flags & GEOSEARCH && !fromLoc) {
      if (zs !== undefined) {
        const score = zs.score(args[base + i + 1]);
        if (score === undefined) throw new ReplyError(GeoErr.member);
        [shape.lon, shape.lat] = decodeScore(score);
      }
      fromMember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && flags & GEOSEARCH && !fromMember) {
      [shape.lon, shape.lat] = lonLatArgs(args[base + i + 1], args[base + i + 2]);
      fromLoc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && flags & GEOSEARCH && !byBox) {
      [shape.radius, shape.conversion] = distanceArgs(args[base + i + 1], args[base + i + 2]);
      shape.circle = true;
      byRadius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && flags & GEOSEARCH && !byRadius) {
      const w = doubleArg(args[base + i + 1], GeoErr.width);
      const h = doubleArg(args[base + i + 2], GeoErr.height);
      if (h < 0 || w < 0) throw new ReplyError(GeoErr.boxNegative);
      shape.width = w;
      shape.height = h;
      shape.conversion = unitArg(args[base + i + 3]);
      shape.circle = false;
      byBox = true;
      i += 3;
    } else throw new ReplyError(Err.syntax);
  }

  if (storeKey !== undefined && (withDist || withHash || withCoords)) {
    throw new ReplyError(GeoErr.storeWith(flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'));
  }
  if (flags & GEOSEARCH && !(fromMember || fromLoc)) throw new ReplyError(GeoErr.fromOne(ctx.sentName));
  if (flags & GEOSEARCH && !(byRadius || byBox)) throw new ReplyError(GeoErr.byOne(ctx.sentName));
  if (any && !count) throw new ReplyError(GeoErr.anyNeedsCount);

  if (zs === undefined) {
    if (storeKey !== undefined) return storeResult(ctx, storeKey, new ZSet(), 'georadiusstore');
    return EMPTY_ARRAY;
  }
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const points = searchPoints(zs, shape, any ? count : 0);
  if (points.length === 0 && storeKey === undefined) return EMPTY_ARRAY;
  const resultLength = points.length;
  const returned = count === 0 || resultLength < count ? resultLength : count;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? sortAsc : sortDesc;
    if (returned === resultLength) points.sort(cmp);
    else pqsort(points, cmp, 0, returned - 1);
  }

  if (storeKey === undefined) {
    const options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoords ? 1 : 0);
    const out: Reply[] = new Array(returned);
    for (let i = 0; i < returned; i++) {
      const gp = points[i];
      const dist = gp.dist / shape.conversion;
      if (!options) {
        out[i] = gp.member;
        continue;
      }
      const item: Reply[] = [gp.member];
      if (withDist) item.push(distanceReply(dist));
      if (withHash) item.push(Math.trunc(gp.score));
      if (withCoords) item.push([coordReply(gp.lon), coordReply(gp.lat)]);
      out[i] = item;
    }
    return out;
  }
  const target = new ZSet(zsetLimits(ctx));
  target.convertToSkiplist();
  for (let i = 0; i < returned; i++) {
    const gp = points[i];
    target.insert(gp.member, storeDist ? gp.dist / shape.conversion : gp.score);
  }
  if (returned) target.convertToListpackIfFits();
  return storeResult(ctx, storeKey, target, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore');
}

/** getLongLongFromObjectOrReply for COUNT. */
function parseCount(s: string): number | bigint {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(Err.notInteger);
  return v;
}

export function installGeo(server: RedKitServer): void {
  defineCommands(server, {
    geoadd,
    geodist,
    geohash,
    geopos,
    georadius: (ctx, args) => georadiusGeneric(ctx, args, 0, RADIUS_COORDS),
    georadius_ro: (ctx, args) => georadiusGeneric(ctx, args, 0, RADIUS_COORDS | RADIUS_NOSTORE),
    georadiusbymember: (ctx, args) => georadiusGeneric(ctx, args, 0, RADIUS_MEMBER),
    georadiusbymember_ro: (ctx, args) => georadiusGeneric(ctx, args, 0, RADIUS_MEMBER | RADIUS_NOSTORE),
    geosearch: (ctx, args) => georadiusGeneric(ctx, args, 0, GEOSEARCH),
    geosearchstore: (ctx, args) => georadiusGeneric(ctx, args, 1, GEOSEARCH | GEOSEARCHSTORE),
  });
}
