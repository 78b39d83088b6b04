export { loadConfig, resolveConfig, type LoadResult, type Origins } from './load.js'
export { optionFlagSpecs, readSecretFile, type Origin } from './sources.js'
export {
  options, optionNames, getOption, isOptionName, flagName, envName, fileEnvName, CONFIG_FLAG,
  type Config, type OptionName, type Option
} from './schema.js'
export { describeOptionFlags, renderEffectiveConfig, renderOptionTable } from './describe.js'
export { formatDuration } from './parse.js'
