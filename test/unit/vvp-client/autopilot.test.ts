import t from 'tap';
import { runtimeParallelismOf } from '../../../apiserver/vvp/index.js';

t.test('runtime parallelism from an Autopilot status', async (t) => {
  t.equal(runtimeParallelismOf({ runtimeParallelism: 4 }), 4, 'the plain field');
  t.equal(runtimeParallelismOf({ autoscalerStatus: { metrics: '{"runtimeParallelism":8,"specParallelism":2}' } }), 8, 'the metrics JSON');
  t.equal(runtimeParallelismOf({ runtimeParallelism: 3, autoscalerStatus: { metrics: '{"runtimeParallelism":8}' } }), 3, 'the field wins');
  t.equal(runtimeParallelismOf({}), undefined);
  t.equal(runtimeParallelismOf({ status: 'POLICY_STATUS_OK', autoscalerStatus: { metrics: 'cpu=0.5' } }), undefined, 'free-form metrics');
  t.equal(runtimeParallelismOf({ autoscalerStatus: { metrics: '{"runtimeParallelism": broken' } }), undefined);
  t.equal(runtimeParallelismOf({ runtimeParallelism: 0 }), undefined, 'not a parallelism');
  t.equal(runtimeParallelismOf({ autoscalerStatus: { metrics: '{"runtimeParallelism":"2"}' } }), undefined);
});
