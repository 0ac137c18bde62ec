// The web page's stylesheet, bundled as text by wrangler's `[[rules]]` type "Text" (wrangler.toml).
declare module "*.css" {
  const text: string;
  export default text;
}
