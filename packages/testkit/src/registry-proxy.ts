import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testStack } from './environment.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
}

export interface CannedAnswer {
  readonly status?: number;
  readonly body: string;
  /** Default `application/json`. */
  readonly contentType?: string;
  /** Only requests whose path matches are answered this way. */
  readonly path?: RegExp;
}

export interface RegistryProxy extends AsyncDisposable {
  /** Use this as the registry URL: same API, every request counted. */
  readonly url: string;
  /** Requests forwarded so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Forget the requests recorded so far. */
  reset(): void;
  /**
   * The next `count` requests are recorded but never answered (their connections stay
   * open until the proxy closes): a registry that hangs.
   */
  stallNext(count: number): void;
  /**
   * The next `count` requests (only those whose path matches `answer.path`, when given) get
   * this answer instead of the registry's: an HTML page, `{}`, a 404 from a proxy. The
   * registry itself stays as it is, so it "recovers" once the count is used up.
   */
  answerNext(count: number, answer: CannedAnswer): void;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of the real schema registry that records every
 * request, so that a test can prove "no registry request per message" by counting them.
 *
 * @example
 * await using proxy = await startRegistryProxy();
 * const serde = createSerde({ registry: { url: proxy.url } });
 * proxy.reset(); // after warm-up
 * expect(proxy.requests).toEqual([]);
 */
export async function startRegistryProxy(target: string = testStack().registryUrl): Promise<RegistryProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  let stalls = 0;
  let canned: { left: number; answer: CannedAnswer } | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/' });
    if (stalls > 0) {
      stalls--;
      req.resume();
      return;
    }
    if (canned && canned.left > 0 && (!canned.answer.path || canned.answer.path.test(req.url ?? '/'))) {
      canned.left--;
      const { status = 200, body, contentType = 'application/json' } = canned.answer;
      req.resume();
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 50200, message: `registry proxy: ${error.message}` }));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    requests,
    reset: () => {
      requests.length = 0;
    },
    stallNext: (count) => {
      stalls = count;
    },
    answerNext: (count, answer) => {
      canned = { left: count, answer };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
