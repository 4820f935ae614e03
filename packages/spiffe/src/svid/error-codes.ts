/** Error codes for X509-SVIDs and JWT-SVIDs (parsing and verification). */
import { x509SvidErrorCodes } from './x509-error-codes.js';
import { jwtSvidErrorCodes } from './jwt-error-codes.js';

export const svidErrorCodes = { ...x509SvidErrorCodes, ...jwtSvidErrorCodes } as const;
