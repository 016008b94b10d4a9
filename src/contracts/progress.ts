/** Where a step reports how far a long transfer has come. */
export interface ProgressSink {
  /** Total bytes expected, when known. */
  total(bytes: number | undefined): void;
  /** `bytes` more were moved. */
  advance(bytes: number): void;
  /** A one-line remark shown on the progress line (a retry, a wait). Never include secrets. */
  note(message: string): void;
}
