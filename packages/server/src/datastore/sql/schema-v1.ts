// Schema version 1. Column types are chosen to mean the same on both backends (see schema.ts).
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import type { Backend } from './context.js';

type Table = CreateTableBuilder<string, never>;

function withId(table: Table, backend: Backend): Table {
  // AUTOINCREMENT / IDENTITY: ids are never reused, which keeps page tokens and event ids monotonic.
  return backend === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

const blob = (backend: Backend) => (backend === 'sqlite' ? 'blob' : 'bytea');
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
const zero = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);
const refEntry = (c: ColumnDefinitionBuilder) => c.notNull().references('registered_entries.id').onDelete('cascade');

export async function createSchemaV1(db: Kysely<any>, backend: Backend): Promise<void> {
  const s = db.schema;

  await withId(s.createTable('registered_entries'), backend)
    .addColumn('entry_id', 'varchar(255)', notNull)
    .addColumn('spiffe_id', 'text', notNull)
    .addColumn('parent_id', 'text', notNull)
    .addColumn('x509_svid_ttl', 'integer', zero)
    .addColumn('jwt_svid_ttl', 'integer', zero)
    .addColumn('admin', 'smallint', zero)
    .addColumn('downstream', 'smallint', zero)
    .addColumn('expires_at', 'bigint', zero)
    .addColumn('revision_number', 'bigint', zero)
    .addColumn('store_svid', 'smallint', zero)
    .addColumn('hint', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .addColumn('disable_x509_svid_prefetch', 'smallint', zero)
    .addColumn('jwt_svid_include_jti', 'smallint', zero)
    .execute();
  await s.createIndex('uidx_registered_entries_entry_id').unique().on('registered_entries').column('entry_id').execute();
  await s.createIndex('idx_registered_entries_spiffe_id').on('registered_entries').column('spiffe_id').execute();
  await s.createIndex('idx_registered_entries_parent_id').on('registered_entries').column('parent_id').execute();
  await s.createIndex('idx_registered_entries_expires_at').on('registered_entries').column('expires_at').execute();
  await s.createIndex('idx_registered_entries_hint').on('registered_entries').column('hint').execute();

  await withId(s.createTable('selectors'), backend)
    .addColumn('registered_entry_id', 'bigint', refEntry)
    .addColumn('type', 'text', notNull)
    .addColumn('value', 'text', notNull)
    .execute();
  await s.createIndex('uidx_selectors_entry_type_value').unique().on('selectors')
    .columns(['registered_entry_id', 'type', 'value']).execute();
  await s.createIndex('idx_selectors_type_value').on('selectors').columns(['type', 'value']).execute();

  await withId(s.createTable('dns_names'), backend)
    .addColumn('registered_entry_id', 'bigint', refEntry)
    .addColumn('value', 'text', notNull)
    .execute();
  await s.createIndex('idx_dns_names_entry').on('dns_names').column('registered_entry_id').execute();

  await withId(s.createTable('bundles'), backend)
    .addColumn('trust_domain', 'varchar(255)', notNull)
    .addColumn('data', blob(backend), notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .execute();
  await s.createIndex('uidx_bundles_trust_domain').unique().on('bundles').column('trust_domain').execute();

  // No cascade from bundles: deleting a bundle that entries federate with must be decided by
  // deleteBundle's mode, and the foreign key backs up the 'restrict' mode.
  await s.createTable('federated_registration_entries')
    .addColumn('registered_entry_id', 'bigint', refEntry)
    .addColumn('bundle_id', 'bigint', (c) => c.notNull().references('bundles.id'))
    .addPrimaryKeyConstraint('pk_federated_registration_entries', ['registered_entry_id', 'bundle_id'])
    .execute();
  await s.createIndex('idx_federated_registration_entries_bundle').on('federated_registration_entries')
    .column('bundle_id').execute();

  await withId(s.createTable('registered_entries_events'), backend)
    .addColumn('entry_id', 'varchar(255)', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .execute();
  await s.createIndex('idx_registered_entries_events_created_at').on('registered_entries_events').column('created_at').execute();

  await withId(s.createTable('attested_node_entries'), backend)
    .addColumn('spiffe_id', 'text', notNull)
    .addColumn('data_type', 'text', notNull)
    .addColumn('serial_number', 'text', notNull)
    .addColumn('expires_at', 'bigint', notNull)
    .addColumn('new_serial_number', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('new_expires_at', 'bigint', zero)
    .addColumn('can_reattest', 'smallint', zero)
    .addColumn('agent_version', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .execute();
  await s.createIndex('uidx_attested_node_entries_spiffe_id').unique().on('attested_node_entries').column('spiffe_id').execute();
  await s.createIndex('idx_attested_node_entries_expires_at').on('attested_node_entries').column('expires_at').execute();

  await withId(s.createTable('node_selectors'), backend)
    .addColumn('spiffe_id', 'text', notNull)
    .addColumn('type', 'text', notNull)
    .addColumn('value', 'text', notNull)
    .execute();
  await s.createIndex('uidx_node_selectors_node_type_value').unique().on('node_selectors')
    .columns(['spiffe_id', 'type', 'value']).execute();
  await s.createIndex('idx_node_selectors_type_value').on('node_selectors').columns(['type', 'value']).execute();

  await withId(s.createTable('attested_node_events'), backend)
    .addColumn('spiffe_id', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .execute();
  await s.createIndex('idx_attested_node_events_created_at').on('attested_node_events').column('created_at').execute();

  await withId(s.createTable('join_tokens'), backend)
    .addColumn('token', 'varchar(255)', notNull)
    .addColumn('expires_at', 'bigint', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .execute();
  await s.createIndex('uidx_join_tokens_token').unique().on('join_tokens').column('token').execute();
  await s.createIndex('idx_join_tokens_expires_at').on('join_tokens').column('expires_at').execute();

  await withId(s.createTable('federated_trust_domains'), backend)
    .addColumn('trust_domain', 'varchar(255)', notNull)
    .addColumn('bundle_endpoint_url', 'text', notNull)
    .addColumn('bundle_endpoint_profile', 'varchar(32)', notNull)
    .addColumn('endpoint_spiffe_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .execute();
  await s.createIndex('uidx_federated_trust_domains_td').unique().on('federated_trust_domains').column('trust_domain').execute();

  await withId(s.createTable('ca_journals'), backend)
    .addColumn('journal_key', 'varchar(255)', notNull)
    .addColumn('data', blob(backend), notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .execute();
  await s.createIndex('uidx_ca_journals_key').unique().on('ca_journals').column('journal_key').execute();
}
