/**
 * An admin command whose flags are checked before the socket is dialed, as SPIRE's mint
 * commands behave (Go's gRPC dials lazily, so `-spiffeID` mistakes are reported even when no
 * server runs). It wraps `adminCommand`: the connector it hands down only records the socket
 * path, and the real dial happens once `check` has passed.
 */
import type { FlagSpecs, FlagValues } from '@tspire/common';
import type { AdminClient, AdminConnector } from '../admin-client.js';
import { adminCommand, type AdminCommandSpec, type AdminContext } from './admin-command.js';
import type { CommandFactory } from './command.js';

export interface CheckedAdminCommandSpec<S extends FlagSpecs, C> extends Omit<AdminCommandSpec<S>, 'run'> {
  /** Validates the flags (throw CliError to fail) before any connection; the result goes to `run`. */
  check(flags: FlagValues<S>, given: ReadonlySet<string>): C;
  /** Does the work on a connected client. */
  run(ctx: AdminContext<S>, checked: C): Promise<void>;
}

/** A client whose services resolve to `target()`; usable only after `target` has a client. */
function deferredClient(target: () => AdminClient | undefined): AdminClient {
  return new Proxy({} as AdminClient, {
    get(_obj, key) {
      // Not a thenable: `await connect()` looks up `then` before anything is connected.
      if (key === 'then' || typeof key === 'symbol') return undefined;
      if (key === 'close') return () => target()?.close();
      const client = target();
      if (client === undefined) throw new Error('admin client used before the connection was made');
      return Reflect.get(client, key);
    },
  });
}

/** A registry factory; `check` runs after flag parsing and before the dial. */
export function checkedAdminCommand<S extends FlagSpecs, C>(spec: CheckedAdminCommandSpec<S, C>): CommandFactory {
  return (deps) => {
    let socketPath: string | undefined;
    let client: AdminClient | undefined;
    const recordPath: AdminConnector = async (path) => {
      socketPath = path;
      return deferredClient(() => client);
    };
    return adminCommand<S>({
      name: spec.name,
      synopsis: spec.synopsis,
      flags: spec.flags,
      output: spec.output,
      run: async (ctx) => {
        const checked = spec.check(ctx.flags, ctx.given);
        if (socketPath === undefined) throw new Error('socket path not resolved');
        client = await deps.connect(socketPath);
        await spec.run(ctx, checked);
      },
    })({ ...deps, connect: recordPath });
  };
}
