import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { negotiateEncoding } from './static';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Smaller bodies are sent as they are: the headers would outweigh the saving. */
export const COMPRESS_MIN_BYTES = 1024;

/** JSON GraphQL results; streams (SSE, multipart) are never buffered. */
const COMPRESSIBLE_TYPE = /^application\/(?:graphql-response\+)?json\b/i;

/**
 * Compress `body` for the wire: gzip level 6 or brotli quality 5 (fast settings: this runs per request,
 * unlike the static files which are precompressed at their best once).
 */
export function compressBody(body: Buffer, encoding: 'br' | 'gzip'): Promise<Buffer> {
  return encoding === 'br'
    ? brotliAsync(body, {
        params: {
          [zlib.BROTLI_PARAM_QUALITY]: 5,
          [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
          [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        },
      })
    : gzipAsync(body, { level: 6 });
}

/**
 * Send a complete JSON `response` (a GraphQL GET/POST result) compressed when the client accepts
 * brotli or gzip and it is at least 1 KiB. Returns false, having read and written nothing, when it
 * does not apply (HEAD, streaming or non-JSON responses, no acceptable encoding): the caller then
 * streams the response as usual.
 */
export async function sendCompressedJson(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  headers: Record<string, string>,
): Promise<boolean> {
  if (req.method === 'HEAD' || !response.body) return false;
  if (!COMPRESSIBLE_TYPE.test(response.headers.get('content-type') ?? '')) return false;
  const encoding = acceptedEncoding(req);
  if (!encoding) return false;
  const body = Buffer.from(await response.arrayBuffer());
  await writeEncoded(res, response.status, headers, body, encoding);
  return true;
}

/**
 * Send a complete JSON text (the fast GraphQL path): as it is, or gzip/brotli under the same rules as
 * `sendCompressedJson`, so both paths put the same bytes and headers on the wire. A string body leaves
 * node:http one write for headers and body together (a Buffer costs a writev of two).
 */
export async function sendJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
): Promise<void> {
  const bytes = Buffer.byteLength(text);
  const headers: Record<string, string> = { 'content-type': contentType, 'content-length': String(bytes) };
  const encoding = acceptedEncoding(req);
  if (!encoding || bytes < COMPRESS_MIN_BYTES) {
    // As writeEncoded does for a small body: the answer varies with Accept-Encoding all the same.
    if (encoding) headers.vary = 'Accept-Encoding';
    res.writeHead(status, headers);
    res.end(text);
    return;
  }
  await writeEncoded(res, status, headers, Buffer.from(text), encoding);
}

function acceptedEncoding(req: IncomingMessage): 'br' | 'gzip' | undefined {
  const accept = req.headers['accept-encoding'];
  if (accept === undefined) return undefined;
  return negotiateEncoding(Array.isArray(accept) ? accept.join(',') : accept, ['br', 'gzip']);
}

async function writeEncoded(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  encoding: 'br' | 'gzip',
): Promise<void> {
  const out = { ...headers };
  out.vary = out.vary ? `${out.vary}, Accept-Encoding` : 'Accept-Encoding';
  if (body.length < COMPRESS_MIN_BYTES) {
    res.writeHead(status, { ...out, 'content-length': String(body.length) });
    res.end(body);
    return;
  }
  const packed = await compressBody(body, encoding);
  res.writeHead(status, {
    ...out,
    'content-encoding': encoding,
    'content-length': String(packed.length),
  });
  res.end(packed);
}
