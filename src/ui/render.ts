/** Rendering helpers shared by the handlers. */
import type { Env } from "../env";

/** JSX (hono/jsx) to a string: components here are synchronous, but the type allows a promise. */
export async function renderToString(node: { toString(): string | Promise<string> }): Promise<string> {
  return String(await node.toString());
}

/** The root URL people and tools use for this service: PUBLIC_URL, else the request's origin. */
export function publicOrigin(env: Env, requestUrl: string): string {
  return (env.PUBLIC_URL || new URL(requestUrl).origin).replace(/\/+$/, "");
}
