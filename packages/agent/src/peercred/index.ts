/** Peer credentials of UNIX socket callers (SO_PEERCRED via the N-API addon) and the PID-reuse guard. */
export { PeerCredError, peerCredErrorCodes, type PeerCredErrorCode } from './errors.js';
export { DEFAULT_ADDON_PATH, loadPeerCredAddon, type PeerCred, type PeerCredAddon } from './native-addon.js';
export { peerCredentials, socketFd, type PeerCredentialsDeps } from './peer-credentials.js';
export {
  attestWithPidGuard,
  checkSameProcess,
  identifyProcess,
  processStartTime,
  type ProcReaderDeps,
  type ProcessIdentity,
} from './pid-guard.js';
