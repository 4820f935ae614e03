// Plain domain types of the datastore (no protobuf types). SPIFFE IDs are canonical strings
// (`spiffe://td/path`), times are unix seconds, uint64 sequence numbers are bigint.

export interface Selector {
  type: string;
  value: string;
}

/** Set comparison between a record's set and the given set (verified SPIRE semantics). */
export type MatchBehavior =
  /** record set equals the given set */
  | 'exact'
  /** record set ⊆ given set (how workloads are matched to entries) */
  | 'subset'
  /** record set ⊇ given set */
  | 'superset'
  /** the sets share at least one element */
  | 'any';

export interface RegistrationEntry {
  id: string;
  spiffeId: string;
  parentId: string;
  selectors: Selector[];
  x509SvidTtl: number;
  jwtSvidTtl: number;
  /** trust domain names (`example.org`), not IDs */
  federatesWith: string[];
  admin: boolean;
  downstream: boolean;
  /** 0 = never */
  expiresAt: number;
  dnsNames: string[];
  revisionNumber: number;
  storeSvid: boolean;
  hint: string;
  createdAt: number;
  disableX509SvidPrefetch: boolean;
  jwtSvidIncludeJti: boolean;
}

/** Input of createEntry: id optional (UUIDv4 generated), server-managed fields excluded. */
export type NewRegistrationEntry = Pick<RegistrationEntry, 'spiffeId' | 'parentId' | 'selectors'> &
  Partial<Omit<RegistrationEntry, 'spiffeId' | 'parentId' | 'selectors' | 'revisionNumber' | 'createdAt'>>;

/** Fields an update mask may name; revisionNumber is bumped by the store, createdAt is fixed. */
export type EntryField = Exclude<keyof RegistrationEntry, 'id' | 'revisionNumber' | 'createdAt'>;

export const ENTRY_FIELDS: readonly EntryField[] = [
  'spiffeId', 'parentId', 'selectors', 'x509SvidTtl', 'jwtSvidTtl', 'federatesWith', 'admin',
  'downstream', 'expiresAt', 'dnsNames', 'storeSvid', 'hint', 'disableX509SvidPrefetch',
  'jwtSvidIncludeJti',
];

export interface SelectorMatch {
  selectors: Selector[];
  match: MatchBehavior;
}

export interface FederatesWithMatch {
  /** names (`example.org`) or IDs (`spiffe://example.org`) */
  trustDomains: string[];
  match: MatchBehavior;
}

export interface EntryFilter {
  bySpiffeId?: string;
  byParentId?: string;
  bySelectors?: SelectorMatch;
  byFederatesWith?: FederatesWithMatch;
  byHint?: string;
  /** only `true` filters; `false` means "no filter" (as SPIRE) */
  byDownstream?: boolean;
}

export interface Page {
  /** 0 or absent = everything */
  pageSize?: number;
  /** token from a previous page; '' or absent = first page */
  pageToken?: string;
}

export interface ListEntriesRequest extends Page {
  filter?: EntryFilter;
}

export interface ListEntriesResult {
  entries: RegistrationEntry[];
  /** '' when there are no more rows */
  nextPageToken: string;
}

export interface EntryEvent {
  eventId: number;
  entryId: string;
}

export interface NodeEvent {
  eventId: number;
  spiffeId: string;
}

export interface ListEventsRequest {
  greaterThanEventId?: number;
  lessThanEventId?: number;
}

export interface JoinToken {
  token: string;
  expiresAt: number;
}

export interface AttestedNode {
  spiffeId: string;
  attestationType: string;
  /** decimal serial of the current SVID; '' = banned */
  certSerialNumber: string;
  certNotAfter: number;
  newCertSerialNumber: string;
  newCertNotAfter: number;
  canReattest: boolean;
  agentVersion: string;
  /** present when asked for (withSelectors) */
  selectors?: Selector[];
}

export type NodeField = Exclude<keyof AttestedNode, 'spiffeId' | 'selectors'>;

export const NODE_FIELDS: readonly NodeField[] = [
  'attestationType', 'certSerialNumber', 'certNotAfter', 'newCertSerialNumber', 'newCertNotAfter',
  'canReattest', 'agentVersion',
];

export interface NodeFilter {
  byAttestationType?: string;
  bySelectorMatch?: SelectorMatch;
  /** true = only banned (empty serial), false = only not banned */
  byBanned?: boolean;
  byCanReattest?: boolean;
  /** certNotAfter < this */
  byExpiresBefore?: number;
}

export interface ListNodesRequest extends Page {
  filter?: NodeFilter;
  withSelectors?: boolean;
}

export interface ListNodesResult {
  nodes: AttestedNode[];
  nextPageToken: string;
}

export interface X509Authority {
  /** DER certificate */
  der: Uint8Array;
  tainted: boolean;
}

export interface JwtAuthority {
  keyId: string;
  /** PKIX (SubjectPublicKeyInfo) DER */
  publicKeyDer: Uint8Array;
  /** unix seconds, 0 = never */
  expiresAt: number;
  tainted: boolean;
}

export interface Bundle {
  /**
   * Trust domain ID form `spiffe://example.org`, as SPIRE stores bundles. Methods taking a
   * trust domain accept the name (`example.org`) too and normalise it to this form.
   */
  trustDomain: string;
  x509Authorities: X509Authority[];
  jwtAuthorities: JwtAuthority[];
  refreshHint: number;
  sequenceNumber: bigint;
}

export type BundleField = 'x509Authorities' | 'jwtAuthorities' | 'refreshHint' | 'sequenceNumber';

export type BundleDeleteMode = 'restrict' | 'delete' | 'dissociate';

export interface ListBundlesResult {
  bundles: Bundle[];
  nextPageToken: string;
}

export type BundleEndpointProfile = 'https_web' | 'https_spiffe';

export interface FederationRelationship {
  /** trust domain name (`example.org`) */
  trustDomain: string;
  bundleEndpointUrl: string;
  profile: BundleEndpointProfile;
  /** SPIFFE ID of the bundle endpoint server; '' for https_web */
  endpointSpiffeId: string;
}

export type FederationRelationshipField = 'bundleEndpointUrl' | 'profile' | 'endpointSpiffeId';

export interface ListFederationRelationshipsResult {
  relationships: FederationRelationship[];
  nextPageToken: string;
}
