/** A value that survives JSON.stringify/parse unchanged: what checkpoints and source states hold. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
