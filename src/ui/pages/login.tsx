/** Sign in: paste a token once. */
import { paths } from "../context";
import { Layout } from "./layout";
import { Notice } from "./components";

export function LoginPage(props: { next?: string | undefined; error?: string; signedOut?: boolean }) {
  return (
    <Layout title="Sign in">
      <section class="login panel stack">
        <h1>Sign in</h1>
        <p class="sub">
          Paste an API token of your organization (the one <code>sentry-cli</code> uploads with, or a read-only one). It
          is checked once; the browser then keeps only a session cookie, never the token.
        </p>
        {props.signedOut && <Notice kind="ok">You are signed out.</Notice>}
        {props.error && <Notice kind="error">{props.error}</Notice>}
        <form method="post" action={paths.login()} class="stack" data-busy="Signing in…">
          {props.next && <input type="hidden" name="next" value={props.next} />}
          <div>
            <label for="token">API token</label>
            <input
              id="token"
              name="token"
              type="password"
              autocomplete="off"
              spellcheck={false}
              required
              aria-describedby="token-hint"
              autofocus
            />
            <p id="token-hint" class="hint">
              <code>sntryu_…</code> or <code>sntrys_…</code>. Mint one with <code>npm run token -- &lt;org&gt;</code>.
            </p>
          </div>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}
