// The wire facts of every message, enum and service, transcribed by hand from the fact sheets
// (shared/spec/spiffe-standards.md §5, spire-compat.md §1) — deliberately NOT derived from our
// .proto files or the generated code. Tests decode protobuf-es output with protobufjs using this
// table, so a wrong field number, type or name in a .proto fails a test.
//
// Message DSL: fields separated by ';', each `name=number [repeated] type [oneof:group]`, or
// `name=number map<key,value>`. Type names are full names (`spire.api.types.SPIFFEID`) or names
// visible from the message by protobuf scoping (`Params`, `MatchBehavior`).
// Service DSL: methods separated by ';', each `Name kind Input Output` with kind one of
// unary | server | client | bidi; names without a dot are in the service's package.

const T = 'spire.api.types.';
const Struct = 'google.protobuf.Struct';
const BoolValue = 'google.protobuf.BoolValue';
const StringValue = 'google.protobuf.StringValue';
const Empty = 'google.protobuf.Empty';

const entryFilter =
  `by_spiffe_id=1 ${T}SPIFFEID; by_parent_id=2 ${T}SPIFFEID; by_selectors=3 ${T}SelectorMatch; ` +
  `by_federates_with=4 ${T}FederatesWithMatch; by_hint=5 ${StringValue}; by_downstream=6 ${BoolValue}`;
const agentFilter =
  `by_attestation_type=1 string; by_selector_match=2 ${T}SelectorMatch; by_banned=3 ${BoolValue}; ` +
  `by_can_reattest=4 ${BoolValue}; by_expires_before=5 string`;
const matchBehavior = 'MATCH_EXACT=0 MATCH_SUBSET=1 MATCH_SUPERSET=2 MATCH_ANY=3';
const logLevel = 'UNSPECIFIED=0 PANIC=1 FATAL=2 ERROR=3 WARN=4 INFO=5 DEBUG=6 TRACE=7';

/** SPIFFE Workload API: package-less, so names are top level (spiffe-standards §5.3). */
const workloadMessages: Record<string, string> = {
  X509SVIDRequest: '',
  X509SVIDResponse: 'svids=1 repeated X509SVID; crl=2 repeated bytes; federated_bundles=3 map<string,bytes>',
  X509SVID: 'spiffe_id=1 string; x509_svid=2 bytes; x509_svid_key=3 bytes; bundle=4 bytes; hint=5 string',
  X509BundlesRequest: '',
  X509BundlesResponse: 'crl=1 repeated bytes; bundles=2 map<string,bytes>',
  JWTSVIDRequest: 'audience=1 repeated string; spiffe_id=2 string',
  JWTSVIDResponse: 'svids=1 repeated JWTSVID',
  JWTSVID: 'spiffe_id=1 string; svid=2 string; hint=3 string',
  JWTBundlesRequest: '',
  JWTBundlesResponse: 'bundles=1 map<string,bytes>',
  ValidateJWTSVIDRequest: 'audience=1 string; svid=2 string',
  ValidateJWTSVIDResponse: `spiffe_id=1 string; claims=2 ${Struct}`,
  WITSVIDRequest: 'spiffe_id=1 string',
  WITSVIDResponse: 'svids=1 repeated WITSVID',
  WITSVID: 'spiffe_id=1 string; wit_svid=2 string; wit_svid_key=3 string; hint=4 string',
  WITBundlesRequest: '',
  WITBundlesResponse: 'bundles=1 map<string,string>',
};

