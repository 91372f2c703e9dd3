import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../errors';

/** Send a JSON document. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** A GraphQL-shaped error document for failures before GraphQL runs (401, 413). */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

/** The request body exceeded the configured limit. */
export class BodyTooLargeError extends ApiError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`);
  }
}

/** The request ended before its body did (client gone). */
export class BodyAbortedError extends ApiError {
  constructor() {
    super('BAD_REQUEST', 'request body incomplete');
  }
}

/** Read the whole body, failing as soon as it passes `limit` bytes (also when no content-length was sent). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const header = req.headers['content-length'];
  const declared = header === undefined ? NaN : Number(header);
  if (Number.isFinite(declared)) {
    if (declared > limit) throw new BodyTooLargeError(limit);
    // node:http never delivers more than a valid Content-Length, so no counting: plain events are
    // several times cheaper than the async iterator on small bodies (the hot path).
    return readDeclared(req);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function readDeclared(req: IncomingMessage): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  // Inline anonymous handlers on purpose: named closures per request cost a `__name` call each under
  // tsx (esbuild keepNames), and nothing needs removing: once settled, a late event is a no-op.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new BodyAbortedError());
    });
  });
}
