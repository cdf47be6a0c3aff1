/**
 * SORT and SORT_RO (sort.c).
 */
import type { RedKitServer } from '../server/server.js';

export function installSort(_server: RedKitServer): void {}
