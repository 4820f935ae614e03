/**
 * One-method SVID source interfaces, as go-spiffe's x509svid.Source and jwtsvid.Source: a static
 * SVID and the Workload API's live X509Source/JwtSource both implement them.
 */
import type { SpiffeId } from '../id/spiffe-id.js';
import type { JwtSvid } from './jwt-svid.js';
import type { X509Svid } from './x509-svid.js';

/** Gives the current X509-SVID (the live source's newest one). */
export interface X509SvidSource {
  getX509Svid(): X509Svid;
}

/** Fetches a JWT-SVID for an audience (and optionally a given SPIFFE ID). */
export interface JwtSvidSource {
  fetchJwtSvid(params: { audience: string; extraAudiences?: readonly string[]; spiffeId?: SpiffeId | string }): Promise<JwtSvid>;
}
