/**
 * The platform's error body. VVP does not document one; clients read `message` (fintechstudios) and a
 * third-party SDK models `{kind, apiVersion, message, reason, statusCode}`, so the emulator answers that.
 */
export interface ErrorBody {
  kind: 'Error';
  apiVersion: 'v1';
  statusCode: number;
  reason: string;
  message: string;
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function reasonFor(statusCode: number): string {
  return reasons[statusCode] ?? (statusCode >= 500 ? 'InternalServerError' : 'BadRequest');
}

/**
 * The shape errors are answered in: `vvp` (the body above, as 2.x), or `problem+json`, Spring's RFC 9457 problem
 * details that a VVP 3 platform (Spring Boot 3/4) may answer with: `application/problem+json`
 * `{type, title, status, detail, instance}`. Chosen per emulator (admin API) or per fault.
 */
export type ErrorShape = 'vvp' | 'problem+json';

export interface ProblemBody {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  instance: string;
}

export class ApiError extends Error {
  /** Set by a fault that answers in a given shape, over the emulator's. */
  shape?: ErrorShape;

  constructor(
    readonly statusCode: number,
    message: string,
    readonly reason: string = reasonFor(statusCode),
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { kind: 'Error', apiVersion: 'v1', statusCode: this.statusCode, reason: this.reason, message: this.message };
  }

  /** The RFC 9457 body; the title is the HTTP reason phrase, as Spring's default. */
  problem(instance: string): ProblemBody {
    return { type: 'about:blank', title: this.reason.replace(/([a-z])([A-Z])/g, '$1 $2'), status: this.statusCode, detail: this.message, instance };
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const forbidden = (message: string) => new ApiError(403, message);
