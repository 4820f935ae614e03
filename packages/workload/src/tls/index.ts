export { tlsServerOptions, mtlsServerOptions, type SpiffeServerOptions, type SpiffeTlsOptions } from './server-options.js';
export { tlsClientOptions, mtlsClientOptions, type SpiffeClientOptions } from './client-options.js';
export { peerSpiffeId } from './peer.js';
export type { X509SvidAndBundleSource } from './sources.js';
