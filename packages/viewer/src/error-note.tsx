import { ApiError } from './api.js';
import { saveKey } from './key.js';

function KeyForm() {
  return (
    <form
      class="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        const input = (event.currentTarget as HTMLFormElement).elements.namedItem('key');
        saveKey((input as HTMLInputElement).value.trim());
        window.location.reload();
      }}
    >
      <p>This server needs a HUD API key. It stays in this browser (localStorage).</p>
      <input type="password" name="key" placeholder="HUD API key" autocomplete="off" />
      <button type="submit">Use key</button>
    </form>
  );
}

/** An error as a page shows it: the server's message, or a key form when the server answered 401. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 401) return <KeyForm />;
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError && error.status > 0 ? ` (HTTP ${error.status})` : '';
  return (
    <p class="error" role="alert">
      {message}
      {status}
    </p>
  );
}
