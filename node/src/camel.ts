// The core's snake_case JSON (events, spend and limit lines) with the camelCase keys of
// openai-node's client-side objects: the keys renamed at run time, the declarations derived
// from the generated snake_case ones at the type level, so neither is written twice.

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** A generated shape with its keys (and its nested objects' keys) in camelCase. `tags`
 * keep the keys their owner wrote. */
export type Camelized<T> = T extends unknown
  ? { [K in keyof T as K extends string ? CamelCase<K> : K]: K extends 'tags' ? T[K] : CamelizedValue<T[K]> }
  : never;

type CamelizedValue<V> = V extends Array<infer E> ? Array<CamelizedValue<E>> : V extends object ? Camelized<V> : V;

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Every key renamed, except inside `tags` (a user's own names, such as `cost_center`). */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[camel(k)] = k === 'tags' ? v : camelKeys(v);
  return out;
}