/** spire.api.types (spire-compat §1.2). */
const typeMessages: Record<string, string> = {
  SPIFFEID: 'trust_domain=1 string; path=2 string',
  Selector: 'type=1 string; value=2 string',
  SelectorMatch: 'selectors=1 repeated Selector; match=2 MatchBehavior',
  FederatesWithMatch: 'trust_domains=1 repeated string; match=2 MatchBehavior',
  Entry:
    'id=1 string; spiffe_id=2 SPIFFEID; parent_id=3 SPIFFEID; selectors=4 repeated Selector; ' +
    'x509_svid_ttl=5 int32; federates_with=6 repeated string; admin=7 bool; downstream=8 bool; ' +
    'expires_at=9 int64; dns_names=10 repeated string; revision_number=11 int64; store_svid=12 bool; ' +
    'jwt_svid_ttl=13 int32; hint=14 string; created_at=15 int64; additional_attributes=16 AdditionalAttributes',
  'Entry.AdditionalAttributes': 'disable_x509_svid_prefetch=1 bool; jwt_svid_include_jti=2 bool',
  EntryMask:
    'spiffe_id=2 bool; parent_id=3 bool; selectors=4 bool; x509_svid_ttl=5 bool; federates_with=6 bool; ' +
    'admin=7 bool; downstream=8 bool; expires_at=9 bool; dns_names=10 bool; revision_number=11 bool; ' +
    'store_svid=12 bool; jwt_svid_ttl=13 bool; hint=14 bool; created_at=15 bool; additional_attributes=16 bool',
  Agent:
    'id=1 SPIFFEID; attestation_type=2 string; x509svid_serial_number=3 string; x509svid_expires_at=4 int64; ' +
    'selectors=5 repeated Selector; banned=6 bool; can_reattest=7 bool; agent_version=8 string',
  AgentMask:
    'attestation_type=2 bool; x509svid_serial_number=3 bool; x509svid_expires_at=4 bool; selectors=5 bool; ' +
    'banned=6 bool; can_reattest=7 bool; agent_version=8 bool',
  AttestationData: 'type=1 string; payload=2 bytes',
  X509SVID: 'cert_chain=1 repeated bytes; id=2 SPIFFEID; expires_at=3 int64; hint=4 string',
  JWTSVID: 'token=1 string; id=2 SPIFFEID; expires_at=3 int64; issued_at=4 int64; hint=5 string',
  WITSVID: 'token=1 string; id=2 SPIFFEID; expires_at=3 int64; issued_at=4 int64; hint=5 string',
  Bundle:
    'trust_domain=1 string; x509_authorities=2 repeated X509Certificate; jwt_authorities=3 repeated JWTKey; ' +
    'refresh_hint=4 int64; sequence_number=5 uint64; wit_authorities=6 repeated WITKey',
  X509Certificate: 'asn1=1 bytes; tainted=2 bool',
  JWTKey: 'public_key=1 bytes; key_id=2 string; expires_at=3 int64; tainted=4 bool',
  WITKey: 'public_key=1 bytes; key_id=2 string; expires_at=3 int64; tainted=4 bool',
  BundleMask:
    'x509_authorities=2 bool; jwt_authorities=3 bool; refresh_hint=4 bool; sequence_number=5 bool; wit_authorities=6 bool',
  Status: 'code=1 int32; message=2 string',
  PermissionDeniedDetails: 'reason=1 Reason',
  JoinToken: 'value=1 string; expires_at=2 int64',
  FederationRelationship:
    'trust_domain=1 string; bundle_endpoint_url=2 string; ' +
    'https_web=3 HTTPSWebProfile oneof:bundle_endpoint_profile; ' +
    'https_spiffe=4 HTTPSSPIFFEProfile oneof:bundle_endpoint_profile; trust_domain_bundle=5 Bundle',
  HTTPSWebProfile: '',
  HTTPSSPIFFEProfile: 'endpoint_spiffe_id=1 string',
  FederationRelationshipMask: 'bundle_endpoint_url=1 bool; bundle_endpoint_profile=2 bool; trust_domain_bundle=3 bool',
  Logger: 'current_level=1 LogLevel; launch_level=2 LogLevel',
};

const typeEnums: Record<string, string> = {
  'SelectorMatch.MatchBehavior': matchBehavior,
  'FederatesWithMatch.MatchBehavior': matchBehavior,
  'PermissionDeniedDetails.Reason':
    'UNKNOWN=0 AGENT_EXPIRED=1 AGENT_NOT_ATTESTED=2 AGENT_NOT_ACTIVE=3 AGENT_BANNED=4 AGENT_MUST_REATTEST=5',
  LogLevel: logLevel,
};

/** One service package: its messages, enums and service methods. */
interface PackageFacts {
  messages: Record<string, string>;
  enums?: Record<string, string>;
  service?: { name: string; methods: string };
}

