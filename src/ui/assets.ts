/**
 * The page's stylesheet and script, bundled into the Worker as text (wrangler `[[rules]]` type
 * "Text") and served from it. Their URLs carry a hash of their content, so browsers and the edge
 * may keep them for a year and a new deploy is fetched at once.
 */
import css from "./static/app.css";
import js from "./static/live.js";

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
