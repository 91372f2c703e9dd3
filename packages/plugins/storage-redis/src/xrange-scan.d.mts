import type { FramesMessage } from './frame.mjs';
/** XRANGE replies read off a connection's bytes into framed windows (see xrange-scan.mjs). */
export declare class XrangeScanner {
  constructor(onReply: (msg: FramesMessage) => void, onError: (err: Error) => void);
  /** Bytes from the connection, in order. Throws on a reply that is not an XRANGE reply. */
  push(chunk: Uint8Array): void;
}
/** An error reply's text as an Error named `ReplyError` (as ioredis names them). */
export declare function replyError(text: string): Error;
