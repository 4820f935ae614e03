/** Error codes for the DER reader and writer. */
export const derErrorCodes = {
  ERR_DER_MALFORMED:
    'DER input is malformed: truncated, a bad or non-minimal length, an unexpected tag, a non-canonical value, or trailing data',
} as const;