const entryv1: PackageFacts = {
  messages: {
    CountEntriesRequest: 'filter=1 Filter',
    'CountEntriesRequest.Filter': entryFilter,
    CountEntriesResponse: 'count=1 int32',
    ListEntriesRequest: `filter=1 Filter; output_mask=2 ${T}EntryMask; page_size=3 int32; page_token=4 string`,
    'ListEntriesRequest.Filter': entryFilter,
    ListEntriesResponse: `entries=1 repeated ${T}Entry; next_page_token=2 string`,
    GetEntryRequest: `id=1 string; output_mask=2 ${T}EntryMask`,
    BatchCreateEntryRequest: `entries=1 repeated ${T}Entry; output_mask=2 ${T}EntryMask`,
    BatchCreateEntryResponse: 'results=1 repeated Result',
    'BatchCreateEntryResponse.Result': `status=1 ${T}Status; entry=2 ${T}Entry`,
    BatchUpdateEntryRequest:
      `entries=1 repeated ${T}Entry; input_mask=2 ${T}EntryMask; output_mask=3 ${T}EntryMask`,
    BatchUpdateEntryResponse: 'results=1 repeated Result',
    'BatchUpdateEntryResponse.Result': `status=1 ${T}Status; entry=2 ${T}Entry`,
    BatchDeleteEntryRequest: 'ids=1 repeated string',
    BatchDeleteEntryResponse: 'results=1 repeated Result',
    'BatchDeleteEntryResponse.Result': `status=1 ${T}Status; id=2 string`,
    GetAuthorizedEntriesRequest: `output_mask=1 ${T}EntryMask`,
    GetAuthorizedEntriesResponse: `entries=1 repeated ${T}Entry`,
    SyncAuthorizedEntriesRequest: `output_mask=1 ${T}EntryMask; ids=2 repeated string`,
    SyncAuthorizedEntriesResponse:
      `entry_revisions=1 repeated EntryRevision; entries=2 repeated ${T}Entry; more=3 bool`,
    EntryRevision: 'id=1 string; revision_number=2 int64; created_at=3 int64',
  },
  service: {
    name: 'Entry',
    methods:
      'CountEntries unary CountEntriesRequest CountEntriesResponse; ' +
      'ListEntries unary ListEntriesRequest ListEntriesResponse; ' +
      `GetEntry unary GetEntryRequest ${T}Entry; ` +
      'BatchCreateEntry unary BatchCreateEntryRequest BatchCreateEntryResponse; ' +
      'BatchUpdateEntry unary BatchUpdateEntryRequest BatchUpdateEntryResponse; ' +
      'BatchDeleteEntry unary BatchDeleteEntryRequest BatchDeleteEntryResponse; ' +
      'GetAuthorizedEntries unary GetAuthorizedEntriesRequest GetAuthorizedEntriesResponse; ' +
      'SyncAuthorizedEntries bidi SyncAuthorizedEntriesRequest SyncAuthorizedEntriesResponse',
  },
};

const agentv1: PackageFacts = {
  messages: {
    CountAgentsRequest: 'filter=1 Filter',
    'CountAgentsRequest.Filter': agentFilter,
    CountAgentsResponse: 'count=1 int32',
    ListAgentsRequest: `filter=1 Filter; output_mask=2 ${T}AgentMask; page_size=3 int32; page_token=4 string`,
    'ListAgentsRequest.Filter': agentFilter,
    ListAgentsResponse: `agents=1 repeated ${T}Agent; next_page_token=2 string`,
    GetAgentRequest: `id=1 ${T}SPIFFEID; output_mask=2 ${T}AgentMask`,
    DeleteAgentRequest: `id=1 ${T}SPIFFEID`,
    BanAgentRequest: `id=1 ${T}SPIFFEID`,
    AttestAgentRequest: 'params=1 Params oneof:step; challenge_response=2 bytes oneof:step',
    'AttestAgentRequest.Params': `data=1 ${T}AttestationData; params=2 AgentX509SVIDParams`,
    AttestAgentResponse: 'result=1 Result oneof:step; challenge=2 bytes oneof:step',
    'AttestAgentResponse.Result': `svid=1 ${T}X509SVID; reattestable=2 bool`,
    AgentX509SVIDParams: 'csr=1 bytes',
    RenewAgentRequest: 'params=1 AgentX509SVIDParams',
    RenewAgentResponse: `svid=1 ${T}X509SVID`,
    CreateJoinTokenRequest: `ttl=1 int32; token=2 string; agent_id=3 ${T}SPIFFEID`,
    PostStatusRequest: 'current_bundle_serial=1 uint64; agent_version=2 string',
    PostStatusResponse: '',
  },
  service: {
    name: 'Agent',
    methods:
      'CountAgents unary CountAgentsRequest CountAgentsResponse; ' +
      'ListAgents unary ListAgentsRequest ListAgentsResponse; ' +
      `GetAgent unary GetAgentRequest ${T}Agent; ` +
      `DeleteAgent unary DeleteAgentRequest ${Empty}; ` +
      `BanAgent unary BanAgentRequest ${Empty}; ` +
      'AttestAgent bidi AttestAgentRequest AttestAgentResponse; ' +
      'RenewAgent unary RenewAgentRequest RenewAgentResponse; ' +
      `CreateJoinToken unary CreateJoinTokenRequest ${T}JoinToken; ` +
      'PostStatus unary PostStatusRequest PostStatusResponse',
  },
};

