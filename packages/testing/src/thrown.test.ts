import { HudError, ProtocolError } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { rejectedError, rejectionOf, thrownBy, thrownError } from './thrown.js';

describe('thrown / rejected helpers', () => {
  it('give what was thrown or rejected, and fail when nothing was', async () => {
    const boom = new Error('boom');
    expect(
      thrownBy(() => {
        throw boom;
      }),
    ).toBe(boom);
    expect(() => thrownBy(() => 5)).toThrow('expected a throw');
    expect(await rejectionOf(Promise.reject(boom))).toBe(boom);
    await expect(rejectionOf(Promise.resolve(5))).rejects.toThrow('expected a rejection, got 5');
  });

  it('narrow to an error class, rethrowing an error of another class', async () => {
    const hud = new HudError('timeout', 'late');
    const wire = new ProtocolError(-32000, 'boom');
    expect(
      thrownError(HudError, () => {
        throw hud;
      }).code,
    ).toBe('timeout');
    expect(() =>
      thrownError(HudError, () => {
        throw wire;
      }),
    ).toThrow(wire);
    expect((await rejectedError(HudError, Promise.reject(hud))).code).toBe('timeout');
    await expect(rejectedError(HudError, Promise.reject(wire))).rejects.toBe(wire);
    await expect(rejectedError(HudError, Promise.resolve('ok'))).rejects.toThrow(
      'expected a rejection, got ok',
    );
  });
});
