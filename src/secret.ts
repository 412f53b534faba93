/**
 * A value that must never be printed: JSON serialization, `util.inspect` (and so console and
 * pino) and string conversion all show `[Redacted]`. Only `reveal()` gives the value.
 */
import { inspect } from 'node:util';

export class Secret<T = string> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toJSON(): string {
    return '[Redacted]';
  }
  toString(): string {
    return '[Redacted]';
  }
  [inspect.custom](): string {
    return '[Redacted]';
  }
}
