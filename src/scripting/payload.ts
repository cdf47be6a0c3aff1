/**
 * Reading a FUNCTION DUMP payload (functionRestoreCommand + rdbFunctionLoad):
 * FUNCTION2 opcodes each followed by a library's code, then the RDB version
 * (u16 LE) and the CRC64 of everything before (u64 LE), as DUMP payloads.
 */
import { ReplyError } from '../errors.js';
import { BadFormat, RdbReader, verifyDumpPayload } from '../store/rdb.js';

export function readFunctionsPayload(p: Buffer): string[] {
  if (!verifyDumpPayload(p)) throw new ReplyError('ERR DUMP payload version or checksum are wrong');
  const body = p.subarray(0, p.length - 10);
  const r = new RdbReader(body);
  const codes: string[] = [];
  try {
    while (r.remaining > 0) {
      const op = r.byte();
      if (op === 246) throw new ReplyError('ERR Pre-GA function format not supported');
      if (op !== 245) throw new ReplyError('ERR given type is not a function');
      codes.push(r.string());
    }
  } catch (e) {
    if (e instanceof BadFormat) throw new ReplyError('ERR failed loading the given functions payload');
    throw e;
  }
  return codes;
}
