/**
 * The Redis version RedKit reports: INFO `redis_version`, HELLO `version`,
 * the scripting engine's `REDIS_VERSION` / `REDIS_VERSION_NUM`, and the
 * `redis-ver` field of the RDB files it writes.
 *
 * Policy (see README, "Compatibility"): RedKit reports the version it
 * implements completely and is tested against byte for byte, redis-server
 * 7.0.15. Clients switch features on the reported version, so reporting a
 * newer one would make them send syntax RedKit would reject. A few newer
 * commands are implemented as extras (listed in docs/commands.md with the
 * version that introduced them); they never change a 7.0 reply. A server or
 * fixture may report another version with the `redisVersion` option, at the
 * user's own risk.
 */
export const REDIS_VERSION = '7.0.15';

/** `REDIS_VERSION_NUM` as Redis computes it: (major << 16) | (minor << 8) | patch. */
export function versionNum(version: string = REDIS_VERSION): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return (major << 16) | (minor << 8) | patch;
}