const svidv1: PackageFacts = {
  messages: {
    MintX509SVIDRequest: 'csr=1 bytes; ttl=2 int32',
    MintX509SVIDResponse: `svid=1 ${T}X509SVID`,
    MintJWTSVIDRequest: `id=1 ${T}SPIFFEID; audience=2 repeated string; ttl=3 int32`,
    MintJWTSVIDResponse: `svid=1 ${T}JWTSVID`,
    MintWITSVIDRequest: `id=1 ${T}SPIFFEID; public_key=2 bytes; ttl=3 int32; signing_algorithm=4 string`,
    MintWITSVIDResponse: `svid=1 ${T}WITSVID`,
    NewX509SVIDParams: 'entry_id=1 string; csr=2 bytes',
    BatchNewX509SVIDRequest: 'params=1 repeated NewX509SVIDParams',
    BatchNewX509SVIDResponse: 'results=1 repeated Result',
    'BatchNewX509SVIDResponse.Result': `status=1 ${T}Status; svid=2 ${T}X509SVID`,
    NewJWTSVIDRequest: 'entry_id=1 string; audience=2 repeated string',
    NewJWTSVIDResponse: `svid=1 ${T}JWTSVID`,
    NewWITSVIDParams: 'entry_id=1 string; public_key=2 bytes; signing_algorithm=3 string',
    BatchNewWITSVIDRequest: 'params=1 repeated NewWITSVIDParams',
    BatchNewWITSVIDResponse: 'results=1 repeated Result',
    'BatchNewWITSVIDResponse.Result': `status=1 ${T}Status; svid=2 ${T}WITSVID`,
    NewDownstreamX509CARequest: 'csr=1 bytes; preferred_ttl=2 int32',
    NewDownstreamX509CAResponse: 'ca_cert_chain=1 repeated bytes; x509_authorities=2 repeated bytes',
  },
  service: {
    name: 'SVID',
    methods:
      'MintX509SVID unary MintX509SVIDRequest MintX509SVIDResponse; ' +
      'MintJWTSVID unary MintJWTSVIDRequest MintJWTSVIDResponse; ' +
      'MintWITSVID unary MintWITSVIDRequest MintWITSVIDResponse; ' +
      'BatchNewX509SVID unary BatchNewX509SVIDRequest BatchNewX509SVIDResponse; ' +
      'NewJWTSVID unary NewJWTSVIDRequest NewJWTSVIDResponse; ' +
      'BatchNewWITSVID unary BatchNewWITSVIDRequest BatchNewWITSVIDResponse; ' +
      'NewDownstreamX509CA unary NewDownstreamX509CARequest NewDownstreamX509CAResponse',
  },
};

