// Reports the size of what a phone downloads on first load: the wasm, the JavaScript glue
// and the CSS, raw, gzip -9 and brotli -q 11 (DESIGN.md §6 budgets: wasm ≤ 250 KB brotli,
// CSS ≤ 40 KB brotli). Usage: node scripts/sizes.mjs [site/pkg directory]
import { readFileSync, readdirSync } from "node:fs";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";
import { join } from "node:path";

const dir = process.argv[2] ?? "target/site/pkg";
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(["file", "raw", "gzip", "brotli"].join("\t"));
for (const name of readdirSync(dir).filter((f) => /\.(wasm|js|css)$/.test(f)).sort()) {
  const data = readFileSync(join(dir, name));
  const gzip = gzipSync(data, { level: 9 }).length;
  const brotli = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }).length;
  console.log([name, kb(data.length), kb(gzip), kb(brotli)].join("\t"));
}
