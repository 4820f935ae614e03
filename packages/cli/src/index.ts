/**
 * @tspire/cli: the `spire-server` command line (SPIRE-compatible flags, output and exit codes)
 * and the pieces other binaries compose it from.
 */
export { main, type MainOptions } from './server-cli/main.js';
export { CommandRegistry, type CliCommand, type CommandFactory } from './server-cli/command.js';
export { createServerCommandRegistry } from './server-cli/commands.js';
export { SPIRE_COMPAT_VERSION, resolveDeps, type ResolvedDeps, type ServerCliDeps, type TextSink } from './server-cli/deps.js';
export { adminCommand, type AdminCommandSpec, type AdminContext } from './server-cli/admin-command.js';
export { parseOutputFlag, type OutputMode } from './server-cli/output-flag.js';
export {
  connectAdminSocket,
  createAdminClientFromTransport,
  createUnixSocketTransport,
  dialErrorMessage,
  type AdminClient,
  type AdminConnector,
} from './admin-client.js';
export { DEFAULT_SERVER_SOCKET_PATH, defaultSocketPath, resolveSocketPath } from './socket-path.js';
export { CliError, describeError, goCodeName } from './output/rpc-error.js';
export { encodeGoJson, type JsonValue } from './output/go-json.js';
export { formatProtoJson, protoItem, type ProtoItem } from './output/proto-json.js';
export { formatGoTime, type TimeZoneMode } from './output/go-time.js';
