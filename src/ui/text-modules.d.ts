// Files bundled as text by wrangler's `[[rules]]` type "Text" (wrangler.toml): the stylesheet and
// the client script of the web page.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*/static/live.js" {
  const text: string;
  export default text;
}
