/**
 * The web page's only script, served from the Worker as a string (wrangler bundles a `.js`
 * import as code, never as text). Plain browser JavaScript, no build step.
 */
export const LIVE_SCRIPT = String.raw`// The web page's only script (the CSP forbids inline ones). Two jobs:
// 1. The region marked data-live-url (uploads in flight and the file list) refreshes itself:
//    every 2 s while uploads are pending, every 5 s otherwise, never while the tab is hidden
//    or while keyboard focus is inside it; If-None-Match makes an unchanged answer a bodiless 304.
// 2. A form marked data-busy disables its button and shows its loading label while it is sent.
(() => {
  "use strict";
  const region = document.querySelector("[data-live-url]");
  const status = document.getElementById("live-status");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  if (region) {
    let failures = 0;
    let stopped = false;
    const schedule = () => {
      if (stopped) return;
      const pending = region.querySelector("[data-pending]") !== null;
      const ms = failures > 0 ? Math.min(30000, 2000 * 2 ** failures) : pending ? 2000 : 5000;
      setTimeout(tick, ms);
    };
    const tick = async () => {
      if (document.hidden) return schedule();
      try {
        const res = await fetch(region.dataset.liveUrl, {
          headers: { "If-None-Match": region.dataset.etag || "", "X-Live": "1" },
          cache: "no-store",
          redirect: "error",
        });
        if (res.status === 401) {
          stopped = true;
          say("Your session ended. Reload the page to sign in again.");
          return;
        }
        if (res.status !== 200 && res.status !== 304) throw new Error(String(res.status));
        if (res.status === 200) {
          const html = await res.text();
          if (!region.contains(document.activeElement)) {
            const fresh = new DOMParser().parseFromString(html, "text/html").body.firstElementChild;
            if (fresh) {
              region.replaceChildren(...fresh.childNodes);
              region.dataset.etag = res.headers.get("ETag") || "";
            }
          }
        }
        failures = 0;
        say("");
      } catch {
        failures++;
        say("Live updates paused: the service did not answer. Retrying…");
      }
      schedule();
    };
    schedule();
  }
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = form.dataset.busy;
      }
      form.setAttribute("aria-busy", "true");
    });
  }
})();
`;
