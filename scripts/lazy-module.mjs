// Bundled into the daemon (scripts/bundle.mjs, `lazyStartPlugin`): stand-ins for modules that the daemon
// needs only for some requests, so that starting it does not parse or evaluate them (issue 13).

/**
 * `load` called once, on the first call of the returned function; later calls return its result.
 * @template T
 * @param {() => T} load
 * @returns {() => T}
 */
export function once(load) {
  let loaded = false;
  let value;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value;
  };
}

/**
 * A stand-in for the value `load()` returns (a module object, a function or a class), which calls `load` at
 * its first use: reading a property, calling it, `new`, `in`, `instanceof` (a class's `prototype` is read
 * through it). Methods read from it are bound to the real value. Enumerating its keys does not load it
 * (it has none): nothing in the daemon enumerates a module it loads this way.
 * @param {() => any} load returns the same value at every call (see {@link once}).
 * @returns {any}
 */
export function lazy(load) {
  return new Proxy(function lazyStandIn() {}, {
    get(_, key) {
      const real = load();
      const value = Reflect.get(real, key);
      // A method (no prototype of its own, unlike a function or class) keeps the real value as `this`.
      return typeof value === 'function' && value.prototype === undefined ? value.bind(real) : value;
    },
    set: (_, key, value) => Reflect.set(load(), key, value),
    // The stand-in's own `prototype` cannot be denied (a Proxy invariant).
    has: (target, key) => key in load() || Reflect.has(target, key),
    apply: (_, self, args) => Reflect.apply(load(), self, args),
    construct: (_, args) => Reflect.construct(load(), args),
  });
}
