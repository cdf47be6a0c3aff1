/**
 * Values in the keyspace.
 *
 * A string value is a binary ("latin1") JavaScript string: one char per byte.
 * Every other type is an object whose `type` names its Redis type; the data
 * structures live in store/types/ (added by the data-type commands).
 */
export type RedisType = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

export interface RObject {
  readonly type: Exclude<RedisType, 'string'> | 'string';
  /**
   * OBJECT ENCODING as Redis would report it for this value (e.g. 'listpack',
   * 'hashtable', 'quicklist', 'skiplist', 'intset'). Conversions are one-way,
   * as in Redis: a value that grew past a listpack limit stays 'hashtable'.
   */
  encoding(): string;
}

export type Value = string | RObject;

export function typeOf(v: Value): RedisType {
  return typeof v === 'string' ? 'string' : (v.type as RedisType);
}
