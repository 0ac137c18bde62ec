/** Small pieces several pages share: state badges, features, the pager, empty states, notices. */
import type { Child } from "hono/jsx";
import type { DebugFileRecord, ListedStatus, PageLinks } from "../data";
import { FEATURE_LABEL, formatBytes } from "../format";

/** The symcache of a cataloged file: ready, failed, or not built (with why). */
export function SymcacheState(props: { record: DebugFileRecord }) {
  const { symcache, format } = props.record;
  switch (symcache.status) {
    case "ok":
      return (
        <>
          <span class="badge ok">Ready</span>
          {symcache.size !== undefined && <span class="second">{formatBytes(symcache.size)}</span>}
        </>
      );
    case "error":
      return (
        <>
          <span class="badge error">Error</span>
          <span class="second reason">{symcache.detail ?? "The symcache could not be built"}</span>
        </>
      );
    case "unsupported":
      return format === "sourcebundle" ? (
        <span class="badge info">Not needed</span>
      ) : (
        <>
          <span class="badge info">Not built</span>
          {symcache.detail && <span class="second">{symcache.detail.replace(/^Stored(;|:)\s*/, "")}</span>}
        </>
      );
  }
}

/** An upload the status mirror knows: queued, assembling, building its symcache, or failed. */
export function UploadState(props: { upload: ListedStatus }) {
  const { status } = props.upload;
  switch (status.state) {
    case "created":
      return <span class="badge busy">Queued</span>;
    case "assembling":
      return <span class="badge busy">{status.step === "symcache" ? "Building symcache" : "Assembling"}</span>;
    case "error":
      return <span class="badge error">Failed</span>;
  }
}

export function Features(props: { features: readonly string[] }) {
  if (props.features.length === 0) return <span class="hint">none</span>;
  return (
    <>
      {props.features.map((f) => (
        <span class="feature">{FEATURE_LABEL[f] ?? f}</span>
      ))}
    </>
  );
}

/** Sentry-style Previous / Next; a direction without results is shown disabled, not hidden. */
export function Pager(props: { links: PageLinks; href: (cursor: string) => string; label: string }) {
  const { previous, next } = props.links;
  if (!previous.results && !next.results) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      {previous.results ? (
        <a class="button secondary" href={props.href(previous.cursor)} rel="prev">
          ← Previous
        </a>
      ) : (
        <span class="button secondary" aria-disabled="true">
          ← Previous
        </span>
      )}
      {next.results ? (
        <a class="button secondary" href={props.href(next.cursor)} rel="next">
          Next →
        </a>
      ) : (
        <span class="button secondary" aria-disabled="true">
          Next →
        </span>
      )}
    </nav>
  );
}

export function Empty(props: { title: string; children?: Child }) {
  return (
    <section class="panel empty">
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Notice(props: { kind: "ok" | "error" | "info"; children?: Child }) {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

/** A command to copy: selectable text in a labelled block. */
export function Command(props: { label: string; text: string }) {
  return (
    <figure class="stack">
      <figcaption class="hint">{props.label}</figcaption>
      <pre tabindex={0}>
        <code>{props.text}</code>
      </pre>
    </figure>
  );
}