const bundleResult = `status=1 ${T}Status; bundle=2 ${T}Bundle`;
const bundlev1: PackageFacts = {
  messages: {
    CountBundlesRequest: '',
    CountBundlesResponse: 'count=1 int32',
    GetBundleRequest: `output_mask=1 ${T}BundleMask`,
    AppendBundleRequest:
      `x509_authorities=1 repeated ${T}X509Certificate; jwt_authorities=2 repeated ${T}JWTKey; ` +
      `output_mask=3 ${T}BundleMask; wit_authorities=4 repeated ${T}WITKey`,
    PublishJWTAuthorityRequest: `jwt_authority=1 ${T}JWTKey`,
    PublishJWTAuthorityResponse: `jwt_authorities=1 repeated ${T}JWTKey`,
    PublishWITAuthorityRequest: `wit_authority=1 ${T}WITKey`,
    PublishWITAuthorityResponse: `wit_authorities=1 repeated ${T}WITKey`,
    ListFederatedBundlesRequest: `output_mask=1 ${T}BundleMask; page_size=2 int32; page_token=3 string`,
    ListFederatedBundlesResponse: `bundles=1 repeated ${T}Bundle; next_page_token=2 string`,
    GetFederatedBundleRequest: `trust_domain=1 string; output_mask=2 ${T}BundleMask`,
    BatchCreateFederatedBundleRequest: `bundle=1 repeated ${T}Bundle; output_mask=2 ${T}BundleMask`,
    BatchCreateFederatedBundleResponse: 'results=1 repeated Result',
    'BatchCreateFederatedBundleResponse.Result': bundleResult,
    BatchUpdateFederatedBundleRequest:
      `bundle=1 repeated ${T}Bundle; input_mask=2 ${T}BundleMask; output_mask=3 ${T}BundleMask`,
    BatchUpdateFederatedBundleResponse: 'results=1 repeated Result',
    'BatchUpdateFederatedBundleResponse.Result': bundleResult,
    BatchSetFederatedBundleRequest: `bundle=1 repeated ${T}Bundle; output_mask=2 ${T}BundleMask`,
    BatchSetFederatedBundleResponse: 'results=1 repeated Result',
    'BatchSetFederatedBundleResponse.Result': bundleResult,
    BatchDeleteFederatedBundleRequest: 'trust_domains=1 repeated string; mode=2 Mode',
    BatchDeleteFederatedBundleResponse: 'results=1 repeated Result',
    'BatchDeleteFederatedBundleResponse.Result': `status=1 ${T}Status; trust_domain=2 string`,
  },
  enums: { 'BatchDeleteFederatedBundleRequest.Mode': 'RESTRICT=0 DELETE=1 DISSOCIATE=2' },
  service: {
    name: 'Bundle',
    methods:
      'CountBundles unary CountBundlesRequest CountBundlesResponse; ' +
      `GetBundle unary GetBundleRequest ${T}Bundle; ` +
      `AppendBundle unary AppendBundleRequest ${T}Bundle; ` +
      'PublishJWTAuthority unary PublishJWTAuthorityRequest PublishJWTAuthorityResponse; ' +
      'PublishWITAuthority unary PublishWITAuthorityRequest PublishWITAuthorityResponse; ' +
      'ListFederatedBundles unary ListFederatedBundlesRequest ListFederatedBundlesResponse; ' +
      `GetFederatedBundle unary GetFederatedBundleRequest ${T}Bundle; ` +
      'BatchCreateFederatedBundle unary BatchCreateFederatedBundleRequest BatchCreateFederatedBundleResponse; ' +
      'BatchUpdateFederatedBundle unary BatchUpdateFederatedBundleRequest BatchUpdateFederatedBundleResponse; ' +
      'BatchSetFederatedBundle unary BatchSetFederatedBundleRequest BatchSetFederatedBundleResponse; ' +
      'BatchDeleteFederatedBundle unary BatchDeleteFederatedBundleRequest BatchDeleteFederatedBundleResponse',
  },
};

const FR = `${T}FederationRelationship`;
const FRMask = `${T}FederationRelationshipMask`;
const trustdomainv1: PackageFacts = {
  messages: {
    ListFederationRelationshipsRequest: `output_mask=1 ${FRMask}; page_size=2 int32; page_token=3 string`,
    ListFederationRelationshipsResponse: `federation_relationships=1 repeated ${FR}; next_page_token=2 string`,
    GetFederationRelationshipRequest: `trust_domain=1 string; output_mask=2 ${FRMask}`,
    BatchCreateFederationRelationshipRequest: `federation_relationships=1 repeated ${FR}; output_mask=2 ${FRMask}`,
    BatchCreateFederationRelationshipResponse: 'results=1 repeated Result',
    'BatchCreateFederationRelationshipResponse.Result': `status=1 ${T}Status; federation_relationship=2 ${FR}`,
    BatchUpdateFederationRelationshipRequest:
      `federation_relationships=1 repeated ${FR}; input_mask=2 ${FRMask}; output_mask=3 ${FRMask}`,
    BatchUpdateFederationRelationshipResponse: 'results=1 repeated Result',
    'BatchUpdateFederationRelationshipResponse.Result': `status=1 ${T}Status; federation_relationship=2 ${FR}`,
    BatchDeleteFederationRelationshipRequest: 'trust_domains=1 repeated string',
    BatchDeleteFederationRelationshipResponse: 'results=1 repeated Result',
    'BatchDeleteFederationRelationshipResponse.Result': `status=1 ${T}Status; trust_domain=2 string`,
    RefreshBundleRequest: 'trust_domain=1 string',
  },
  service: {
    name: 'TrustDomain',
    methods:
      'ListFederationRelationships unary ListFederationRelationshipsRequest ListFederationRelationshipsResponse; ' +
      `GetFederationRelationship unary GetFederationRelationshipRequest ${FR}; ` +
      'BatchCreateFederationRelationship unary BatchCreateFederationRelationshipRequest BatchCreateFederationRelationshipResponse; ' +
      'BatchUpdateFederationRelationship unary BatchUpdateFederationRelationshipRequest BatchUpdateFederationRelationshipResponse; ' +
      'BatchDeleteFederationRelationship unary BatchDeleteFederationRelationshipRequest BatchDeleteFederationRelationshipResponse; ' +
      `RefreshBundle unary RefreshBundleRequest ${Empty}`,
  },
};

