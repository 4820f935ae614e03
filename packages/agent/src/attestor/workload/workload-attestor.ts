/**
 * The common shape of workload attestors: given the PID of a Workload API caller, say what is
 * true about it as selectors (`unix:uid:1000`, `docker:label:app:web`, ...). An entry matches the
 * workload when all its selectors are among these. Run every attestor inside the PID-reuse guard
 * (peercred/pid-guard.ts) so the PID cannot change meaning while they read /proc.
 */

/** One selector: `type` is the attestor name, `value` what it found (`uid:1000`). */
export interface Selector {
  readonly type: string;
  readonly value: string;
}

export interface WorkloadAttestor {
  /** The plugin name and selector type, e.g. `unix`, `docker`. */
  readonly name: string;
  /**
   * The selectors of process `pid`; [] when the attestor has nothing to say (e.g. docker for a
   * process outside any container).
   * @throws WorkloadAttestorError when the facts cannot be read; never a partial answer.
   */
  attest(pid: number): Promise<Selector[]>;
}

/** `type:value`, as SPIRE prints selectors. */
export function formatSelector(selector: Selector): string {
  return `${selector.type}:${selector.value}`;
}
