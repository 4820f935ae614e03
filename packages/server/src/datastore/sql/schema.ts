// Kysely table types. Identical schema on SQLite and PostgreSQL: integer ids (AUTOINCREMENT /
// IDENTITY), BIGINT unix-second times, booleans as 0/1 SMALLINT (better-sqlite3 cannot bind
// JS booleans, and one representation keeps queries and row mapping shared), BLOB / BYTEA.
// PostgreSQL int8 values are parsed to numbers by the pool (see postgres.ts).
import type { Generated } from 'kysely';

export type Flag = 0 | 1;

export interface MigrationsTable {
  id: Generated<number>;
  version: number;
  code_version: string;
  updated_at: number;
}

export interface RegisteredEntriesTable {
  id: Generated<number>;
  entry_id: string;
  spiffe_id: string;
  parent_id: string;
  x509_svid_ttl: number;
  jwt_svid_ttl: number;
  admin: Flag;
  downstream: Flag;
  expires_at: number;
  revision_number: number;
  store_svid: Flag;
  hint: string;
  created_at: number;
  updated_at: number;
  disable_x509_svid_prefetch: Flag;
  jwt_svid_include_jti: Flag;
}

export interface SelectorsTable {
  id: Generated<number>;
  registered_entry_id: number;
  type: string;
  value: string;
}

export interface DnsNamesTable {
  id: Generated<number>;
  registered_entry_id: number;
  value: string;
}

export interface FederatedRegistrationEntriesTable {
  bundle_id: number;
  registered_entry_id: number;
}

export interface RegisteredEntriesEventsTable {
  id: Generated<number>;
  entry_id: string;
  created_at: number;
}

export interface AttestedNodeEntriesTable {
  id: Generated<number>;
  spiffe_id: string;
  data_type: string;
  serial_number: string;
  expires_at: number;
  new_serial_number: string;
  new_expires_at: number;
  can_reattest: Flag;
  agent_version: string;
  created_at: number;
  updated_at: number;
}

export interface NodeSelectorsTable {
  id: Generated<number>;
  spiffe_id: string;
  type: string;
  value: string;
}

export interface AttestedNodeEventsTable {
  id: Generated<number>;
  spiffe_id: string;
  created_at: number;
}

export interface BundlesTable {
  id: Generated<number>;
  trust_domain: string;
  data: Uint8Array;
  created_at: number;
  updated_at: number;
}

export interface JoinTokensTable {
  id: Generated<number>;
  token: string;
  expires_at: number;
  created_at: number;
}

export interface FederatedTrustDomainsTable {
  id: Generated<number>;
  trust_domain: string;
  bundle_endpoint_url: string;
  bundle_endpoint_profile: string;
  endpoint_spiffe_id: string;
  created_at: number;
  updated_at: number;
}

export interface CaJournalsTable {
  id: Generated<number>;
  journal_key: string;
  data: Uint8Array;
  updated_at: number;
}

export interface Database {
  migrations: MigrationsTable;
  registered_entries: RegisteredEntriesTable;
  selectors: SelectorsTable;
  dns_names: DnsNamesTable;
  federated_registration_entries: FederatedRegistrationEntriesTable;
  registered_entries_events: RegisteredEntriesEventsTable;
  attested_node_entries: AttestedNodeEntriesTable;
  node_selectors: NodeSelectorsTable;
  attested_node_events: AttestedNodeEventsTable;
  bundles: BundlesTable;
  join_tokens: JoinTokensTable;
  federated_trust_domains: FederatedTrustDomainsTable;
  ca_journals: CaJournalsTable;
}
