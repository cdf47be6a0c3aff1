/**
 * Values in the keyspace.
 *
 * A string value is a binary ("latin1") JavaScript string: one char per byte.
 * Every other type is an object whose `type` names its Redis type; the data
 * structures live in store/types/ (added by the data-type commands).
 */
import { parseIntStrict } from '../resp/format.js';

export type RedisType = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

export interface RObject {
  readonly type: Exclude<RedisType, 'string'> | 'string';
  /**
   * OBJECT ENCODING as Redis would report it for this value (e.g. 'listpack',
   * 'hashtable', 'quicklist', 'skiplist', 'intset'). Conversions are one-way,
   * as in Redis: a value that grew past a listpack limit stays 'hashtable'.
   */
  encoding(): string;
  /** A deep copy (COPY, snapshots). */
  clone(): RObject;
}

export type Value = string | RObject;

export function typeOf(v: Value): RedisType {
  return typeof v === 'string' ? 'string' : (v.type as RedisType);
}

/**
 * OBJECT ENCODING of a value. Plain string values report what Redis would
 * give a freshly set value of that content: 'int' for integers in the signed
 * 64-bit range (string2l rules), 'embstr' up to 44 bytes, else 'raw'.
 */
export function encodingOf(v: Value): string {
  if (typeof v !== 'string') return v.encoding();
  if (parseIntStrict(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}
