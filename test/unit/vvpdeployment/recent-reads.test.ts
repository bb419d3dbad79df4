import t from 'tap';
import { RecentReads } from '../../../apiserver/vvpdeployment/read/recent-reads.js';

t.test('a kept read serves only its owner\'s version, and only while young enough', async (t) => {
  let now = 1000;
  const reads = new RecentReads<string>(500, () => now);
  reads.set('d1', 'v1', 'jobs of v1', 1000);
  t.equal(reads.get('d1', 'v1'), 'jobs of v1');
  t.equal(reads.get('d1', 'v2'), undefined, 'the deployment changed: read again');
  t.ok(reads.has('d1'), 'known, whatever the version');
  now = 1500;
  t.equal(reads.get('d1', 'v1'), 'jobs of v1', 'at the maximum age');
  now = 1501;
  t.equal(reads.get('d1', 'v1'), undefined, 'older than the maximum age');
  t.notOk(reads.has('d1'));
});

t.test('age counts from when the read started; old entries are swept', async (t) => {
  let now = 0;
  const reads = new RecentReads<number>(100, () => now);
  now = 150;
  reads.set('late', 'v', 1, 40);
  t.equal(reads.get('late', 'v'), undefined, 'started 110 ms ago: already too old');
  for (let i = 0; i < 10; i++) reads.set(`d${i}`, 'v', i, now);
  now = 400;
  reads.set('fresh', 'v', 0, now);
  t.equal(reads.size, 1, 'the sweep on a later write drops what expired');
});

t.test('a maximum age of 0 keeps nothing', async (t) => {
  const reads = new RecentReads<number>(0);
  reads.set('d', 'v', 1, reads.now());
  t.equal(reads.size, 0);
  t.equal(reads.get('d', 'v'), undefined);
});

t.test('a read carried over a write of this server stands for the new version, as old as it was', async (t) => {
  let now = 0;
  const reads = new RecentReads<string>(100, () => now);
  reads.set('d', 'v1', 'jobs', 0);
  reads.carry('d', 'v0', 'v2');
  t.equal(reads.get('d', 'v2'), undefined, 'not carried from a version it was not read for');
  reads.carry('d', 'v1', 'v2');
  t.equal(reads.get('d', 'v2'), 'jobs');
  t.equal(reads.get('d', 'v1'), undefined, 'the old version is gone');
  now = 101;
  t.equal(reads.get('d', 'v2'), undefined, 'its age counts from the original read');
});
