// Objects whose JSON text is already at hand (the watch hub keeps every polled object as JSON): a list item may be
// just the object's metadata skeleton (what selectors and sorting look at) with its full text registered here, so a
// JSON list answer writes that text as it is instead of building and serializing the object again.
import type { KubeObject } from '../types.js';

const texts = new WeakMap<KubeObject, string>();

/** `skeleton` (apiVersion, kind, metadata for selectors) standing for the object serialized as `json`. */
export function serializedItem(skeleton: KubeObject, json: string): KubeObject {
  texts.set(skeleton, json);
  return skeleton;
}

export function serializedText(item: KubeObject): string | undefined {
  return texts.get(item);
}

/** The whole object of a list item (parsed from its text when it is a skeleton). */
export function fullObject(item: KubeObject): KubeObject {
  const text = texts.get(item);
  return text === undefined ? item : (JSON.parse(text) as KubeObject);
}
