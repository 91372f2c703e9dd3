import type { FramesMessage } from './frame.mjs';
export interface RedisUrlParts {
  host: string;
  port: number;
  username: string;
  password: string;
  db: number;
}
export declare function parseRedisUrl(url: string): RedisUrlParts;
/** Whether these clients can connect to `url`: plain `redis://` only. */
export declare function ownsConnection(url: string): boolean;
export type RespReply = Buffer | number | null | RespReply[];
export interface RespClient {
  /** Send a command; its reply (strings as Buffers), or its error reply as a rejection. */
  call(...args: string[]): Promise<RespReply>;
  close(): void;
}
export declare function connectResp(url: string, name: string, timeoutMs?: number): Promise<RespClient>;
export interface FramesClient {
  /** XRANGE key from to: the window framed and checked, or the error reply as a rejection. */
  xrange(key: string, from: number, to: number): Promise<FramesMessage>;
  close(): void;
}
export declare function connectFrames(url: string, name: string, timeoutMs?: number): Promise<FramesClient>;
/** GET `key` over a connection of its own: the value in one buffer of its size, or null. */
export declare function getValue(
  url: string,
  name: string,
  key: string,
  timeoutMs?: number,
): Promise<Buffer | null>;
