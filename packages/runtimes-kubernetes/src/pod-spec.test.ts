import { describe, expect, it } from 'vitest';
import { labelValue, ownerGone, ownerLabels, podLabels } from './labels.js';
import { podManifest, podName } from './pod-spec.js';

describe('pod names, labels and manifest', () => {
  it('names pods as DNS labels of at most 63 characters', () => {
    expect(podName('count_items-7fbfdd27')).toMatch(/^hud-count-items-7fbfdd27-[0-9a-f]{8}$/);
    const long = podName(`${'Ünïcode/Slug '.repeat(10)}`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(podName('!!!')).toMatch(/^hud-[0-9a-f]{8}$/);
  });

  it('makes label values valid and owner labels judge this live process not gone', () => {
    expect(labelValue('-host.example.com_')).toBe('host.example.com');
    expect(labelValue('a b/c')).toBe('a-b-c');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
    expect(ownerGone(ownerLabels())).toBe(false);
    expect(ownerGone({ ...ownerLabels(), 'hud.owner.host': 'another-host' })).toBe(false);
    expect(ownerGone({ ...ownerLabels(), 'hud.owner.pid': '999999999' })).toBe(true);
    const labels = podLabels({ job: 'job 1', extra: { 'hud.managed': '0', team: 'a' } });
    expect(labels).toMatchObject({ 'hud.managed': '1', 'hud.job': 'job-1', team: 'a' });
  });

  it('builds a one-container pod: Never restarted, deadline, resources, TCP readiness probe', () => {
    const pod = podManifest({
      name: 'hud-x-00000000',
      image: 'env:1',
      port: 8765,
      labels: { 'hud.managed': '1' },
      annotations: { 'hud.task': 'x' },
      settings: { resources: { cpu: '1' }, runTimeoutS: 30 },
      envVars: { A: 'b' },
      imagePullPolicy: 'Never',
    });
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      activeDeadlineSeconds: 30,
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'env',
          image: 'env:1',
          imagePullPolicy: 'Never',
          env: [{ name: 'A', value: 'b' }],
          ports: [{ containerPort: 8765, protocol: 'TCP' }],
          resources: { requests: { cpu: '1' }, limits: { cpu: '1' } },
          readinessProbe: { tcpSocket: { port: 8765 }, periodSeconds: 1 },
        },
      ],
    });
    const bare = podManifest({
      name: 'n',
      image: 'i',
      port: 1,
      labels: {},
      annotations: {},
      settings: { resources: {} },
    });
    expect(bare.spec?.activeDeadlineSeconds).toBeUndefined();
    expect(bare.spec?.containers[0]?.resources).toBeUndefined();
  });
});
