/** What every function shares and a handler may need: logging and the pipeline's errors. */
export { getLogger, type Logger } from './logger';
export * from './errors';
