import { createHash } from 'node:crypto';

/** SHA-256 of a string, hex. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
