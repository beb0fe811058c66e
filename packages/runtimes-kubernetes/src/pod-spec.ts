import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodSettings } from './runtime-config.js';

/** The name of the one container of a rollout pod. */
export const CONTAINER_NAME = 'env';

/** What {@link podManifest} needs. */
export interface PodSpecInput {
  name: string;
  image: string;
  /** The control port the image's CMD serves on. */
  port: number;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  settings: PodSettings;
  envVars?: Readonly<Record<string, string>>;
  /** `imagePullPolicy` (default: the cluster's, `IfNotPresent` for tagged images). */
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  serviceAccountName?: string;
}

/**
 * A pod name for `slug`: `hud-<slug as DNS-1123>-<8 hex>`, at most 63 characters (a DNS label, so it
 * can also be the pod's host name).
 */
export function podName(slug: string): string {
  const base = slug
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `hud-${base ? `${base}-` : ''}${randomBytes(4).toString('hex')}`;
}

/**
 * The pod of one rollout: one container `env` of `image`, `restartPolicy: Never` (a crashed environment
 * is a failed rollout, not a restart), `activeDeadlineSeconds` from `limits.run_timeout_s`, the resources
 * as requests and limits, a TCP readiness probe on the control port, hud's labels, the task annotation.
 */
export function podManifest(input: PodSpecInput): V1Pod {
  const { settings } = input;
  const resources = Object.keys(settings.resources).length
    ? { requests: { ...settings.resources }, limits: { ...settings.resources } }
    : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      labels: { ...input.labels },
      annotations: { ...input.annotations },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      ...(input.serviceAccountName ? { serviceAccountName: input.serviceAccountName } : {}),
      ...(settings.runTimeoutS !== undefined
        ? { activeDeadlineSeconds: settings.runTimeoutS }
        : {}),
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: CONTAINER_NAME,
          image: input.image,
          ...(input.imagePullPolicy ? { imagePullPolicy: input.imagePullPolicy } : {}),
          ports: [{ name: 'hud-control', containerPort: input.port, protocol: 'TCP' }],
          env: Object.entries(input.envVars ?? {}).map(([name, value]) => ({ name, value })),
          ...(resources ? { resources } : {}),
          readinessProbe: {
            tcpSocket: { port: input.port },
            periodSeconds: 1,
            failureThreshold: 1,
            successThreshold: 1,
          },
        },
      ],
    },
  };
}
