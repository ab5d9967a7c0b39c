/**
 * Invokes a function through the Lambda Invoke API that serverless-offline serves on lambdaPort:
 * POST /2015-03-31/functions/<name>/invocations (RequestResponse), the same path the AWS SDK uses.
 *
 * How serverless-offline 14 reports failure (src/lambda/routes/invocations/): an unknown function
 * is a 404 with `x-amzn-ErrorType: ResourceNotFoundException`; an error thrown by the handler (or a
 * Lambda timeout) is a 200 with `X-Amz-Function-Error: Unhandled` and a payload
 * `{ errorMessage, errorType, trace }`. All of these, any non-2xx status, and a payload that is an
 * error object, count as failure here, so the event source retries the batch (offline-kafka keeps
its offsets uncommitted, offline-s3 keeps the objects queued).
 *
 * node:http rather than fetch: fetch (undici) aborts after 300 s without response headers, shorter
 * than a function may legitimately run; here the limit is the function's own timeout plus a margin.
 */
import http from 'node:http';
import { PipelineError } from '../../../functions/shared/errors';

export class InvocationError extends PipelineError {
  override readonly name = 'InvocationError';
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message, { hint: "retried; see the function's log (.stack/functions/offline.log) for its error" });
  }
}

export interface LambdaInvokerOptions {
  host: string;
  port: number;
  functionName: string;
  /** The function's timeout; the HTTP call waits this long plus a margin. */
  timeoutSeconds: number;
}

export function invocationPath(functionName: string): string {
  return `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
}

/** Turns an Invoke API response into success or an InvocationError with the function's own message. */
export function checkInvokeResponse(statusCode: number, headers: http.IncomingHttpHeaders, body: string): unknown {
  const functionError = headers['x-amz-function-error'];
  const errorType = headers['x-amzn-errortype'];
  let payload: unknown;
  try {
    payload = body === '' ? undefined : JSON.parse(body);
  } catch {
    payload = body;
  }
  const p = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined;
  const detail = p ? String(p.errorMessage ?? p.Message ?? p.message ?? body) : body;
  if (statusCode < 200 || statusCode >= 300) {
    throw new InvocationError(
      `Lambda API answered ${statusCode}${errorType ? ` ${String(errorType)}` : ''}: ${detail}`,
      statusCode,
    );
  }
  if (functionError || errorType) {
    throw new InvocationError(`function error (${String(functionError ?? errorType)}): ${detail}`, statusCode);
  }
  // Some runtimes report a handled error as a normal payload shaped like Lambda's error object.
  if (p && typeof p.errorMessage === 'string' && ('errorType' in p || 'trace' in p || 'stackTrace' in p)) {
    throw new InvocationError(`function error: ${p.errorMessage}`, statusCode);
  }
  return payload;
}

/** Any JSON-serialisable event; each event source builds its own AWS-shaped payload. */
export function createLambdaInvoker<E = unknown>(o: LambdaInvokerOptions): (event: E) => Promise<void> {
  const invoke = createLambdaInvokerWithResult<E>(o);
  return async (event) => void (await invoke(event));
}

/** The same, resolving with the function's response payload (e.g. an SQS batch's batchItemFailures). */
export function createLambdaInvokerWithResult<E = unknown>(o: LambdaInvokerOptions): (event: E) => Promise<unknown> {
  const path = invocationPath(o.functionName);
  const timeoutMs = (o.timeoutSeconds + 30) * 1000;
  return (event) =>
    new Promise<unknown>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(event), 'utf8');
      const req = http.request(
        {
          host: o.host,
          port: o.port,
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'x-amz-invocation-type': 'RequestResponse',
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(checkInvokeResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8')));
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new InvocationError(`no answer from ${o.host}:${o.port}${path} within ${timeoutMs} ms`)),
      );
      req.on('error', (err) =>
        reject(
          err instanceof InvocationError ? err : new InvocationError(`cannot reach ${o.host}:${o.port}${path}: ${err.message}`),
        ),
      );
      req.end(body);
    });
}
