// The asynchronous deployment lifecycle: desired spec.state drives the observed status.state through
// TRANSITIONING, creating jobs and savepoints and writing the platform's events on the way.
import t from 'tap';
import { eventNames, jarDeployment, startEmulator, waitFor, waitForStatus, type Deployment, type RunningEmulator } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';

interface Job {
  metadata: { id: string };
  spec: { parallelism: number; savepointLocation?: string };
  status: { state: string };
}
interface Savepoint {
  metadata: { id: string; origin: string; jobId?: string };
  spec: { savepointLocation?: string };
  status: { state: string };
}

const jobsOf = async (emu: RunningEmulator, d: Deployment) =>
  (await emu.request<{ items: Job[] }>('GET', `${ns}/jobs?deploymentId=${d.metadata.id}`)).body.items;
const savepointsOf = async (emu: RunningEmulator, d: Deployment) =>
  (await emu.request<{ items: Savepoint[] }>('GET', `${ns}/savepoints?deploymentId=${d.metadata.id}`)).body.items;
const setState = (emu: RunningEmulator, name: string, state: string) => emu.request<Deployment>('PATCH', `${ns}/deployments/${name}`, { spec: { state } });

t.test('deployment lifecycle', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn'], t });

  t.test('start: CANCELLED → TRANSITIONING → RUNNING with a STARTED job', async (t) => {
    const created = await emu.request<Deployment>('POST', `${ns}/deployments`, jarDeployment('starter'));
    t.equal(created.body.status.state, 'CANCELLED', 'a new deployment is CANCELLED');
    // Slow this start down so that the intermediate states can be seen even on a busy machine.
    await emu.request('PUT', '/__emulator/namespaces/default/deployments/starter/transition-faults', { extraDelayMs: 600 });
    const patched = await setState(emu, 'starter', 'RUNNING');
    t.equal(patched.body.spec.state, 'RUNNING');
    await waitForStatus(emu, 'default', 'starter', 'TRANSITIONING');
    const [starting] = await jobsOf(emu, created.body);
    t.equal(starting?.status.state, 'STARTING', 'the job is STARTING while the deployment transitions');
    const running = await waitForStatus(emu, 'default', 'starter', 'RUNNING');
    t.ok(running.status.running?.jobId, 'status.running names the job');
    t.ok(running.metadata.resourceVersion > patched.body.metadata.resourceVersion, 'status transitions bump resourceVersion');
    const [job] = await jobsOf(emu, running);
    t.equal(job?.status.state, 'STARTED');
    t.same(await eventNames(emu, 'default', running.metadata.id), [
      'STATE_TRANSITION_IS_NEEDED',
      'CREATING_A_NEW_JOB',
      'AWAITING_A_JOB_TO_START',
      'JOB_SUCCESSFULLY_STARTED',
      'STATE_TRANSITION_IS_COMPLETED',
    ]);
  });

  t.test('suspend takes a savepoint (origin SUSPEND) and a resume restores from it', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('suspender', { state: 'RUNNING' }));
    const running = await waitForStatus(emu, 'default', 'suspender', 'RUNNING');
    await setState(emu, 'suspender', 'SUSPENDED');
    const suspended = await waitForStatus(emu, 'default', 'suspender', 'SUSPENDED');
    t.notOk(suspended.status.running, 'no running job any more');
    const [savepoint] = await savepointsOf(emu, suspended);
    t.match(savepoint, { metadata: { origin: 'SUSPEND', jobId: running.status.running?.jobId }, status: { state: 'COMPLETED' } });
    t.match(savepoint?.spec.savepointLocation, /^s3:\/\/vvp-emulator\/savepoints\/default\//);
    const [firstJob] = await jobsOf(emu, suspended);
    t.equal(firstJob?.status.state, 'TERMINATED');
    t.match(await eventNames(emu, 'default', suspended.metadata.id), [
      'STATE_TRANSITION_IS_NEEDED', 'CREATING_A_NEW_JOB', 'AWAITING_A_JOB_TO_START', 'JOB_SUCCESSFULLY_STARTED', 'STATE_TRANSITION_IS_COMPLETED',
      'STATE_TRANSITION_IS_NEEDED', 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION', 'AWAITING_SAVEPOINT_COMPLETION_TO_TRANSITION_TO_SUSPENDED',
      'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION', 'FOUND_A_JOB_TO_TERMINATE', 'AWAITING_A_JOB_TO_TERMINATE', 'STATE_TRANSITION_IS_COMPLETED',
    ]);

    await setState(emu, 'suspender', 'RUNNING');
    const resumed = await waitForStatus(emu, 'default', 'suspender', 'RUNNING');
    const jobs = await jobsOf(emu, resumed);
    t.equal(jobs.length, 2);
    t.equal(jobs[1]?.spec.savepointLocation, savepoint?.spec.savepointLocation, 'LATEST_STATE restores the suspend savepoint');
  });

  t.test('cancel stops the job without a savepoint', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('canceller', { state: 'RUNNING' }));
    await waitForStatus(emu, 'default', 'canceller', 'RUNNING');
    await setState(emu, 'canceller', 'CANCELLED');
    const cancelled = await waitForStatus(emu, 'default', 'canceller', 'CANCELLED');
    t.same(await savepointsOf(emu, cancelled), []);
    t.equal((await jobsOf(emu, cancelled))[0]?.status.state, 'TERMINATED');
    t.ok((await eventNames(emu, 'default', cancelled.metadata.id)).includes('FOUND_A_JOB_TO_TERMINATE'));
  });

  t.test('restore strategies: NONE starts empty, LATEST_SAVEPOINT restores the latest savepoint', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('restorer', { state: 'RUNNING', spec: { restoreStrategy: { kind: 'NONE' } } }));
    await waitForStatus(emu, 'default', 'restorer', 'RUNNING');
    await setState(emu, 'restorer', 'SUSPENDED');
    await waitForStatus(emu, 'default', 'restorer', 'SUSPENDED');
    await setState(emu, 'restorer', 'RUNNING');
    const running = await waitForStatus(emu, 'default', 'restorer', 'RUNNING');
    const jobs = await jobsOf(emu, running);
    t.equal(jobs[1]?.spec.savepointLocation, undefined, 'restore NONE: no savepoint');

    const copied = await emu.request<Savepoint>('POST', `${ns}/savepoints`, {
      metadata: { deploymentId: running.metadata.id },
      spec: { savepointLocation: 's3://external/savepoint-42' },
    });
    t.equal(copied.body.metadata.origin, 'COPIED');
    await emu.request('PATCH', `${ns}/deployments/restorer`, { spec: { state: 'CANCELLED', restoreStrategy: { kind: 'LATEST_SAVEPOINT' } } });
    await waitForStatus(emu, 'default', 'restorer', 'CANCELLED');
    await setState(emu, 'restorer', 'RUNNING');
    const restarted = await waitForStatus(emu, 'default', 'restorer', 'RUNNING');
    t.equal((await jobsOf(emu, restarted))[2]?.spec.savepointLocation, 's3://external/savepoint-42', 'the latest savepoint, here the COPIED one');
  });

  t.test('upgrade STATEFUL: savepoint SUSPEND_AND_UPGRADE, then a new job from it', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('stateful', { state: 'RUNNING' }));
    const before = await waitForStatus(emu, 'default', 'stateful', 'RUNNING');
    await emu.request('PATCH', `${ns}/deployments/stateful`, { spec: { template: { spec: { parallelism: 4 } } } });
    const after = await waitFor('a new job', async () => {
      const d = await waitForStatus(emu, 'default', 'stateful', 'RUNNING');
      return d.status.running?.jobId !== before.status.running?.jobId ? d : undefined;
    });
    const [savepoint] = await savepointsOf(emu, after);
    t.match(savepoint, { metadata: { origin: 'SUSPEND_AND_UPGRADE' }, status: { state: 'COMPLETED' } });
    const jobs = await jobsOf(emu, after);
    t.match(jobs, [{ status: { state: 'TERMINATED' }, spec: { parallelism: 2 } }, { status: { state: 'STARTED' }, spec: { parallelism: 4 } }]);
    t.equal(jobs[1]?.spec.savepointLocation, savepoint?.spec.savepointLocation);
    t.same((await eventNames(emu, 'default', after.metadata.id)).slice(5), [
      'STATE_TRANSITION_IS_NEEDED', 'USING_AN_UPGRADE_STRATEGY', 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION',
      'AWAITING_SAVEPOINT_COMPLETION_TO_TRANSITION_TO_SUSPENDED', 'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION',
      'FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT', 'AWAITING_A_JOB_TO_TERMINATE', 'CREATING_A_NEW_JOB', 'AWAITING_A_JOB_TO_START',
      'JOB_SUCCESSFULLY_STARTED', 'STATE_TRANSITION_IS_COMPLETED',
    ]);
  });

  t.test('a template change while the job is still STARTING is an upgrade once it runs', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('impatient', { spec: { upgradeStrategy: { kind: 'STATELESS' } } }));
    await emu.request('PUT', '/__emulator/namespaces/default/deployments/impatient/transition-faults', { extraDelayMs: 600 });
    await setState(emu, 'impatient', 'RUNNING');
    await waitForStatus(emu, 'default', 'impatient', 'TRANSITIONING');
    await emu.request('PATCH', `${ns}/deployments/impatient`, { spec: { template: { spec: { parallelism: 7 } } } });
    const upgraded = await waitFor('a job at parallelism 7', async () => {
      const d = await waitForStatus(emu, 'default', 'impatient', 'RUNNING');
      const jobs = await jobsOf(emu, d);
      return jobs.at(-1)?.spec.parallelism === 7 && jobs.at(-1)?.status.state === 'STARTED' ? jobs : undefined;
    });
    t.equal(upgraded.length, 2, 'the first job, then the upgraded one');
  });

  t.test('a savepoint that fails once is retried before suspension', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('retrier', { state: 'RUNNING', jarUri: 's3://jobs/fail-savepoint-1.jar' }));
    await waitForStatus(emu, 'default', 'retrier', 'RUNNING');
    await setState(emu, 'retrier', 'SUSPENDED');
    const suspended = await waitForStatus(emu, 'default', 'retrier', 'SUSPENDED');
    t.same((await savepointsOf(emu, suspended)).map((s) => s.status.state), ['FAILED', 'COMPLETED']);
  });

  t.test('upgrade STATELESS: cancel and restart without a new savepoint', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('stateless', { state: 'RUNNING', spec: { upgradeStrategy: { kind: 'STATELESS' } } }));
    const before = await waitForStatus(emu, 'default', 'stateless', 'RUNNING');
    await emu.request('PATCH', `${ns}/deployments/stateless`, { spec: { template: { spec: { parallelism: 3 } } } });
    const after = await waitFor('a new job', async () => {
      const d = await waitForStatus(emu, 'default', 'stateless', 'RUNNING');
      return d.status.running?.jobId !== before.status.running?.jobId ? d : undefined;
    });
    t.same(await savepointsOf(emu, after), [], 'no savepoint');
    t.match(await jobsOf(emu, after), [{ status: { state: 'TERMINATED' } }, { status: { state: 'STARTED' }, spec: { parallelism: 3 } }]);
    t.ok((await eventNames(emu, 'default', after.metadata.id)).includes('FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT'));
  });

  t.test('upgrade NONE: a running job is not upgraded automatically', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('no-upgrade', { state: 'RUNNING', spec: { upgradeStrategy: { kind: 'NONE' } } }));
    const before = await waitForStatus(emu, 'default', 'no-upgrade', 'RUNNING');
    await emu.request('PATCH', `${ns}/deployments/no-upgrade`, { spec: { template: { spec: { parallelism: 5 } } } });
    await new Promise((r) => setTimeout(r, 400));
    const after = await waitForStatus(emu, 'default', 'no-upgrade', 'RUNNING');
    t.equal(after.status.running?.jobId, before.status.running?.jobId, 'the same job keeps running');
    t.equal((await jobsOf(emu, after)).length, 1);
  });

  t.test('job creation fails until maxJobCreationAttempts, then FAILED; a spec change retries', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('doomed', { state: 'RUNNING', jarUri: 's3://jobs/fail-start.jar', spec: { maxJobCreationAttempts: 3 } }));
    const failed = await waitForStatus(emu, 'default', 'doomed', 'FAILED');
    const jobs = await jobsOf(emu, failed);
    t.equal(jobs.length, 3, 'one job per attempt');
    t.ok(jobs.every((j) => j.status.state === 'FAILED'));
    const events = await eventNames(emu, 'default', failed.metadata.id);
    t.equal(events.filter((e) => e === 'FAILED_CREATING_A_NEW_JOB').length, 3);
    t.ok(events.includes('TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS'));
    await new Promise((r) => setTimeout(r, 300));
    t.equal((await jobsOf(emu, failed)).length, 3, 'FAILED stays FAILED until the user changes the spec');

    await emu.request('PATCH', `${ns}/deployments/doomed`, { spec: { template: { spec: { artifact: { jarUri: 's3://jobs/fail-start-1.jar' } } } } });
    const recovered = await waitForStatus(emu, 'default', 'doomed', 'RUNNING');
    t.equal((await jobsOf(emu, recovered)).length, 5, 'fail-start-1: the first attempt fails, the second starts');
  });

  t.test('savepoint failures until maxSavepointCreationAttempts leave the deployment FAILED', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('no-savepoints', { state: 'RUNNING', jarUri: 's3://jobs/fail-savepoint.jar', spec: { maxSavepointCreationAttempts: 2 } }));
    await waitForStatus(emu, 'default', 'no-savepoints', 'RUNNING');
    await setState(emu, 'no-savepoints', 'SUSPENDED');
    const failed = await waitForStatus(emu, 'default', 'no-savepoints', 'FAILED');
    const savepoints = await savepointsOf(emu, failed);
    t.same(savepoints.map((s) => s.status.state), ['FAILED', 'FAILED']);
    t.ok((await eventNames(emu, 'default', failed.metadata.id)).includes('TOO_MANY_FAILED_SUSPENSION_ATTEMPTS'));
    await setState(emu, 'no-savepoints', 'CANCELLED');
    await waitForStatus(emu, 'default', 'no-savepoints', 'CANCELLED');
  });

  t.test('a job that fails while running leaves the deployment FAILED; a finite job FINISHES', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('crasher', { state: 'RUNNING', jarUri: 's3://jobs/fail-running.jar' }));
    await emu.request('POST', `${ns}/deployments`, jarDeployment('batch', { state: 'RUNNING', jarUri: 's3://jobs/finite-batch.jar' }));
    const crashed = await waitForStatus(emu, 'default', 'crasher', 'FAILED');
    t.equal((await jobsOf(emu, crashed))[0]?.status.state, 'FAILED');
    t.ok((await eventNames(emu, 'default', crashed.metadata.id)).includes('TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE'));
    const finished = await waitForStatus(emu, 'default', 'batch', 'FINISHED');
    t.equal((await jobsOf(emu, finished))[0]?.status.state, 'FINISHED');
    t.ok((await eventNames(emu, 'default', finished.metadata.id)).includes('JOB_SUCCESSFULLY_FINISHED'));
  });

  t.test('savepoints need a running job and a savepoint directory', async (t) => {
    const stopped = await emu.request<Deployment>('GET', `${ns}/deployments/canceller`);
    const refused = await emu.request<{ message: string }>('POST', `${ns}/savepoints`, { metadata: { deploymentId: stopped.body.metadata.id } });
    t.equal(refused.status, 400);
    t.match(refused.body.message, /is not running/);

    await emu.request('POST', '/namespaces/v1/namespaces', { name: 'bare' });
    await emu.request('POST', '/api/v1/namespaces/bare/deployment-targets', { metadata: { name: 'default' }, spec: { kubernetes: {} } });
    await emu.request('POST', '/api/v1/namespaces/bare/deployments', jarDeployment('no-dir', { state: 'RUNNING' }));
    const running = await waitForStatus(emu, 'bare', 'no-dir', 'RUNNING');
    const noDir = await emu.request<{ message: string }>('POST', '/api/v1/namespaces/bare/savepoints', { metadata: { deploymentId: running.metadata.id } });
    t.equal(noDir.status, 400);
    t.match(noDir.body.message, /no savepoint directory/);
    await emu.request('PATCH', '/api/v1/namespaces/bare/deployments/no-dir', { spec: { state: 'SUSPENDED' } });
    const failed = await waitForStatus(emu, 'bare', 'no-dir', 'FAILED');
    t.ok((await eventNames(emu, 'bare', failed.metadata.id)).includes('JOB_IS_NOT_CONFIGURED_WITH_SAVEPOINT_SUPPORT'));
  });

  t.test('a deployment whose target does not exist FAILS to start', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('lost', { state: 'RUNNING', spec: { deploymentTargetName: 'nowhere' } }));
    const failed = await waitForStatus(emu, 'default', 'lost', 'FAILED');
    t.ok((await eventNames(emu, 'default', failed.metadata.id)).includes('REFERENCED_DEPLOYMENT_TARGET_DOES_NOT_EXIST'));
  });
});
