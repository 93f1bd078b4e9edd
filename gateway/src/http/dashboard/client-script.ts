import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../../../common/errors.js';

/** The compiled browser script, ready to inline into the page, and the CSP source that allows exactly it. */
export interface ClientScript {
  text: string;
  /** `'sha256-…'` of `text`, for `script-src`: no other inline or external script runs. */
  cspSource: string;
}

/**
 * Where `npm run build` writes the script (esbuild, from ./client/main.ts): next to this module once compiled;
 * from the sources (vitest, tsx), the same place in dist/, so tests serve exactly what the build ships.
 */
export const CLIENT_SCRIPT_URL = new URL(
  import.meta.url.endsWith('.ts') ? '../../../../dist/gateway/src/http/dashboard/client.js' : './client.js',
  import.meta.url,
);

/** Reads the compiled script once, at start-up. Fails with `GW_ERR_DASHBOARD_SCRIPT` if it is missing or unsafe. */
export function loadClientScript(url: URL = CLIENT_SCRIPT_URL): ClientScript {
  const path = fileURLToPath(url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (cause) {
    throw new GatewayError('GW_ERR_DASHBOARD_SCRIPT', `dashboard script ${path} cannot be read: run "npm run build"`, { cause });
  }
  // Inside <script> the HTML parser ends the element at "</script" and changes state at "<!--", whatever the
  // JavaScript around them means. esbuild escapes the first in string literals; the client has neither.
  if (/<\/script|<!--/i.test(text)) {
    throw new GatewayError('GW_ERR_DASHBOARD_SCRIPT', `dashboard script ${path} cannot be inlined: it contains "</script" or "<!--"`);
  }
  return { text, cspSource: `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'` };
}
