/** Scheduler errors carry a stable `code`; routes/problem.ts maps them to HTTP. */
export class ScheduleError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class ScheduleNotFoundError extends ScheduleError {
  constructor(readonly scheduleId: string) {
    super(`schedule ${scheduleId} does not exist`, 'schedule_not_found')
  }
}

/** SPEC §6: names are unique among schedules. */
export class ScheduleNameTakenError extends ScheduleError {
  constructor(readonly scheduleName: string) {
    super(`a schedule named "${scheduleName}" already exists`, 'schedule_name_taken')
  }
}

/** The schedule's state does not allow the operation (e.g. resuming a stopped schedule). */
export class ScheduleStateConflictError extends ScheduleError {
  constructor(
    message: string,
    readonly state: string,
  ) {
    super(message, 'schedule_state_conflict')
  }
}

/** A manual trigger the overlap policy turned away; carries the run that is still active. */
export class ScheduleOverlapError<J = unknown> extends ScheduleError {
  constructor(
    message: string,
    readonly job: J,
  ) {
    super(message, 'schedule_overlap')
  }
}

/** Input only the service can judge: the template against its job type, a window that never opens. */
export class InvalidScheduleInputError extends ScheduleError {
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '), 'invalid_schedule')
  }
}
