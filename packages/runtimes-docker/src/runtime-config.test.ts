import { describe, expect, it } from 'vitest';
import { demuxLogs, lastLines } from './container-logs.js';
import { DockerRuntimeError } from './errors.js';
import { containerSettings, mergeRuntimeConfig } from './runtime-config.js';

describe('containerSettings', () => {
  it('maps resources and limits to engine units', () => {
    expect(
      containerSettings(
        {
          image: 'env:1',
          resources: { cpu: 1.5, memory_mb: 256, storage_mb: 100, gpu: { count: 2 } },
          limits: { startup_timeout_s: 30, run_timeout_s: 600 },
        },
        't',
      ),
    ).toEqual({
      image: 'env:1',
      nanoCpus: 1_500_000_000,
      memoryBytes: 256 * 1024 * 1024,
      storageMb: 100,
      gpuCount: 2,
      startupTimeoutMs: 30_000,
      runTimeoutMs: 600_000,
    });
    expect(containerSettings(null, 't')).toEqual({});
  });

  it.each([
    [{ imag: 'x' }, 'invalid_argument', /unknown key 'imag'/],
    [{ resources: { cpus: 2 } }, 'invalid_argument', /resources\.cpus/],
    [{ resources: { cpu: 0 } }, 'invalid_argument', /positive/],
    [{ limits: { run_timeout_s: '10' } }, 'invalid_argument', /positive/],
    [{ compose: { document: 'c.yaml' } }, 'unsupported', /compose/],
    [{ resources: { gpu: { type: 'H100' } } }, 'unsupported', /GPU type/],
    [{ resources: { os: 'windows' } }, 'unsupported', /operating system/],
  ])('refuses %j', (config, code, message) => {
    let thrown: unknown;
    try {
      containerSettings(config as never, 'the-task');
    } catch (error) {
      thrown = error;
    }
    expect(DockerRuntimeError.isInstance(thrown)).toBe(true);
    expect((thrown as DockerRuntimeError).code).toBe(code);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).toContain('the-task');
  });
});

describe('mergeRuntimeConfig', () => {
  it('lays the task over the provider section by section', () => {
    expect(
      mergeRuntimeConfig(
        { image: 'base', resources: { cpu: 1, memory_mb: 512 }, limits: { run_timeout_s: 60 } },
        { resources: { cpu: 2 }, image: 'task' },
      ),
    ).toEqual({
      image: 'task',
      resources: { cpu: 2, memory_mb: 512 },
      limits: { run_timeout_s: 60 },
    });
    expect(mergeRuntimeConfig(undefined, null)).toEqual({});
  });
});

describe('demuxLogs', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('joins stdout and stderr frames in order', () => {
    expect(
      demuxLogs(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err\n'), frame(1, 'out 2\n')])),
    ).toBe('out 1\nerr\nout 2\n');
  });

  it('returns TTY output as is', () => {
    expect(demuxLogs(Buffer.from('plain text\nmore\n'))).toBe('plain text\nmore\n');
  });

  it('keeps the last lines', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
  });
});
