import t from 'tap';
import { thrownStatus } from './thrown.js';
import { MAX_BODY_NODES, checkBodyBounds, parseJson, parseYaml } from '../../../apiserver/k8s/serve/body-bounds.js';
import { YAML_SELF_ALIAS, yamlAliasBomb, yamlDeepFlow, yamlMergeKeyBomb } from '../../support/hostile.js';

t.test('an alias bomb is refused with 413 after a bounded walk, at any level count', async (t) => {
  for (const levels of [6, 8, 11, 20]) {
    const started = performance.now();
    t.match(thrownStatus(() => parseYaml(yamlAliasBomb(levels))), { code: 413, reason: 'RequestEntityTooLarge' }, `${levels} levels`);
    t.comment(`${levels} levels (${yamlAliasBomb(levels).length} bytes): refused in ${(performance.now() - started).toFixed(0)} ms`);
  }
});

t.test('a merge-key bomb and a cyclic anchor are refused too', async (t) => {
  t.match(thrownStatus(() => parseYaml(yamlMergeKeyBomb(10))), { code: 413 });
  // Unbounded as expanded: the walk reaches the depth limit (400) before the value count (413).
  const cyclic = thrownStatus(() => parseYaml(YAML_SELF_ALIAS));
  t.ok(cyclic && [400, 413].includes(cyclic.code), `a cyclic anchor: ${cyclic?.code} ${cyclic?.message}`);
});

t.test('deep flow collections are refused while parsing (400), not by a stack overflow', async (t) => {
  for (const kind of ['sequence', 'mapping'] as const) {
    t.match(thrownStatus(() => parseYaml(yamlDeepFlow(100_000, kind))), { code: 400, message: /maxDepth/ }, kind);
  }
});

t.test('ordinary YAML with a few aliases and merge keys decodes as before', async (t) => {
  const text = 'base: &b {image: flink, tag: "1.19"}\nspec:\n  <<: *b\n  tag: "1.20"\n  copies: [*b, *b]';
  t.same(parseYaml(text), { base: { image: 'flink', tag: '1.19' }, spec: { image: 'flink', tag: '1.20', copies: [{ image: 'flink', tag: '1.19' }, { image: 'flink', tag: '1.19' }] } });
});

t.test('JSON bodies have the same bounds: __proto__, depth, value count', async (t) => {
  t.match(thrownStatus(() => parseJson('{"spec":{"__proto__":{"polluted":true}}}')), { code: 400 });
  t.match(thrownStatus(() => parseJson(`${'['.repeat(1002)}${']'.repeat(1002)}`)), { code: 400, message: /nested more than 1000/ });
  t.match(thrownStatus(() => parseJson(`[${Array(MAX_BODY_NODES).fill(0).join(',')}]`)), { code: 413 });
  t.same(checkBodyBounds({ a: [1, 'x', { b: null }] }), { a: [1, 'x', { b: null }] });
});

t.test('a value shared many times counts with its size each time (a big string behind an alias)', async (t) => {
  const big = 'x'.repeat(400_000);
  t.match(thrownStatus(() => parseYaml(`s: &s "${big}"\nl: [${Array(10).fill('*s').join(', ')}]`)), { code: 413 });
});
