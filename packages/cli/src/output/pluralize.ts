/** SPIRE's Pluralizer: the singular form only for exactly one. */
export function pluralize(prefix: string, singular: string, plural: string, count: number): string {
  return prefix + (count === 1 ? singular : plural);
}
