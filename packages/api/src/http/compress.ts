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
  const accept = req.headers['accept-encoding'];
  const encoding = negotiateEncoding(Array.isArray(accept) ? accept.join(',') : accept, ['br', 'gzip']);
  if (!encoding) return false;
  const body = Buffer.from(await response.arrayBuffer());
  const out = { ...headers };
  out.vary = out.vary ? `${out.vary}, Accept-Encoding` : 'Accept-Encoding';
  if (body.length < COMPRESS_MIN_BYTES) {
    res.writeHead(response.status, { ...out, 'content-length': String(body.length) });
    res.end(body);
    return true;
  }
  const packed = await compressBody(body, encoding);
  res.writeHead(response.status, {
    ...out,
    'content-encoding': encoding,
    'content-length': String(packed.length),
  });
  res.end(packed);
  return true;
}
