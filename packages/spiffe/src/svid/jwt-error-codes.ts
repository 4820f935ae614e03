/** Error codes for JWT-SVID parsing and validation. */
export const jwtSvidErrorCodes = {
} as const;
