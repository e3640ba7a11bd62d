import { PORT_RACE_ATTEMPTS, retryPortRace } from '../../src/local/ports';

describe('retryPortRace', () => {
  it('starts again when a picked port was taken, then returns what the start returned', async () => {
    // Prepare
    let calls = 0;
    const start = async (): Promise<string> => {
      calls++;
      if (calls === 1) throw new Error('listen EADDRINUSE: address already in use 127.0.0.1:4567');
      return 'up';
    };
    // Act / Assess
    await expect(retryPortRace(start)).resolves.toBe('up');
    expect(calls).toBe(2);
  });

  it(`gives up after ${PORT_RACE_ATTEMPTS} lost races with the last error`, async () => {
    let calls = 0;
    const start = async (): Promise<never> => {
      calls++;
      throw new Error(`Prometheus failed to start: bind: address already in use (try ${calls})`);
    };
    await expect(retryPortRace(start)).rejects.toThrow(`(try ${PORT_RACE_ATTEMPTS})`);
    expect(calls).toBe(PORT_RACE_ATTEMPTS);
  });

  it('does not retry any other failure', async () => {
    let calls = 0;
    const start = async (): Promise<never> => {
      calls++;
      throw new Error('kinesalite failed to start: ENOENT');
    };
    await expect(retryPortRace(start)).rejects.toThrow('ENOENT');
    expect(calls).toBe(1);
  });
});
