// Public surface of the datastore.
export type { CreateEntryResult, DataStore } from './datastore.js';
export * from './types.js';
export * from './errors.js';
export type { DatastoreLogger } from './logger.js';
export { checkDatastoreConfig, datastoreConfigFromPluginData, DEFAULT_MAX_OPEN_CONNS } from './config.js';
export type { DatastoreConfig, DatabaseType } from './config.js';
export { openDatastore, DATASTORE_CODE_VERSION } from './open.js';
export type { OpenDatastoreOptions } from './open.js';
export { SqlDatastore } from './sql/sql-datastore.js';
export { SCHEMA_VERSION } from './sql/migrations.js';
