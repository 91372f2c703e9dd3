/**
 * Writes the PWA icons (PNG and SVG) under public/icons: a "V" on a dark rounded square. Pure Node (zlib),
 * deterministic, so the icons can be regenerated and diffed. Run: node --import tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

if (process.argv.includes('--help')) {
  console.log('Usage: node --import tsx scripts/make-icons.ts   (writes public/icons/*.png and icon.svg)');
  process.exit(0);
}

const BG: [number, number, number] = [0x0b, 0x12, 0x20];
const FG: [number, number, number] = [0x22, 0xc5, 0x5e];

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Buffer): number => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

/** Distance from p to segment ab. */
const segDist = (px: number, py: number, ax: number, ay: number, bx: number, by: number): number => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
};

/** RGBA PNG of `size` px; `full` fills the square (maskable), otherwise a rounded square with transparency. */
function icon(size: number, full: boolean): Buffer {
  const s = size;
  const radius = full ? 0 : s * 0.22;
  const scale = full ? 0.7 : 1; // keep the mark inside the maskable safe zone
  const c = s / 2;
  const p = (v: number) => c + (v - 0.5) * s * scale;
  const a = [p(0.24), p(0.26)];
  const m = [p(0.5), p(0.76)];
  const b = [p(0.76), p(0.26)];
  const stroke = s * 0.075 * scale;
  const rows: Buffer[] = [];
  for (let y = 0; y < s; y++) {
    const row = Buffer.alloc(1 + s * 4);
    for (let x = 0; x < s; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      // Rounded-square coverage, anti-aliased over one pixel.
      let inside = 1;
      if (radius > 0) {
        const qx = Math.max(Math.abs(px - c) - (c - radius), 0);
        const qy = Math.max(Math.abs(py - c) - (c - radius), 0);
        inside = Math.max(0, Math.min(1, radius - Math.hypot(qx, qy) + 0.5));
      }
      const d = Math.min(
        segDist(px, py, a[0]!, a[1]!, m[0]!, m[1]!),
        segDist(px, py, m[0]!, m[1]!, b[0]!, b[1]!),
      );
      const mark = Math.max(0, Math.min(1, stroke - d + 0.5));
      const o = 1 + x * 4;
      for (let k = 0; k < 3; k++) row[o + k] = Math.round(BG[k]! * (1 - mark) + FG[k]! * mark);
      row[o + 3] = Math.round(255 * inside);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s, 0);
  ihdr.writeUInt32BE(s, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b1220"/><path d="M15.4 16.6 32 48.6l16.6-32" fill="none" stroke="#22c55e" stroke-width="9.6" stroke-linecap="round" stroke-linejoin="round"/></svg>\n`;

const dir = resolve(import.meta.dirname, '../public/icons');
mkdirSync(dir, { recursive: true });
const out: Array<[string, Buffer | string]> = [
  ['icon-192.png', icon(192, false)],
  ['icon-512.png', icon(512, false)],
  ['maskable-512.png', icon(512, true)],
  ['apple-touch-icon.png', icon(180, true)],
  ['icon.svg', svg],
];
for (const [name, data] of out) {
  writeFileSync(resolve(dir, name), data);
  console.log(`wrote public/icons/${name} (${data.length} bytes)`);
}
