/**
 * A wake-up between concurrent loops (e.g. producers waiting for room in a queue, a consumer
 * waiting for items): `wait()` resolves at the next `notify()`, which wakes every waiter of the
 * moment. Nothing is remembered: a notify with no one waiting is lost, so a waiter checks its
 * condition right before waiting (no await in between) and again once woken.
 */
export class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
