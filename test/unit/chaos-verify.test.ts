import { type Delivery, verify } from '../../chaos/verify';

const d = (k: string, n: number, pid = 1, attempt = 1): Delivery => ({ k, n, pid, attempt, at: 0 });

describe('chaos verify', () => {
  it('counts every record handled once as clean', () => {
    // Prepare
    const written = [
      { k: 'a', n: 0 },
      { k: 'a', n: 1 },
      { k: 'b', n: 0 },
    ];
    // Act
    const v = verify(written, [d('a', 0), d('b', 0), d('a', 1)], []);
    // Assess
    expect(v).toMatchObject({ written: 3, handled: 3, lost: 0, orderViolations: 0, duplicates: 0 });
  });

  it('names lost records and counts poison records found in the DLQ as dead-lettered', () => {
    const written = [
      { k: 'a', n: 0 },
      { k: 'a', n: 1, poison: true },
      { k: 'a', n: 2 },
    ];
    const v = verify(written, [d('a', 0)], [{ k: 'a', n: 1 }]);
    expect(v).toMatchObject({
      handled: 1,
      deadLettered: 1,
      lost: 1,
      lostSample: ['a#2'],
      unexpectedDeadLetters: 0,
    });
  });

  it('flags a record first delivered after a later record of its key', () => {
    const written = [
      { k: 'a', n: 0 },
      { k: 'a', n: 1 },
    ];
    const v = verify(written, [d('a', 1), d('a', 0)], []);
    expect(v.orderViolations).toBe(1);
    expect(v.orderSample).toEqual(['a#0 after a#1']);
  });

  it('does not count a redelivery as an order violation, and names its cause', () => {
    const written = [
      { k: 'a', n: 0 },
      { k: 'a', n: 1 },
      { k: 'a', n: 2 },
    ];
    const deliveries = [
      d('a', 0, 1),
      d('a', 1, 1),
      d('a', 0, 2),
      d('a', 1, 1, 2),
      d('a', 1, 1),
      d('a', 2, 2),
    ];
    const v = verify(written, deliveries, []);
    expect(v.orderViolations).toBe(0);
    expect(v.duplicates).toBe(3);
    expect(v.duplicateCauses).toEqual({ 'worker restart': 1, 'handler retry': 1, 'activity retried': 1 });
  });

  it('counts a record dead-lettered twice and a good record in the DLQ', () => {
    const written = [
      { k: 'a', n: 0, poison: true },
      { k: 'a', n: 1 },
    ];
    const v = verify(
      written,
      [],
      [
        { k: 'a', n: 0 },
        { k: 'a', n: 0 },
        { k: 'a', n: 1 },
      ],
    );
    expect(v).toMatchObject({ deadLettered: 2, dlqDuplicates: 1, unexpectedDeadLetters: 1, lost: 0 });
  });
});
