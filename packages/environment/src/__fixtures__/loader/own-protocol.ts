/** Resolves @hud/protocol from this package's own node_modules (so a lent fallback must not replace it). */
export { ErrorCode } from '@hud/protocol';
