export { loadConfig, resolveConfig, type LoadResult, type Origins } from './load.js'
export { type Origin } from './sources.js'
export {
  options, optionNames, getOption, isOptionName, flagName, envName, fileEnvName,
  type Config, type OptionName, type Option
} from './schema.js'
export { describeOptionFlags, renderEffectiveConfig, renderOptionTable } from './describe.js'
export { formatDuration } from './parse.js'
