/** The config helpers server and agent share, under the names the server's config code uses, plus labelPath. */
export {
  IGNORED_SETTING as IGNORED,
  absolutePath,
  checkPort,
  failConfigKey as fail,
  isPlainObject,
  positionIn,
  rawBlock,
} from '@tspire/common';

/** `federates_with["example.org"]`: labels with dots stay readable in paths. */
export function labelPath(parent: string, label: string): string {
  return `${parent}[${JSON.stringify(label)}]`;
}
