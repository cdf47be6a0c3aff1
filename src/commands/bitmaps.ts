/**
 * bitmaps commands. (Placeholder: filled in by the data-type work.)
 */
import type { RedKitServer } from '../server/server.js';

export function installBitmaps(_server: RedKitServer): void {}
