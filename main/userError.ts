// An error the person running the lab can fix — a definition with a mistake, a path that is not a
// lab database, a trainer module that does not load. Its message says what, where and what to do;
// front ends show it as it is (the CLI without a stack trace, exit code 1). Anything else that
// escapes is a bug, reported as one.
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserError';
  }
}
