/**
 * The built-in command set: each group registers its commands.
 */
import { setBuiltinInstallers, type RedKitServer } from '../server/server.js';
import { installClient } from './client.js';
import { installConnection, installCore } from './connection.js';
import { installKeys } from './keys.js';
import { installServer } from './server.js';
import { installStrings } from './strings.js';

export function installBuiltins(server: RedKitServer): void {
  installConnection(server);
  installClient(server);
  installServer(server);
  installStrings(server);
  installKeys(server);
}

setBuiltinInstallers(installCore, installBuiltins);

export { installCore };
