/** Captures what the Powertools logger prints (it writes JSON lines through its own Console to stdout/stderr). */
export class LogCapture {
  private readonly chunks: string[] = [];
  private readonly spies: jest.SpyInstance[] = [];

  start(): this {
    this.chunks.length = 0;
    for (const stream of [process.stdout, process.stderr]) {
      this.spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
          return true;
        }),
      );
    }
    return this;
  }

  stop(): void {
    for (const spy of this.spies.splice(0)) spy.mockRestore();
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** The structured log records printed so far. */
  get records(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/**
 * Captures the handlers' log output during every test of the file (keeping the test output readable) and
 * checks after each test that none of `secrets` was printed.
 */
export function captureLogsOfEachTest(secrets: () => string[]): LogCapture {
  const capture = new LogCapture();
  beforeEach(() => {
    capture.start();
  });
  afterEach(() => {
    const text = capture.text;
    capture.stop();
    for (const secret of secrets()) expect(text).not.toContain(secret);
  });
  return capture;
}
