/** Faults a test can queue on the AWS simulator, per operation. */
import { FaultQueue } from '../simulatorKit.ts';
import { errorResponse, type ErrorSpec, type ServiceKey, type SimResponse } from './restJson.ts';

interface Repeatable {
  /** How many matching requests the fault applies to. @default 1 */
  times?: number;
}

/** Answer with this error instead of (or, with `afterProcessing`, after) the operation's result. */
export interface ErrorFault extends ErrorSpec, Repeatable {
  kind: 'error';
  /** Run the operation first (its effects happen), then answer with the error. */
  afterProcessing?: boolean;
}

/** 429 ThrottlingException, with `Retry-After` when `retryAfterSeconds` is given. */
export interface ThrottleFault extends Repeatable {
  kind: 'throttle';
  retryAfterSeconds?: number;
}

/** Destroy the connection without an answer. */
export interface ResetFault extends Repeatable {
  kind: 'reset';
  /** Run the operation first (its effects happen), then drop the connection. */
  afterProcessing?: boolean;
}

/** Never answer, until the client gives up or the simulator closes. */
export interface HangFault extends Repeatable {
  kind: 'hang';
  /** Run the operation first (its effects happen), then never answer. */
  afterProcessing?: boolean;
}

/** Answer normally, but write the body a few bytes at a time with a pause between writes. */
export interface SlowBodyFault extends Repeatable {
  kind: 'slowBody';
  chunkDelayMs: number;
}

/**
 * Answer normally, with the body as `edit` returns it: an upstream that has added an enum value or a
 * member since, or breaks its own contract. Applies to successful answers only.
 */
export interface EditFault extends Repeatable {
  kind: 'edit';
  /** Gets a copy of the body the operation answered with. */
  edit: (body: unknown) => unknown;
}

export type SimulatorFault = ErrorFault | ThrottleFault | ResetFault | HangFault | SlowBodyFault | EditFault;

/** The fault queue of this simulator. */
export const createFaultQueue = (): FaultQueue<SimulatorFault> => new FaultQueue<SimulatorFault>();

/** Whether the operation runs before the fault answers. */
export function runsFirst(fault: SimulatorFault | undefined): boolean {
  return (
    (fault?.kind === 'error' || fault?.kind === 'reset' || fault?.kind === 'hang') && fault.afterProcessing === true
  );
}

/** The response an error or throttle fault answers with. */
export function faultResponse(service: ServiceKey, fault: ErrorFault | ThrottleFault): SimResponse {
  if (fault.kind === 'error') return errorResponse(service, fault);
  return errorResponse(service, {
    status: 429,
    type: 'ThrottlingException',
    message: 'Rate exceeded',
    members: service === 'appFabric' ? { serviceCode: 'appfabric' } : undefined,
    headers: fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) },
  });
}
