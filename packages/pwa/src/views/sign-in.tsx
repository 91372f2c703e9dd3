import { createSignal, Show } from 'solid-js';

/** Checks a token against the API; resolves to an error message, or undefined when it is accepted. */
export type TokenCheck = (token: string) => Promise<string | undefined>;

/** Sign in with an API token; the token is kept on this device. */
export function SignIn(props: { check: TokenCheck; onSignedIn: (token: string) => void }) {
  const [token, setToken] = createSignal('');
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const value = token().trim();
    if (!value) {
      setError('Enter your API token');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const problem = await props.check(value);
      if (problem) setError(problem);
      else props.onSignedIn(value);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>VeloZ Operator</h1>
      <form onSubmit={submit} novalidate aria-describedby="token-help">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          value={token()}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-invalid={error() ? 'true' : undefined}
          aria-describedby={error() ? 'token-error' : undefined}
        />
        <p id="token-help" class="help">
          Kept on this device only. Ask your administrator for a viewer or operator token.
        </p>
        <Show when={error()}>
          <p id="token-error" class="error" role="alert">
            {error()}
          </p>
        </Show>
        <button type="submit" class="primary" disabled={busy()}>
          {busy() ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
