/** Where the CLI writes: stdout for results, stderr for progress and errors. */
export interface Terminal {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Status words may be coloured: a terminal, and NO_COLOR is not set (to any value, even empty). */
  readonly colour: boolean;
}

export function terminalOf(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Terminal {
  const isTTY = stream.isTTY === true;
  return { write: (text) => void stream.write(text), isTTY, colour: isTTY && env.NO_COLOR === undefined };
}
