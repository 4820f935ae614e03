export { JwtSvid, type JwtSvidInit, type JwtSvidParseOptions } from './jwt-svid.js';
export { JWT_SVID_ALGORITHMS, DEFAULT_LEEWAY_SECONDS } from './jwt-svid-checks.js';
