/**
 * The invoker against a real HTTP server that answers the way serverless-offline 14's
 * invocations route does (src/lambda/routes/invocations/invocationsRoute.js).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildKafkaEvent } from '../../../infra/local/offline-kafka/event';
import { checkInvokeResponse, createLambdaInvoker, invocationPath } from '../../../infra/local/offline-common/invoke';

type Reply = { status: number; headers?: Record<string, string>; body: string };

describe('Lambda API invoker', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ method?: string; url?: string; invocationType?: string | string[]; body: string }> = [];
  let reply: Reply = { status: 200, body: '{"ok":true}' };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          invocationType: req.headers['x-amz-invocation-type'],
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const event = buildKafkaEvent({ kind: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092' }, [
    { topic: 't', partition: 0, messages: [{ offset: '1', timestamp: '2', key: null, value: Buffer.from('x') }] },
  ]);
  const invoke = () =>
    createLambdaInvoker({ host: '127.0.0.1', port, functionName: 'banking-cdc-dev-writeBatch', timeoutSeconds: 5 })(event);

  it('POSTs the event as RequestResponse to the Invoke API path', async () => {
    reply = { status: 200, body: '{"ok":true}' };
    await expect(invoke()).resolves.toBeUndefined();
    const last = seen[seen.length - 1];
    expect(last?.method).toBe('POST');
    expect(last?.url).toBe('/2015-03-31/functions/banking-cdc-dev-writeBatch/invocations');
    expect(last?.invocationType).toBe('RequestResponse');
    expect(JSON.parse(last?.body ?? '')).toEqual(event);
  });

  it('fails on a handler error (200 + X-Amz-Function-Error) with the function message', async () => {
    reply = {
      status: 200,
      headers: { 'X-Amz-Function-Error': 'Unhandled' },
      body: '{"errorMessage":"S3 down","errorType":"Error","trace":[]}',
    };
    await expect(invoke()).rejects.toThrow(/function error \(Unhandled\): S3 down/);
  });

  it('fails on an unknown function (404 ResourceNotFoundException)', async () => {
    reply = {
      status: 404,
      headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
      body: '{"Message":"Function not found: x","Type":"User"}',
    };
    await expect(invoke()).rejects.toThrow(/404 ResourceNotFoundException: Function not found/);
  });

  it('fails when nothing listens on the port', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      createLambdaInvoker({ host: '127.0.0.1', port: freePort, functionName: 'f', timeoutSeconds: 1 })(event),
    ).rejects.toThrow(/cannot reach/);
  });

  it('treats an error-shaped payload as failure and anything else as success', () => {
    expect(() => checkInvokeResponse(200, {}, '{"errorMessage":"bad","errorType":"TypeError"}')).toThrow(/function error: bad/);
    expect(() => checkInvokeResponse(500, {}, 'oops')).toThrow(/answered 500: oops/);
    expect(() => checkInvokeResponse(200, {}, '')).not.toThrow();
    expect(() => checkInvokeResponse(200, {}, '"done"')).not.toThrow();
    expect(invocationPath('a b')).toBe('/2015-03-31/functions/a%20b/invocations');
  });
});
