export { IGNORED_SETTING, absolutePath, checkPort, failConfigKey, isPlainObject, positionIn, rawBlock } from './raw.js';
export {
  buildHealthChecks,
  buildTelemetry,
  healthChecksSchema,
  pluginSchema,
  telemetrySchema,
  type HealthChecksConfig,
  type PrometheusConfig,
  type TelemetryConfig,
} from './shared-sections.js';
export {
  collectPlugins,
  distinctPlugins,
  exactlyOnePlugin,
  pluginInput,
  type PluginBlock,
  type PluginCatalog,
  type PluginContext,
  type PluginDataInput,
  type PluginDecl,
} from './plugin-decls.js';
export {
  decodeDaemonConfig,
  loadDaemonConfig,
  readConfigFile,
  validateConfigWith,
  type ConfigValidation,
  type DecodeDaemonConfigOptions,
  type DecodedDaemonConfig,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './config-file.js';
