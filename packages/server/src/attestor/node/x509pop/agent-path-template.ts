/**
 * `agent_path_template`: SPIRE evaluates it as a Go text/template over what the attestor
 * verified. We implement the subset operators write: literal text and field actions
 * (`{{ .PluginName }}`, `{{ .Subject.CommonName }}`, ...), the `{{-` / `-}}` trim markers and
 * comment actions. Pipelines, functions, variables and control structures are refused when the
 * template is parsed (at construction), naming the template and what is unsupported.
 */
import { ConfigError } from '@tspire/common';

/** The fields a template may reference (Go's field paths, without the leading dot). */
export const AGENT_PATH_FIELDS = [
  'PluginName',
  'Fingerprint',
  'TrustDomain',
  'Subject.CommonName',
  'Subject.SerialNumber',
  'SerialNumberHex',
  'SVIDPathTrimmed',
] as const;

export type AgentPathField = (typeof AGENT_PATH_FIELDS)[number];
export type AgentPathData = Readonly<Record<AgentPathField, string>>;

/** SPIRE's defaults per mode (v1.15 spells them with a leading slash; both forms work here). */
export const DEFAULT_AGENT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .Fingerprint }}';
export const DEFAULT_SPIFFE_AGENT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .SVIDPathTrimmed }}';

export interface AgentPathTemplate {
  readonly source: string;
  /** The fields the template reads, in order of appearance. */
  readonly fields: readonly AgentPathField[];
  render(data: AgentPathData): string;
}

export interface ParseAgentPathOptions {
  /** Config key named in errors, e.g. `plugins.NodeAttestor.x509pop.plugin_data.agent_path_template`. */
  configPath: string;
  /** Fields allowed in this mode (default: all). */
  allowedFields?: readonly AgentPathField[];
}

type Part = { text: string } | { field: AgentPathField };

const WHITESPACE = /[ \t\r\n]/;
const FIELD_CHAIN = /^\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * @throws ConfigError naming the template when it uses anything outside the subset.
 * @example parseAgentPathTemplate('/cn/{{ .Subject.CommonName }}', { configPath }).render(data) // '/cn/node-1'
 */
export function parseAgentPathTemplate(source: string, options: ParseAgentPathOptions): AgentPathTemplate {
  const fail = (reason: string): never => {
    throw new ConfigError(options.configPath, `agent path template ${JSON.stringify(source)}: ${reason}`);
  };
  const allowed = new Set<string>(options.allowedFields ?? AGENT_PATH_FIELDS);
  const parts: Part[] = [];
  let trimNextText = false;
  let at = 0;
  const pushText = (text: string): void => {
    const trimmed = trimNextText ? text.replace(/^[ \t\r\n]+/, '') : text;
    if (trimmed !== '') parts.push({ text: trimmed });
  };
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      pushText(source.slice(at));
      break;
    }
    let start = open + 2;
    let text = source.slice(at, open);
    if (source[start] === '-' && WHITESPACE.test(source[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    pushText(text);
    const close = source.indexOf('}}', start);
    if (close < 0) fail(`unclosed action starting at offset ${open}`);
    let body = source.slice(start, close);
    trimNextText = /[ \t\r\n]-$/.test(body);
    if (trimNextText) body = body.slice(0, -1);
    const field = actionField(body.trim(), allowed, fail);
    if (field !== undefined) parts.push({ field });
    at = close + 2;
  }
  const fields = parts.flatMap((p) => ('field' in p ? [p.field] : []));
  return {
    source,
    fields,
    render: (data) => parts.map((p) => ('field' in p ? data[p.field] : p.text)).join(''),
  };
}

/** The field an action reads; undefined for a comment. */
function actionField(action: string, allowed: ReadonlySet<string>, fail: (reason: string) => never): AgentPathField | undefined {
  if (action.startsWith('/*') && action.endsWith('*/') && action.length >= 4) return undefined;
  if (action === '') fail('empty action {{ }}');
  if (action.includes('|')) fail(`pipelines and functions are not supported: {{ ${action} }}`);
  if (!FIELD_CHAIN.test(action)) {
    fail(`unsupported action {{ ${action} }}; only field references such as {{ .PluginName }} are supported`);
  }
  const name = action.slice(1);
  if (!(AGENT_PATH_FIELDS as readonly string[]).includes(name)) {
    fail(`unknown field .${name}; supported: ${[...allowed].map((f) => `.${f}`).join(', ')}`);
  }
  if (!allowed.has(name)) fail(`field .${name} is not available in this mode; supported: ${[...allowed].map((f) => `.${f}`).join(', ')}`);
  return name as AgentPathField;
}
