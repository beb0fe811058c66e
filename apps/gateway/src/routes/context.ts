import type { Authenticator } from '../http/auth.js';
import type { GatewayStore } from '../store/store.js';

/** Request-body limits in bytes. */
export interface BodyLimits {
  /** Every route without a limit of its own (default 1 MiB). */
  default: number;
  /** Span uploads (default 64 MiB: hud-python batches up to 4 MiB, but one span may carry images). */
  telemetry: number;
  /** Task uploads (default 32 MiB). */
  tasks: number;
}

/** Device-flow timing (RFC 8628). */
export interface DeviceFlowOptions {
  /** Seconds a device code stays valid (default 600). */
  codeTtlSeconds: number;
  /** Seconds a client waits between polls (default 5, hud-python's default too). */
  pollIntervalSeconds: number;
}

/** What every route plugin gets. */
export interface RouteContext {
  store: GatewayStore;
  authenticator: Authenticator;
  limits: BodyLimits;
  device: DeviceFlowOptions;
  /** The URL people reach the gateway at (for the device page link); else taken from the request. */
  publicUrl: string | undefined;
  /** The package version, shown by `/health`. */
  version: string;
}
