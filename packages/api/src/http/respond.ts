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

/** Read the whole body, failing as soon as it passes `limit` bytes (also when no content-length was sent). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
