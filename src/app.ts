/**
 * The HTTP API: Sentry's routes for sentry-cli, the admin routes, symbolication.
 * Routes end in `/` and never redirect: sentry-cli does not follow redirects.
 */
import { Hono } from "hono";
import type { Env } from "./env";
import { renderError } from "./errors";
import { adminRoutes } from "./routes/admin";
import { assembleRoutes } from "./routes/assemble";
import { chunkUploadRoutes } from "./routes/chunk-upload";
import { breakpadStoreRoutes } from "./routes/breakpad-store";
import { debugFileRoutes } from "./routes/debug-files";
import { debuginfodRoutes } from "./routes/debuginfod";
import { apiIndexRoutes, organizationRoutes } from "./routes/organizations";
import { symbolicateRoutes } from "./routes/symbolicate";
import { symstoreRoutes } from "./routes/symstore";
import { uiRoutes } from "./ui/app";

// Not strict: `/x` and `/x/` both match, never a redirect. Paths are written without the trailing
// slash: a route registered as `/x/` matches nothing when not strict.
export const app = new Hono<{ Bindings: Env }>({ strict: false });

app.get("/", (c) => c.json({ service: "symbol-service", api: "/api/0/" }));
app.route("/api/0", apiIndexRoutes);
app.route("/api/0/organizations", organizationRoutes);

app.route("/api/0/admin", adminRoutes);
app.route("/api/0/organizations/:org/chunk-upload", chunkUploadRoutes);
app.route("/api/0/projects/:org/:project/files/difs/assemble", assembleRoutes);
app.route("/api/0/projects/:org/:project/files/dsyms", debugFileRoutes);
app.route("/api/0/projects/:org/:project/symbolicate", symbolicateRoutes);
app.route("/debuginfod/:org", debuginfodRoutes);
app.route("/symstore/:org/:project", symstoreRoutes);
app.route("/breakpad/:org/:project", breakpadStoreRoutes);
// The web page (HTML, session cookie); it never answers under /api/.
app.route("/ui", uiRoutes);

app.onError(renderError);
// sentry-cli parses every body: unknown routes answer JSON too.
app.notFound((c) => c.json({ detail: "The requested resource does not exist" }, 404));