/** LocalAuthority: the same five RPCs per key kind, plus two X.509 upstream RPCs (§1.8). */
function localAuthorityFacts(): PackageFacts {
  const messages: Record<string, string> = {
    AuthorityState: 'authority_id=1 string; expires_at=2 int64; upstream_authority_subject_key_id=3 string',
    TaintX509UpstreamAuthorityRequest: 'subject_key_id=1 string',
    TaintX509UpstreamAuthorityResponse: 'upstream_authority_subject_key_id=1 string',
    RevokeX509UpstreamAuthorityRequest: 'subject_key_id=1 string',
    RevokeX509UpstreamAuthorityResponse: 'upstream_authority_subject_key_id=1 string',
  };
  const methods: string[] = [];
  const rpc = (name: string): void => void methods.push(`${name} unary ${name}Request ${name}Response`);
  for (const kind of ['JWT', 'X509', 'WIT']) {
    messages[`Get${kind}AuthorityStateRequest`] = '';
    messages[`Get${kind}AuthorityStateResponse`] =
      'active=1 AuthorityState; prepared=2 AuthorityState; old=3 AuthorityState';
    messages[`Prepare${kind}AuthorityRequest`] = '';
    messages[`Prepare${kind}AuthorityResponse`] = 'prepared_authority=1 AuthorityState';
    for (const [verb, field] of [['Activate', 'activated'], ['Taint', 'tainted'], ['Revoke', 'revoked']] as const) {
      messages[`${verb}${kind}AuthorityRequest`] = 'authority_id=1 string';
      messages[`${verb}${kind}AuthorityResponse`] = `${field}_authority=1 AuthorityState`;
    }
    for (const verb of ['Get', 'Prepare', 'Activate', 'Taint', 'Revoke']) {
      rpc(verb === 'Get' ? `Get${kind}AuthorityState` : `${verb}${kind}Authority`);
    }
  }
  rpc('TaintX509UpstreamAuthority');
  rpc('RevokeX509UpstreamAuthority');
  return { messages, service: { name: 'LocalAuthority', methods: methods.join('; ') } };
}

const debugCert = `id=1 ${T}SPIFFEID; expires_at=2 int64; subject=3 string`;
const debugService = { name: 'Debug', methods: 'GetInfo unary GetInfoRequest GetInfoResponse' };
const serverDebugv1: PackageFacts = {
  messages: {
    GetInfoRequest: '',
    GetInfoResponse:
      'svid_chain=1 repeated Cert; uptime=2 int32; agents_count=3 int32; federated_bundles_count=4 int32; ' +
      'entries_count=5 int32',
    'GetInfoResponse.Cert': debugCert,
  },
  service: debugService,
};
const agentDebugv1: PackageFacts = {
  messages: {
    GetInfoRequest: '',
    GetInfoResponse:
      'svid_chain=1 repeated Cert; uptime=2 int32; svids_count=3 int32; last_sync_success=4 int64; ' +
      'cached_x509_svids_count=5 int32; cached_jwt_svids_count=6 int32; cached_svidstore_x509_svids_count=7 int32',
    'GetInfoResponse.Cert': debugCert,
  },
  service: debugService,
};

