/**
 * The `jobvisor` package (SPEC §9). Kept light on purpose: a job-type module imports it in every
 * worker thread, so the service's own modules load only when createJobvisor or jobvisorPlugin runs.
 */
export { z } from 'zod'
export { defineJobType, type JobContext, type JobLogger, type JobType } from './jobs/define.ts'
export { CancelledError, ShutdownError, TimeoutError } from './jobs/errors.ts'
export { createJobvisor, type Jobvisor, type JobvisorOptions } from './library.ts'
export { type JobvisorPluginOptions, jobvisorPlugin } from './plugin.ts'
