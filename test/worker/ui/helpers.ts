/** Driving the web page as a browser does: cookies, same-origin form posts, and reading the HTML. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { BASE } from "../helpers";

export interface Browser {
  cookie: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** The CSRF token of the first form on a page. */
  csrf(path: string): Promise<string>;
}

export async function submit(
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Signs in with a token and returns a client that sends the session cookie. */
export async function signIn(token: string): Promise<Browser> {
  const res = await submit("/ui/login", { token });
  expect(res.status, await res.clone().text()).toBe(303);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] as string;
  const browser: Browser = {
    cookie,
    get: (path, headers = {}) =>
      exports.default.fetch(`${BASE}${path}`, { redirect: "manual", headers: { cookie, ...headers } }),
    post: (path, fields, headers = {}) => submit(path, fields, { cookie, ...headers }),
    csrf: async (path) => {
      const html = await (await browser.get(path)).text();
      const found = (await attributes(html, 'input[name="csrf"]', "value"))[0];
      if (!found) throw new Error(`no csrf field on ${path}`);
      return found;
    },
  };
  return browser;
}

/** Values of `attr` on every element matching `selector`, read by workerd's HTML parser. */
export async function attributes(html: string, selector: string, attr: string): Promise<string[]> {
  const found: string[] = [];
  await new HTMLRewriter()
    .on(selector, {
      element(e) {
        const value = e.getAttribute(attr);
        if (value !== null) found.push(decodeEntities(value));
      },
    })
    .transform(new Response(html))
    .text();
  return found;
}

/** The text of every element matching `selector` (entities decoded as a browser would show them). */
export async function texts(html: string, selector: string): Promise<string[]> {
  const found: string[] = [];
  let current: string | null = null;
  await new HTMLRewriter()
    .on(selector, {
      element(e) {
        current = "";
        found.push("");
        e.onEndTag(() => {
          current = null;
        });
      },
      text(t) {
        if (current === null) return;
        found[found.length - 1] += t.text;
      },
    })
    .transform(new Response(html))
    .text();
  return found.map(decodeEntities);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
