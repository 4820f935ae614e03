/**
 * The process-wide registry of error codes. Each package owns a table of codes
 * (code -> { grpc, description }) and registers it once at module load; the RPC boundary
 * (toConnectError) and the docs drift tests read it from here.
 *
 * Types: `ErrorCode` is the union of every code in the `TspireErrorCodes` interface. Another
 * package adds its codes by module augmentation, so `new TspireError('ERR_MY_CODE', ...)`
 * type-checks only for registered codes:
 *
 * @example
 * export const serverErrorCodes = { ERR_CA_NOT_READY: { grpc: Code.Unavailable, description: '...' } } as const;
 * registerErrorCodes('@tspire/server', serverErrorCodes);
 * declare module '@tspire/common' {
 *   interface TspireErrorCodes extends Record<keyof typeof serverErrorCodes, true> {}
 * }
 */
import { Code } from '@connectrpc/connect';
import { spiffeErrorCodes } from '@tspire/spiffe';
import { commonErrorCodes, type CommonErrorCode, type ErrorCodeInfo, type ErrorCodeTable } from './codes.js';

// Deliberately empty body: other packages extend it by module augmentation.
export interface TspireErrorCodes extends Record<CommonErrorCode, true> {}

/** Every code a TspireError may carry (common's plus those other packages add). */
export type ErrorCode = keyof TspireErrorCodes;

/** One registered code with the package that owns it. */
export interface RegisteredErrorCode extends ErrorCodeInfo {
  readonly code: string;
  readonly owner: string;
}

const registered = new Map<string, RegisteredErrorCode>();

/**
 * Adds a package's codes to the registry. Registering the same table again is a no-op; a code
 * already owned by another package, or with a different meaning, is a programming error.
 */
export function registerErrorCodes<T extends ErrorCodeTable>(owner: string, table: T): T {
  for (const [code, info] of Object.entries(table)) {
    const existing = registered.get(code);
    if (existing !== undefined) {
      if (existing.owner === owner && existing.grpc === info.grpc) continue;
      throw new Error(`error code ${code} registered by ${owner} is already registered by ${existing.owner}`);
    }
    registered.set(code, { code, owner, grpc: info.grpc, description: info.description });
  }
  return table;
}

/** The registry entry for `code`, or undefined when no package registered it. */
export function errorCodeInfo(code: string): RegisteredErrorCode | undefined {
  return registered.get(code);
}

/** Every registered code, in registration order (optionally only one package's). */
export function allErrorCodes(owner?: string): RegisteredErrorCode[] {
  const all = [...registered.values()];
  return owner === undefined ? all : all.filter((entry) => entry.owner === owner);
}

/**
 * Turns @tspire/spiffe's code -> description table into registry form: every SPIFFE
 * validation failure is a bad input, so all map to InvalidArgument.
 */
export function spiffeErrorCodeTable(
  table: Readonly<Record<string, string>> = spiffeErrorCodes,
): Record<string, ErrorCodeInfo> {
  const out: Record<string, ErrorCodeInfo> = {};
  for (const [code, description] of Object.entries(table)) {
    out[code] = { grpc: Code.InvalidArgument, description };
  }
  return out;
}

registerErrorCodes('@tspire/common', commonErrorCodes);
registerErrorCodes('@tspire/spiffe', spiffeErrorCodeTable());
