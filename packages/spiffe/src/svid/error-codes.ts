/** Error codes for X509-SVIDs and JWT-SVIDs (parsing and verification). */
export const svidErrorCodes = {
} as const;
