/** `text` with the five HTML-special characters escaped. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The Content-Security-Policy of the device pages: no scripts, no outside resources, forms post here. */
export const DEVICE_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · hud gateway</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; }
  label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; }
  input[name=user_code] { font-family: ui-monospace, monospace; letter-spacing: 0.1em; text-transform: uppercase; }
  .buttons { margin-top: 1.5rem; display: flex; gap: 0.75rem; }
  button { padding: 0.5rem 1.25rem; font: inherit; cursor: pointer; }
  .note { color: #555; font-size: 0.9rem; }
  .error { color: #b00020; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The approval form: the user code (prefilled from `?code=`) and the approver's API key. */
export function approvalForm(options: { userCode: string; error?: string }): string {
  const error = options.error ? `<p class="error">${escapeHtml(options.error)}</p>` : '';
  return page(
    'Connect the hud CLI',
    `<h1>Connect the hud CLI</h1>
<p>A <code>hud login</code> is waiting for approval. Check that the code below is the one your terminal
shows, then sign in with an API key of this gateway: the CLI gets a new key of the same team.</p>
${error}
<form method="post" action="/device">
  <label for="user_code">Code shown by <code>hud login</code></label>
  <input id="user_code" name="user_code" value="${escapeHtml(options.userCode)}" autocomplete="off" required>
  <label for="api_key">Your API key</label>
  <input id="api_key" name="api_key" type="password" autocomplete="off" required>
  <div class="buttons">
    <button type="submit" name="action" value="approve">Approve</button>
    <button type="submit" name="action" value="deny">Deny</button>
  </div>
</form>
<p class="note">The key is used for this approval only and is not stored by the page.</p>`,
  );
}

/** The page after a decision. */
export function decisionPage(options: { approved: boolean; team: string }): string {
  return options.approved
    ? page(
        'CLI connected',
        `<h1>CLI connected</h1><p>The terminal running <code>hud login</code> now receives a key of team
<strong>${escapeHtml(options.team)}</strong>. You can close this page.</p>`,
      )
    : page(
        'Login denied',
        '<h1>Login denied</h1><p>The terminal running <code>hud login</code> was refused. You can close this page.</p>',
      );
}
