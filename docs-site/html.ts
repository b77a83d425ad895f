/**
 * Post-processes Redoc's page: a Content-Security-Policy that keeps it offline (Redoc 3 still
 * asks a CDN for its "API docs by" logo), and the search dialog with its index, all inline so
 * the page also works when opened from the file system.
 *
 * @module docs-site/html
 */
import type { SearchEntry } from './search-index.ts';

/**
 * Nothing may load from the network: scripts and styles are inline, images and workers come from
 * `data:`/`blob:` URLs Redoc makes itself. Navigation (links to openapi.json, llms.txt) is not
 * governed by these directives.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline' 'unsafe-eval' blob:",
  "style-src 'unsafe-inline'",
  'img-src data: blob:',
  'font-src data:',
  'connect-src data: blob:',
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** JSON that is safe inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function insertBefore(html: string, marker: string, text: string, last = false): string {
  const at = last ? html.lastIndexOf(marker) : html.indexOf(marker);
  if (at < 0) throw new Error(`docs page: ${marker} not found in Redoc's output`);
  return html.slice(0, at) + text + html.slice(at);
}

/**
 * Redoc 3 shows its "API docs by" attribution with a logo from its CDN. The logo is drawn
 * locally instead (the word "Redoc"), so the credit stays and nothing is fetched.
 */
const REDOC_LOGO = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g;
const LOCAL_LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="44" height="14" viewBox="0 0 44 14">' +
    '<text x="0" y="11" font-family="Arial,sans-serif" font-size="12" font-weight="700" fill="#0044D4">Redoc</text></svg>',
)}`;

export function localLogo(html: string): string {
  return html.replace(REDOC_LOGO, LOCAL_LOGO);
}

export function injectSearch(page: string, parts: { css: string; script: string; index: SearchEntry[] }): string {
  const html = localLogo(page);
  const head = /<head[^>]*>/i.exec(html);
  if (!head) throw new Error("docs page: <head> not found in Redoc's output");
  let out = `${html.slice(0, head.index + head[0].length)}\n  <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">${html.slice(head.index + head[0].length)}`;
  out = insertBefore(out, '</head>', `  <style id="ss-search-style">${parts.css}</style>\n`);
  out = insertBefore(
    out,
    '</body>',
    `<script type="application/json" id="ss-search-index">${scriptJson(parts.index)}</script>\n` +
      `<script id="ss-search-script">${parts.script.replace(/<\/script/gi, '<\\/script')}</script>\n`,
    true,
  );
  return out;
}