const loggerFacts: PackageFacts = {
  messages: { GetLoggerRequest: '', SetLogLevelRequest: `new_level=1 ${T}LogLevel`, ResetLogLevelRequest: '' },
  service: {
    name: 'Logger',
    methods:
      `GetLogger unary GetLoggerRequest ${T}Logger; SetLogLevel unary SetLogLevelRequest ${T}Logger; ` +
      `ResetLogLevel unary ResetLogLevelRequest ${T}Logger`,
  },
};

const delegatedIdentityv1: PackageFacts = {
  messages: {
    SubscribeToX509SVIDsRequest: `selectors=1 repeated ${T}Selector; pid=2 int32`,
    SubscribeToX509SVIDsResponse: 'x509_svids=1 repeated X509SVIDWithKey; federates_with=2 repeated string',
    X509SVIDWithKey: `x509_svid=1 ${T}X509SVID; x509_svid_key=2 bytes`,
    SubscribeToX509BundlesRequest: '',
    SubscribeToX509BundlesResponse: 'ca_certificates=1 map<string,bytes>',
    FetchJWTSVIDsRequest: `audience=1 repeated string; selectors=2 repeated ${T}Selector; pid=3 int32`,
    FetchJWTSVIDsResponse: `svids=1 repeated ${T}JWTSVID`,
    SubscribeToJWTBundlesRequest: '',
    SubscribeToJWTBundlesResponse: 'bundles=1 map<string,bytes>',
  },
  service: {
    name: 'DelegatedIdentity',
    methods:
      'SubscribeToX509SVIDs server SubscribeToX509SVIDsRequest SubscribeToX509SVIDsResponse; ' +
      'SubscribeToX509Bundles server SubscribeToX509BundlesRequest SubscribeToX509BundlesResponse; ' +
      'FetchJWTSVIDs unary FetchJWTSVIDsRequest FetchJWTSVIDsResponse; ' +
      'SubscribeToJWTBundles server SubscribeToJWTBundlesRequest SubscribeToJWTBundlesResponse',
  },
};

const healthv1: PackageFacts = {
  messages: {
    HealthCheckRequest: 'service=1 string',
    HealthCheckResponse: 'status=1 ServingStatus',
    HealthListRequest: '',
    HealthListResponse: 'statuses=1 map<string,HealthCheckResponse>',
  },
  enums: { 'HealthCheckResponse.ServingStatus': 'UNKNOWN=0 SERVING=1 NOT_SERVING=2 SERVICE_UNKNOWN=3' },
  service: {
    name: 'Health',
    methods:
      'Check unary HealthCheckRequest HealthCheckResponse; Watch server HealthCheckRequest HealthCheckResponse; ' +
      'List unary HealthListRequest HealthListResponse',
  },
};

/** Every proto package ('' = the package-less Workload API) and its facts. */
export const PACKAGES: Readonly<Record<string, PackageFacts>> = {
  '': {
    messages: workloadMessages,
    service: {
      name: 'SpiffeWorkloadAPI',
      methods:
        'FetchX509SVID server X509SVIDRequest X509SVIDResponse; ' +
        'FetchX509Bundles server X509BundlesRequest X509BundlesResponse; ' +
        'FetchJWTSVID unary JWTSVIDRequest JWTSVIDResponse; ' +
        'FetchJWTBundles server JWTBundlesRequest JWTBundlesResponse; ' +
        'ValidateJWTSVID unary ValidateJWTSVIDRequest ValidateJWTSVIDResponse; ' +
        'FetchWITSVID server WITSVIDRequest WITSVIDResponse; ' +
        'FetchWITBundles server WITBundlesRequest WITBundlesResponse',
    },
  },
  'spire.api.types': { messages: typeMessages, enums: typeEnums },
  'spire.api.server.entry.v1': entryv1,
  'spire.api.server.agent.v1': agentv1,
  'spire.api.server.svid.v1': svidv1,
  'spire.api.server.bundle.v1': bundlev1,
  'spire.api.server.trustdomain.v1': trustdomainv1,
  'spire.api.server.localauthority.v1': localAuthorityFacts(),
  'spire.api.server.debug.v1': serverDebugv1,
  'spire.api.server.logger.v1': loggerFacts,
  'spire.agent.debug.v1': agentDebugv1,
  'spire.api.agent.logger.v1': loggerFacts,
  'spire.api.agent.delegatedidentity.v1': delegatedIdentityv1,
  'grpc.health.v1': healthv1,
};
