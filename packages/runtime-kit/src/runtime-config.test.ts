import { describe, expect, it } from 'vitest';
import { mergeRuntimeConfig, RuntimeConfigReader, sandboxSettings } from './runtime-config.js';

class TestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const options = {
  error: (code: 'invalid_argument' | 'unsupported', message: string) =>
    new TestError(code, message),
  compose: 'the test runtime runs one image per sandbox',
  resources: 'test sandboxes cannot provide it',
};

/** The error `run` throws, as `{code, message}`. */
function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    const { code, message } = error as TestError;
    return { code, message };
  }
  throw new Error('did not throw');
}

describe('mergeRuntimeConfig', () => {
  it('lays a task config over the provider one section by section', () => {
    expect(
      mergeRuntimeConfig(
        { resources: { cpu: 1, memory_mb: 256 }, limits: { run_timeout_s: 60 } },
        { resources: { cpu: 2 } },
      ),
    ).toEqual({ resources: { cpu: 2, memory_mb: 256 }, limits: { run_timeout_s: 60 } });
    expect(
      mergeRuntimeConfig({ image: 'a', resources: { cpu: 1 } }, { image: 'b', resources: null }),
    ).toEqual({ image: 'b', resources: null });
    expect(mergeRuntimeConfig(null, undefined)).toEqual({});
  });
});

describe('sandboxSettings', () => {
  it('reads the image, resources in their units and limits in ms, leaving out what is unset', () => {
    expect(
      sandboxSettings(
        {
          image: 'registry.example.com/env:1',
          resources: { cpu: 1.5, memory_mb: 512, storage_mb: 1024 },
          limits: { startup_timeout_s: 90, run_timeout_s: 600.5 },
        },
        'slug',
        options,
      ),
    ).toEqual({
      image: 'registry.example.com/env:1',
      cpu: 1.5,
      memoryMb: 512,
      storageMb: 1024,
      startupTimeoutMs: 90_000,
      runTimeoutMs: 600_500,
    });
    expect(sandboxSettings({ resources: { cpu: 2 }, limits: null }, 's', options)).toEqual({
      cpu: 2,
    });
    expect(sandboxSettings(undefined, 's', options)).toEqual({});
  });

  it('refuses what the runtime cannot honour with its own error and reason, naming the task', () => {
    expect(failure(() => sandboxSettings({ compose: {} }, 't1', options))).toEqual({
      code: 'unsupported',
      message: "task 't1' asks for a compose project: the test runtime runs one image per sandbox",
    });
    for (const key of ['gpu', 'os', 'tpu']) {
      expect(failure(() => sandboxSettings({ resources: { [key]: 1 } }, 't2', options))).toEqual({
        code: 'unsupported',
        message: `task 't2' asks for resources.${key}: test sandboxes cannot provide it`,
      });
    }
  });

  it('refuses malformed values naming the task and the key', () => {
    const cases: [unknown, string][] = [
      [{ nodes: 3 }, "unknown key 'nodes'"],
      [{ image: ' ' }, 'image must be a non-empty string'],
      [{ image: 3 }, 'image must be a non-empty string'],
      [{ resources: [] }, 'resources must be an object'],
      [{ resources: { disk: 1 } }, 'unknown key resources.disk'],
      [{ limits: { idle_s: 1 } }, 'unknown key limits.idle_s'],
      [{ resources: { cpu: -1 } }, 'resources.cpu must be a positive number, got -1'],
      [
        { resources: { memory_mb: '1G' } },
        'resources.memory_mb must be a positive number, got "1G"',
      ],
      [{ limits: { run_timeout_s: 0 } }, 'limits.run_timeout_s must be a positive number, got 0'],
    ];
    for (const [config, message] of cases) {
      expect(failure(() => sandboxSettings(config as never, 't3', options))).toEqual({
        code: 'invalid_argument',
        message: `runtime_config of 't3': ${message}`,
      });
    }
  });
});

describe('RuntimeConfigReader', () => {
  it('lets a runtime with its own settings shape reuse the checks', () => {
    const read = new RuntimeConfigReader('t4', options.error);
    expect(read.positive(undefined, 'x')).toBeUndefined();
    expect(read.positive(2.5, 'x')).toBe(2.5);
    expect(read.section({ resources: { gpu: { count: 1 } } }, 'resources')).toEqual({
      gpu: { count: 1 },
    });
    expect(read.image({ image: null })).toBeUndefined();
    expect(failure(() => read.checkKeys({ image: 'a', extra: 1 }))).toEqual({
      code: 'invalid_argument',
      message: "runtime_config of 't4': unknown key 'extra'",
    });
    expect(read.unsupported('no GPUs here')).toMatchObject({
      code: 'unsupported',
      message: 'no GPUs here',
    });
  });
});
