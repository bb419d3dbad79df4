// The schema's defaults as kube-apiserver's decoder fills them for a CRD (structural defaulting): what a mutating
// admission step sees of a field the schema defaults.
import t from 'tap';
import { applySchemaDefaults } from '../../../apiserver/k8s/strategy/schema-defaults.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        policy: { type: 'string', default: 'Cancel' },
        maybe: { type: 'string', nullable: true, default: 'x' },
        limits: { type: 'object', default: { cpu: 1 }, properties: { cpu: { type: 'integer' }, memory: { type: 'string', default: '1Gi' } } },
        ports: { type: 'array', items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' } } } },
        byName: { type: 'object', additionalProperties: { type: 'object', properties: { weight: { type: 'integer', default: 1 } } } },
      },
    },
  },
};

t.test('a missing field gets its default, nested defaults inside it too', async (t) => {
  const o = { spec: {} };
  applySchemaDefaults(o, schema);
  t.same(o.spec, { policy: 'Cancel', limits: { cpu: 1, memory: '1Gi' }, maybe: 'x' });
});

t.test('what the client wrote is kept; a null in a non-nullable field is defaulted, in a nullable one kept', async (t) => {
  const o = { spec: { policy: 'Orphan', maybe: null, limits: { cpu: 4 } } };
  applySchemaDefaults(o, schema);
  t.same(o.spec, { policy: 'Orphan', maybe: null, limits: { cpu: 4, memory: '1Gi' } });
  const n = { spec: { policy: null } };
  applySchemaDefaults(n, schema);
  t.equal(n.spec.policy, 'Cancel');
});

t.test('list items and map values get the defaults of their schema; an absent parent is not created', async (t) => {
  const o = { spec: { ports: [{}, { protocol: 'UDP' }], byName: { a: {}, b: { weight: 3 } } } };
  applySchemaDefaults(o, schema);
  t.same(o.spec.ports, [{ protocol: 'TCP' }, { protocol: 'UDP' }]);
  t.same(o.spec.byName, { a: { weight: 1 }, b: { weight: 3 } });
  const none: Record<string, unknown> = {};
  applySchemaDefaults(none, schema);
  t.same(none, {}, 'no spec: nothing to default into');
});

t.test('a default is a copy: two objects never share it', async (t) => {
  const a = { spec: {} as Record<string, unknown> };
  const b = { spec: {} as Record<string, unknown> };
  applySchemaDefaults(a, schema);
  applySchemaDefaults(b, schema);
  (a.spec.limits as Record<string, unknown>).cpu = 9;
  t.same(b.spec.limits, { cpu: 1, memory: '1Gi' });
  t.same(schema.properties.spec.properties.limits.default, { cpu: 1 });
});

t.test('a value of the wrong type is left for validation to refuse', async (t) => {
  const o = { spec: 'text' };
  applySchemaDefaults(o, schema);
  t.equal(o.spec, 'text');
});
