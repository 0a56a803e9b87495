type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
/** A generated shape with its keys (and its nested objects' keys) in camelCase. `tags`
 * keep the keys their owner wrote. */
export type Camelized<T> = T extends unknown ? {
    [K in keyof T as K extends string ? CamelCase<K> : K]: K extends 'tags' ? T[K] : CamelizedValue<T[K]>;
} : never;
type CamelizedValue<V> = V extends Array<infer E> ? Array<CamelizedValue<E>> : V extends object ? Camelized<V> : V;
/** Every key renamed, except inside `tags` (a user's own names, such as `cost_center`). */
export declare function camelKeys(value: unknown): unknown;
export {};
