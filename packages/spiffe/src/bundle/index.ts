export type { X509BundleSource, JwtBundleSource } from './source.js';
export { X509Bundle } from './x509-bundle.js';
export { JwtBundle } from './jwt-bundle.js';
