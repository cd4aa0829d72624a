/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (ES2024) in every Task state. Node 20 does
 * not have it, so without this every Task fails with "Promise.withResolvers is not a function".
 * Importing this module installs it once; the engine's entry imports it before anything else.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

/** Installs `Promise.withResolvers` if the runtime lacks it. Safe to call more than once. */
export function installPromiseWithResolvers(): void {
  // The ES2023 lib the project compiles against does not declare withResolvers, hence the cast.
  const promiseCtor = Promise as unknown as { withResolvers?: unknown };
  if (typeof promiseCtor.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

installPromiseWithResolvers();
