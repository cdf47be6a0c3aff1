/**
 * FUNCTION LOAD|DELETE|FLUSH|LIST|STATS|DUMP|RESTORE|KILL|HELP, FCALL, FCALL_RO.
 */
import type { RedKitServer } from '../server/server.js';

export function installFunctions(_server: RedKitServer): void {
  // filled in by the FUNCTION step
}
