export { X509Source, type X509SourceOptions, type X509SvidPicker } from './x509-source.js';
export { JwtSource, type JwtSourceOptions } from './jwt-source.js';
export { BundleSource, type BundleSourceOptions, type BundleSets } from './bundle-source.js';
export { DEFAULT_SOURCE_TIMEOUT_MS, type SourceOptions, type Unsubscribe } from './source-runtime.js';
