import { describe, expect, it } from 'vitest';
import { podSettings } from './runtime-config.js';

describe('podSettings', () => {
  it('maps resources to Kubernetes quantities and limits to the pod deadline', () => {
    expect(
      podSettings(
        {
          image: 'registry.example.com/env:1',
          resources: { cpu: 1.5, memory_mb: 512, storage_mb: 1024, gpu: { count: 2 } },
          limits: { startup_timeout_s: 90, run_timeout_s: 600.5 },
        },
        'slug',
      ),
    ).toEqual({
      image: 'registry.example.com/env:1',
      resources: {
        cpu: '1.5',
        memory: '512Mi',
        'ephemeral-storage': '1024Mi',
        'nvidia.com/gpu': '2',
      },
      startupTimeoutMs: 90_000,
      runTimeoutS: 601,
    });
    expect(podSettings(undefined, 'slug')).toEqual({ resources: {} });
  });

  it('refuses what it cannot honour and malformed values, naming the task and key', () => {
    expect(() => podSettings({ compose: {} }, 't1')).toThrow(
      /task 't1' asks for a compose project/,
    );
    expect(() => podSettings({ resources: { gpu: { type: 'a100' } } }, 't2')).toThrow(
      /task 't2' asks for GPU type "a100": the Kubernetes runtime can request a GPU count only/,
    );
    expect(() => podSettings({ resources: { cpu: -1 } }, 't3')).toThrow(
      "runtime_config of 't3': resources.cpu must be a positive number, got -1",
    );
    expect(() => podSettings({ resources: { disk: 1 } }, 't4')).toThrow(
      "runtime_config of 't4': unknown key resources.disk",
    );
    expect(() => podSettings({ nodes: 3 }, 't5')).toThrow(
      "runtime_config of 't5': unknown key 'nodes'",
    );
  });
});
