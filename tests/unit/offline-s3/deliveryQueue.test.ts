import { DeliveryQueue } from '../../../infra/local/offline-s3/deliveryQueue';

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('DeliveryQueue', () => {
  it('new objects and the start-up sweep backlog take turns, new first, each lane oldest first', () => {
    const q = new DeliveryQueue<string>({ new: 2, sweep: 3 });
    q.add(keys('old', 7), 'sweep');
    q.add(['a'], 'new');
    q.add(['b', 'c'], 'new');
    expect(q.objectCount).toBe(10);
    const order = [];
    for (let b = q.take(0); b; b = q.take(0)) order.push(`${b.kind}:${b.objects.join(',')}`);
    expect(order).toEqual(['new:a,b', 'sweep:old0,old1,old2', 'new:c', 'sweep:old3,old4,old5', 'sweep:old6']);
    expect(q.objectCount).toBe(0);
  });

  it('a steady stream of new objects does not starve the sweep, nor the sweep new objects', () => {
    const q = new DeliveryQueue<string>({ new: 1, sweep: 1 });
    q.add(keys('old', 3), 'sweep');
    const taken: string[] = [];
    for (let i = 0; i < 6; i++) {
      q.add([`n${i}`], 'new'); // one more arrives before each delivery
      taken.push(q.take(0)!.objects[0]!);
    }
    expect(taken).toEqual(['n0', 'old0', 'n1', 'old1', 'n2', 'old2']);
  });

  it('tops up the last new batch but never a batch that failed', () => {
    const q = new DeliveryQueue<string>({ new: 3, sweep: 3 });
    q.add(['a'], 'new');
    const failed = q.take(0)!;
    failed.failures = 1;
    failed.notBefore = 100;
    q.putBack(failed);
    q.add(['b'], 'new');
    q.add(['c'], 'new');
    expect(q.take(50)?.objects).toEqual(['b', 'c']);
    expect(q.take(50)).toBeUndefined();
    expect(q.nextRetryAt(50)).toBe(100);
    expect(q.take(100)?.objects).toEqual(['a']);
  });

  it('a retried batch goes at the head of its lane once its backoff has passed, while others go meanwhile', () => {
    const q = new DeliveryQueue<string>({ new: 1, sweep: 1 });
    q.add(['s1', 's2'], 'sweep');
    const s1 = q.take(0)!;
    s1.failures = 1;
    s1.notBefore = 10;
    q.putBack(s1);
    expect(q.take(5)?.objects).toEqual(['s2']);
    expect(q.nextRetryAt(5)).toBe(10);
    q.add(['n1'], 'new');
    expect(q.nextRetryAt(5)).toBeUndefined(); // something may go now
    expect(q.take(20)?.objects).toEqual(['n1']);
    expect(q.take(20)?.objects).toEqual(['s1']);
  });
});
