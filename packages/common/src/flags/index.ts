export {
  FlagSet,
  HelpRequested,
  defineFlags,
  type FlagKind,
  type FlagSpec,
  type FlagSpecs,
  type FlagValues,
  type ParsedFlags,
} from './flag-set.js';
