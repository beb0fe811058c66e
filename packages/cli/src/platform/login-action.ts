import os from 'node:os';
import { loadSettings, setUserSetting } from '../settings.js';
import { CLI_VERSION } from '../version.js';
import { platformClient } from './client.js';
import { type DeviceCode, deviceLogin } from './device-flow.js';

/** How long `expires_in` seconds is, for people: `10 minutes`, `45 seconds`. */
function duration(seconds: number): string {
  if (seconds >= 120) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds)} seconds`;
}

/**
 * The action of `hud login`: the RFC 8628 device flow against `HUD_API_URL` (see {@link deviceLogin}); the
 * approved key is saved as `HUD_API_KEY` in `~/.hud/.env` and never printed.
 * @throws LoginError when the code expires or the login is denied; PlatformError when the platform cannot
 *   be reached or refuses the code request.
 */
export async function loginAction(flags: { quiet?: boolean }): Promise<void> {
  const settings = loadSettings();
  const client = platformClient(settings);
  const show = (code: DeviceCode) => {
    const link = code.verification_uri_complete ?? code.verification_uri;
    if (flags.quiet) {
      console.log(`${code.user_code} ${link}`);
      return;
    }
    console.log(`To sign in to ${client.urls.api}, open ${link}`);
    console.log(
      `and approve the code ${code.user_code} (it expires in ${duration(code.expires_in)}).`,
    );
    console.log('Waiting for approval…');
  };
  const login = await deviceLogin({
    client,
    clientName: os.hostname(),
    clientVersion: CLI_VERSION,
    onCode: show,
  });
  const file = setUserSetting('HUD_API_KEY', login.apiKey);
  if (!flags.quiet) {
    const who = [login.team && `team ${login.team}`, login.email].filter(Boolean).join(', ');
    console.log(`Logged in${who ? ` (${who})` : ''}: the API key is saved in ${file}`);
  }
  if (loadSettings().HUD_API_KEY !== login.apiKey) {
    console.error(
      'note: another HUD_API_KEY (in the environment or ./.env) takes precedence over the saved key: remove it to use the new one',
    );
  }
}
