/** Faults a test can queue on the ConductorOne simulator, per operation. */
import { FaultQueue } from '../simulatorKit.ts';
import {
  apiError,
  codeValue,
  grpcCodeForStatus,
  oauthError,
  oauthErrorForStatus,
  statusText,
  type ErrorCodeStyle,
  type SimResponse,
} from './wire.ts';

interface Repeatable {
  /** How many matching requests the fault applies to. @default 1 */
  times?: number;
}

/**
 * Answer with this error instead of the operation's result. API operations answer
 * `{ code, message, details: [] }`; `Token` answers `{ error, error_description }` (`code`, when a
 * string, becomes `error`).
 */
export interface ErrorFault extends Repeatable {
  kind: 'error';
  status: number;
  /** @default the gRPC code the status stands for, in the simulator's error-code style */
  code?: number | string;
  /** @default the status text */
  message?: string;
  /** A raw body sent instead of JSON (content type `text/plain` unless `headers` say otherwise). */
  body?: string;
  headers?: Record<string, string>;
}

/** 429, with `Retry-After` when `retryAfterSeconds` is given. */
export interface ThrottleFault extends Repeatable {
  kind: 'throttle';
  retryAfterSeconds?: number;
}

/** 401 although the request authenticated (a valid token, or a valid assertion for `Token`). */
export interface UnauthorizedFault extends Repeatable {
  kind: 'unauthorized';
}

/** Destroy the connection without an answer. */
export interface ResetFault extends Repeatable {
  kind: 'reset';
}

/** Never answer, until the client gives up or the simulator closes. */
export interface HangFault extends Repeatable {
  kind: 'hang';
}

/** Answer normally, but write the body a few bytes at a time with a pause between writes. */
export interface SlowBodyFault extends Repeatable {
  kind: 'slowBody';
  chunkDelayMs: number;
}

/**
 * Answer with the operation's body as `edit` changes it: an upstream that sends a member in a shape
 * this subgraph does not expect, or breaks its own contract. Applies to successful answers only.
 */
export interface EditFault extends Repeatable {
  kind: 'edit';
  /** Gets a copy of the body the operation answered with. */
  edit: (body: unknown) => unknown;
}

export type ConductorOneFault =
  ErrorFault | ThrottleFault | UnauthorizedFault | ResetFault | HangFault | SlowBodyFault | EditFault;

/** The fault queue of this simulator: error faults must carry a 4xx or 5xx status. */
export const createFaultQueue = (): FaultQueue<ConductorOneFault> =>
  new FaultQueue<ConductorOneFault>((fault) => {
    if (fault.kind === 'error' && (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599)) {
      throw new RangeError('An error fault needs a 4xx or 5xx status.');
    }
  });

/** The bearer challenge sent with every /api/v1 401. */
export const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer error="invalid_token"' };

/** The answer an error, throttle or unauthorized fault gives, shaped for the token endpoint or the API. */
export function faultResponse(
  fault: ErrorFault | ThrottleFault | UnauthorizedFault,
  target: 'token' | 'api',
  style: ErrorCodeStyle,
): SimResponse {
  switch (fault.kind) {
    case 'error': {
      if (fault.body !== undefined) {
        return {
          status: fault.status,
          headers: { 'content-type': 'text/plain; charset=utf-8', ...fault.headers },
          raw: fault.body,
        };
      }
      const message = fault.message ?? statusText(fault.status);
      if (target === 'token') {
        const error = typeof fault.code === 'string' ? fault.code : oauthErrorForStatus(fault.status);
        return oauthError(fault.status, error, message, fault.headers);
      }
      const code = fault.code ?? codeValue(grpcCodeForStatus(fault.status), style);
      return apiError(fault.status, code, message, fault.headers);
    }
    case 'throttle': {
      const headers =
        fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
      return target === 'token'
        ? oauthError(429, 'temporarily_unavailable', 'rate limit exceeded', headers)
        : apiError(429, codeValue('RESOURCE_EXHAUSTED', style), 'rate limit exceeded', headers);
    }
    case 'unauthorized':
      return target === 'token'
        ? oauthError(401, 'invalid_client', 'client authentication failed')
        : apiError(401, codeValue('UNAUTHENTICATED', style), 'access token rejected', BEARER_CHALLENGE);
  }
}
