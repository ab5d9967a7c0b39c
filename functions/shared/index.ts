/** What every function shares and a handler may need: logging and the pipeline's base error. */
export { getLogger } from './logger';
export { PipelineError } from './errors';
