/** Where the CLI writes: stdout for results, stderr for progress and errors. */
export interface Terminal {
  write(text: string): void;
  readonly isTTY: boolean;
}

export function terminalOf(stream: NodeJS.WriteStream): Terminal {
  return { write: (text) => void stream.write(text), isTTY: stream.isTTY === true };
}
