/**
 * plugin_data of `WorkloadAttestor "unix"`, as SPIRE reads it:
 * - `discover_workload_path` (bool, default false): also emit `path` and `sha256` selectors.
 * - `workload_size_limit` (int bytes, default 0): the largest binary `sha256` hashes;
 *   0 = no limit, negative = never hash (no `sha256` selector).
 */
import { decodeConfig, type Decoded, type DecodeResult, type Schema, type UnknownKey } from '@tspire/common';

export const unixAttestorConfigSchema = {
  discover_workload_path: 'bool',
  workload_size_limit: 'int',
} as const satisfies Schema;

export interface UnixAttestorConfig {
  readonly discoverWorkloadPath: boolean;
  /** Bytes; 0 = no limit, < 0 = never hash. */
  readonly workloadSizeLimit: number;
}

/** Where the block sits in agent.conf, prefixed to every reported key. */
export const UNIX_PLUGIN_DATA_PATH = 'plugins.WorkloadAttestor.unix.plugin_data';

/**
 * Typed config from decoded plugin_data, with SPIRE's defaults.
 * @example buildUnixAttestorConfig({ discover_workload_path: true }) // { discoverWorkloadPath: true, workloadSizeLimit: 0 }
 */
export function buildUnixAttestorConfig(data: Decoded<typeof unixAttestorConfigSchema>): UnixAttestorConfig {
  return { discoverWorkloadPath: data.discover_workload_path ?? false, workloadSizeLimit: data.workload_size_limit ?? 0 };
}

/**
 * Decodes raw plugin_data (HCL plain values; absent = {}) into the typed config. Unknown keys
 * are returned for the caller to judge, as config loading does for every section.
 * @example
 * const { config, unknownKeys } = decodeUnixAttestorConfig({ discover_workload_path: true, workload_size_limit: 1048576 });
 * @throws ConfigError naming the key (e.g. `plugins.WorkloadAttestor.unix.plugin_data.workload_size_limit: expected an integer, got "x"`).
 */
export function decodeUnixAttestorConfig(
  pluginData: unknown,
  path: string = UNIX_PLUGIN_DATA_PATH,
): { config: UnixAttestorConfig; unknownKeys: readonly UnknownKey[] } {
  const decoded: DecodeResult<Decoded<typeof unixAttestorConfigSchema>> = decodeConfig(pluginData ?? {}, unixAttestorConfigSchema, { path });
  return { config: buildUnixAttestorConfig(decoded.value), unknownKeys: decoded.unknownKeys };
}
