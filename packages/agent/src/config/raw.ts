/** The config helpers agent and server share, under the names the agent's config code uses. */
export {
  IGNORED_SETTING as IGNORED,
  absolutePath,
  checkPort,
  failConfigKey as fail,
  isPlainObject,
  positionIn,
  rawBlock,
} from '@tspire/common';
