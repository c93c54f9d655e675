/**
 * The rule, made checkable: nothing a peer sends may end in an uncaught exception or a
 * promise rejected with nobody listening. Both are recorded while a watch is on; the suite and
 * the runner fail on any.
 */
export class UnhandledWatch {
  readonly seen: string[] = [];
  private readonly onRejection = (reason: unknown): void => {
    this.seen.push(`unhandled rejection: ${describe(reason)}`);
  };
  private readonly onException = (error: unknown): void => {
    this.seen.push(`uncaught exception: ${describe(error)}`);
  };

  start(): this {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    return this;
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value);
}
