// Whose state a location lies in (state-locations.ts), over many spellings of the same place: the canonical form
// sees through scheme families, case, repeated `/`, escapes and default ports, refuses what it cannot place, and the
// allow-list of a namespace's own directories makes spellings nobody foresaw need the other namespaces' grants.
import t from 'tap';
import { canonicalLocation, namespacesOwning } from '../../../apiserver/vvpdeployment/trust/state-locations.js';

const directories = new Map<string, string[]>([
  ['team-a', ['s3://state/savepoints/team-a', 'hdfs://nn/checkpoints/team-a']],
  ['team-b', ['s3://state/savepoints/team-b', 'hdfs://nn/checkpoints/team-b']],
  ['default', []],
]);

t.test('spellings of another team\'s directories are all recognised as theirs', async (t) => {
  const spellings = [
    's3://state/savepoints/team-b/sp-1',
    's3a://state/savepoints/team-b/sp-1',
    's3n://state/savepoints/team-b/sp-1',
    's3p://state/savepoints/team-b/sp-1',
    'S3://state/savepoints/team-b/sp-1',
    'S3A://STATE/savepoints/team-b/sp-1',
    's3://state//savepoints/team-b/sp-1',
    's3://state/savepoints//team-b//sp-1/',
    's3://state/savepoints/team-b',
    's3://state/savepoints/%74eam-b/sp-1',
    's3://state:/savepoints/team-b/sp-1',
    'hdfs://nn:8020/checkpoints/team-b/x',
    'hdfs://NN/checkpoints/team-b/x',
    'hdfs://nn:/checkpoints///team-b',
    's3://other-bucket/namespaces/team-b/sp',
    's3://other-bucket/x/namespaces/team-b/sp',
  ];
  for (const location of spellings) t.same(namespacesOwning(location, 'team-a', directories), ['team-b'], location);
});

t.test('spellings that cannot be placed are refused', async (t) => {
  for (const location of [
    's3://state/savepoints/team-a%2F..%2Fteam-b/sp', 's3://state/savepoints/team-a%2f..%2fteam-b', 's3://state/savepoints\\team-b',
    's3://state/savepoints/%252e%252e/team-b', 's3://state/savepoints/%zz', 's3://state/savepoints/team-a/../team-b',
    's3://state/savepoints/./team-b', 's3://state/savepoints/team-a/%2e%2e/team-b', 's3://user@state/savepoints/team-b',
    's3://state/savepoints/team-b?x=1',
  ]) {
    t.ok('refused' in (namespacesOwning(location, 'team-a', directories) as object), location);
  }
});

t.test('the own directories, and stores no other namespace uses, need nothing more', async (t) => {
  for (const location of [
    's3://state/savepoints/team-a/sp-1', 's3a://STATE//savepoints/team-a/sp-1', 'hdfs://nn:8020/checkpoints/team-a',
    's3://state/namespaces/team-a/sp', 's3://elsewhere/savepoints/team-b/sp', 'gs://bucket/x', 'file:///tmp/sp',
  ]) {
    t.same(namespacesOwning(location, 'team-a', directories), [], location);
  }
});

t.test('unknown spellings on a shared store fail closed: outside the own directories, every sharer\'s grant', async (t) => {
  for (const location of ['s3://state/SAVEPOINTS/team-b/sp', 's3://state/savepoints/team-b-old/sp', 's3://state/sp']) {
    const owners = namespacesOwning(location, 'team-a', directories);
    t.ok(Array.isArray(owners) && owners.includes('team-b'), `${location}: ${JSON.stringify(owners)}`);
  }
  t.same(namespacesOwning('s3://state/anything', 'default', directories), ['team-a', 'team-b'], 'a namespace without own directories');
});

t.test('the canonical spelling', async (t) => {
  t.same(canonicalLocation('S3A://Bucket:443//a//b/'), { store: 's3://bucket:443', segments: ['a', 'b'] }, 's3 has no default port here');
  t.same(canonicalLocation('hdfs://nn:8020/a'), { store: 'hdfs://nn', segments: ['a'] });
  t.same(canonicalLocation('/local/dir'), { store: 'file://', segments: ['local', 'dir'] });
});
