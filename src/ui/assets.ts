/**
 * The page's stylesheet (bundled as text by wrangler's `[[rules]]` type "Text") and script (a
 * string constant), served by the Worker itself. Their URLs carry a hash of their content, so browsers and the edge
 * may keep them for a year and a new deploy is fetched at once.
 */
import css from "./static/app.css";
import { LIVE_SCRIPT as js } from "./static/live-script";

/** FNV-1a, 32 bits: a content tag for cache busting, not a security measure. */
function contentTag(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

export interface Asset {
  path: string;
  body: string;
  type: string;
}

const cssTag = contentTag(css);
const jsTag = contentTag(js);

export const STYLESHEET: Asset = { path: `/ui/static/app.${cssTag}.css`, body: css, type: "text/css; charset=utf-8" };
export const SCRIPT: Asset = { path: `/ui/static/live.${jsTag}.js`, body: js, type: "text/javascript; charset=utf-8" };

export const ASSETS: readonly Asset[] = [STYLESHEET, SCRIPT];

export { contentTag };
