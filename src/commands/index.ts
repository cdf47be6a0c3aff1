/**
 * The built-in command set: each group registers its commands.
 */
import { setBuiltinInstallers, type RedKitServer } from '../server/server.js';
import { installAcl } from './acl.js';
import { installBitmaps } from './bitmaps.js';
import { installBlocking } from './blocking.js';
import { installClient } from './client.js';
import { installConnection, installCore } from './connection.js';
import { installDebug } from './debug.js';
import { installDump } from './dump.js';
import { installGeo } from './geo.js';
import { installHashes } from './hashes.js';
import { installHyperLogLog } from './hyperloglog.js';
import { installKeys } from './keys.js';
import { installMonitor } from './monitor.js';
import { installPersistence } from './persistence.js';
import { installScripting } from './scripting.js';
import { installPubSub } from './pubsub.js';
import { installLists } from './lists.js';
import { installLatency } from './latency.js';
import { installLolwut } from './lolwut.js';
import { installModules } from './modules.js';
import { installMemory } from './memory.js';
import { installMigrate } from './migrate.js';
import { installSlowlog } from './slowlog.js';
import { installServer } from './server.js';
import { installSets } from './sets.js';
import { installStreams } from './streams.js';
import { installStrings } from './strings.js';
import { installTransactions } from './transactions.js';
import { installZsets } from './zsets.js';
import { installDirty } from '../store/dirty.js';
import { installClusterDisabled } from '../cluster/state.js';
import { installReplication } from '../replication/index.js';

export function installBuiltins(server: RedKitServer): void {
  installConnection(server);
  installClient(server);
  installServer(server);
  installStrings(server);
  installBitmaps(server);
  installHyperLogLog(server);
  installKeys(server);
  installDump(server);
  installMigrate(server);
  installHashes(server);
  installLists(server);
  installSets(server);
  installZsets(server);
  installStreams(server);
  installGeo(server);
  installPubSub(server);
  installClusterDisabled(server);
  installMonitor(server);
  installTransactions(server);
  installBlocking(server);
  installDirty(server);
  installMemory(server);
  installSlowlog(server);
  installLatency(server);
  installDebug(server);
  installPersistence(server);
  installAcl(server);
  installScripting(server);
  installReplication(server);
  installModules(server);
  installLolwut(server);
}

setBuiltinInstallers(installCore, installBuiltins);

export { installCore };
