// One organization listing for many stacks: discovery runs once per spoke stack (each with its own
// include/exclude/OU/shard config), and every run lists the same accounts. Memoizing the client's
// `send` by command and input turns N full listings into one, which matters at 5,000 accounts.

type Send = (command: { input?: unknown }, ...rest: unknown[]) => Promise<unknown>;

/** A view of `client` whose `send` answers a repeated command (same class, same input) from memory. */
export function memoizeSend<C extends object>(client: C): C {
  const original = (client as unknown as { send: Send }).send.bind(client);
  const cache = new Map<string, Promise<unknown>>();
  const send: Send = (command, ...rest) => {
    const key = `${command.constructor.name}:${JSON.stringify(command.input ?? {})}`;
    let result = cache.get(key);
    if (!result) {
      result = original(command, ...rest);
      cache.set(key, result);
      // A failure is not remembered: the next caller retries.
      result.catch(() => cache.delete(key));
    }
    return result;
  };
  return new Proxy(client, {
    get: (target, prop, receiver) => (prop === "send" ? send : Reflect.get(target, prop, receiver)),
  });
}
