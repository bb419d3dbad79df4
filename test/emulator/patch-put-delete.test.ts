// PATCH keeps what the body omits; PUT resets it to the deployment defaults; DELETE needs a stopped desired state;
// a stale metadata.resourceVersion is refused.
import t from 'tap';
import { jarDeployment, startEmulator, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';
type Full = Deployment & {
  metadata: { displayName?: string };
  spec: { upgradeStrategy: { kind: string }; maxJobCreationAttempts: number; template: { spec: { flinkConfiguration: Record<string, string> } } };
};

t.test('PATCH, PUT and DELETE against the deployment defaults', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn'], t });

  t.test('defaults fill what a new deployment leaves out, explicit fields win', async (t) => {
    const created = await emu.request<Full>('POST', `${ns}/deployments`, jarDeployment('defaulted', { spec: { maxJobCreationAttempts: 2 } }));
    const spec = created.body.spec;
    t.equal(spec.maxJobCreationAttempts, 2, 'explicit field wins');
    t.equal(spec.upgradeStrategy.kind, 'STATEFUL', 'global default');
    t.equal(spec.template.spec.flinkConfiguration['restart-strategy'], 'failure-rate', 'global Flink default');
    t.equal(spec.template.spec.flinkConfiguration['state.savepoints.dir'], 's3://vvp-emulator/savepoints/default', 'namespace default');
  });

  t.test('PATCH merges a partial body and keeps omitted fields; null removes a field', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('patched', { labels: { a: '1', b: '2' } }));
    await emu.request('PATCH', `${ns}/deployments/patched`, {
      metadata: { displayName: 'Patched' },
      spec: { upgradeStrategy: { kind: 'STATELESS' }, template: { spec: { flinkConfiguration: { 'restart-strategy': 'none', 'custom.key': 'v' } } } },
    });
    const patched = await emu.request<Full>('PATCH', `${ns}/deployments/patched`, { metadata: { labels: { b: null, c: '3' } }, spec: { template: { spec: { parallelism: 6 } } } });
    const d = patched.body;
    t.equal(d.metadata.displayName, 'Patched');
    t.same(d.metadata.labels, { a: '1', c: '3' });
    t.equal(d.spec.upgradeStrategy.kind, 'STATELESS', 'kept from the earlier PATCH');
    t.equal(d.spec.template.spec.parallelism, 6);
    t.equal(d.spec.template.spec.flinkConfiguration['restart-strategy'], 'none');
    t.equal(d.spec.template.spec.flinkConfiguration['table.exec.state.ttl'], '36 h', 'untouched defaults stay');
    t.equal(d.spec.template.spec.flinkConfiguration['custom.key'], 'v');

    const again = await emu.request<Full>('PATCH', `${ns}/deployments/patched`, {});
    t.equal(again.body.metadata.resourceVersion, d.metadata.resourceVersion + 1, 'an unchanged PATCH still bumps resourceVersion');
    t.ok(Date.parse(again.body.metadata.modifiedAt) >= Date.parse(d.metadata.modifiedAt), 'and modifiedAt');
  });

  t.test('PUT replaces the deployment: omitted fields go back to the defaults', async (t) => {
    const put = await emu.request<Full>('PUT', `${ns}/deployments/patched`, jarDeployment('patched'));
    const d = put.body;
    t.equal(d.metadata.displayName, undefined);
    t.same(d.metadata.labels, {});
    t.equal(d.spec.upgradeStrategy.kind, 'STATEFUL', 'reset to the default');
    t.equal(d.spec.template.spec.parallelism, 2);
    t.equal(d.spec.template.spec.flinkConfiguration['restart-strategy'], 'failure-rate', 'reset to the default');
    t.equal(d.spec.template.spec.flinkConfiguration['custom.key'], undefined, 'dropped');
    t.equal(d.spec.template.spec.flinkConfiguration['state.savepoints.dir'], 's3://vvp-emulator/savepoints/default');

    const renamed = await emu.request<{ message: string }>('PUT', `${ns}/deployments/patched`, jarDeployment('other-name'));
    t.equal(renamed.status, 400);
    t.match(renamed.body.message, /^metadata\.name: /);
  });

  t.test('a write with a stale metadata.resourceVersion is refused with 409', async (t) => {
    const current = await emu.request<Full>('GET', `${ns}/deployments/patched`);
    const version = current.body.metadata.resourceVersion;
    const ok = await emu.request<Full>('PATCH', `${ns}/deployments/patched`, { metadata: { resourceVersion: version }, spec: { template: { spec: { parallelism: 3 } } } });
    t.equal(ok.status, 200);
    const stale = await emu.request<{ reason: string; message: string }>('PATCH', `${ns}/deployments/patched`, {
      metadata: { resourceVersion: version },
      spec: { template: { spec: { parallelism: 4 } } },
    });
    t.equal(stale.status, 409);
    t.equal(stale.body.reason, 'Conflict');
    t.match(stale.body.message, /resourceVersion .* is stale/);
    const stalePut = await emu.request('PUT', `${ns}/deployments/patched`, { ...jarDeployment('patched'), metadata: { name: 'patched', resourceVersion: version } });
    t.equal(stalePut.status, 409);
  });

  t.test('DELETE is refused unless the desired state is CANCELLED or SUSPENDED', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('keeper', { state: 'RUNNING' }));
    const refused = await emu.request<{ message: string }>('DELETE', `${ns}/deployments/keeper`);
    t.equal(refused.status, 409);
    t.match(refused.body.message, /desired state RUNNING.*only be deleted in desired state CANCELLED or SUSPENDED/);
    t.equal((await emu.request('GET', `${ns}/deployments/keeper`)).status, 200, 'still there');
    await emu.request('PATCH', `${ns}/deployments/keeper`, { spec: { state: 'SUSPENDED' } });
    const deleted = await emu.request<Deployment>('DELETE', `${ns}/deployments/keeper`);
    t.equal(deleted.status, 200);
    t.equal((await emu.request('GET', `${ns}/deployments/keeper`)).status, 404);
    const events = await emu.request<{ items: unknown[] }>('GET', `${ns}/events?deploymentId=${deleted.body.metadata.id}`);
    t.same(events.body.items, [], 'its events go with it');
  });
});
