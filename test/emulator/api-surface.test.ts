// Every AppManager and Platform endpoint the emulator serves, with each answer checked against the vendor's
// swagger definitions (../shared/vvp-api), plus the platform's error shape for bad requests.
import t from 'tap';
import { jarDeployment, startEmulator, swaggerErrors, waitForStatus, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';

t.test('the AppManager and Platform APIs answer in the shapes of the 2.4.3 swagger', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn'], t });
  const conforms = (api: 'appmanager' | 'platform', definition: string, body: unknown, what: string) =>
    t.same(swaggerErrors(api, definition, body), [], `${what} is a valid ${definition}`);

  t.test('status and system information', async (t) => {
    const status = await emu.request('GET', '/api/v1/status');
    t.equal(status.status, 200);
    const info = await emu.request<{ status: { revisionInformation: { buildVersion: string } } }>('GET', '/api/v1/status/system-info');
    t.equal(info.status, 200);
    t.match(info.body.status.revisionInformation.buildVersion, /^2\.4\.3/);
    conforms('appmanager', 'SystemInformation', info.body, 'system-info');
  });

  t.test('deployments: create, list, get by name and by id, patch, put, delete', async (t) => {
    const created = await emu.request<Deployment>('POST', `${ns}/deployments`, jarDeployment('surface', { labels: { team: 'a' } }));
    t.equal(created.status, 201);
    conforms('appmanager', 'Deployment', created.body, 'the created deployment');
    t.match(created.body.metadata, { name: 'surface', namespace: 'default', resourceVersion: 1 });
    t.match(created.body.metadata.id, /^[0-9a-f-]{36}$/);

    const listed = await emu.request<{ items: Deployment[] }>('GET', `${ns}/deployments?labelSelector=team%3Da`);
    conforms('appmanager', 'ResourceListOfDeployment', listed.body, 'the list');
    t.same(listed.body.items.map((d) => d.metadata.name), ['surface']);

    const byName = await emu.request<Deployment>('GET', `${ns}/deployments/surface`);
    const byId = await emu.request<Deployment>('GET', `${ns}/deployments/${created.body.metadata.id}`);
    t.same(byId.body, byName.body, 'a valid id in the path addresses the same deployment');

    const patched = await emu.request<Deployment>('PATCH', `${ns}/deployments/surface`, { spec: { template: { spec: { parallelism: 3 } } } });
    t.equal(patched.status, 200);
    conforms('appmanager', 'Deployment', patched.body, 'the patched deployment');
    t.equal(patched.body.metadata.resourceVersion, 2, 'every write bumps resourceVersion');

    const put = await emu.request<Deployment>('PUT', `${ns}/deployments/surface`, jarDeployment('surface'));
    t.equal(put.status, 200);
    conforms('appmanager', 'Deployment', put.body, 'the replaced deployment');
    const upserted = await emu.request<Deployment>('PUT', `${ns}/deployments/upserted`, jarDeployment('upserted'));
    t.equal(upserted.status, 201, 'PUT of a new name creates it');

    const deleted = await emu.request<Deployment>('DELETE', `${ns}/deployments/surface`);
    t.equal(deleted.status, 200);
    conforms('appmanager', 'Deployment', deleted.body, 'the deleted deployment');
    t.equal((await emu.request('GET', `${ns}/deployments/surface`)).status, 404);
  });

  t.test('label selectors: equality, inequality, set-based and existence', async (t) => {
    const labels = [
      ['sel-a', { tier: 'gold', env: 'prod' }],
      ['sel-b', { tier: 'silver', env: 'prod' }],
      ['sel-c', { tier: 'bronze' }],
    ] as const;
    for (const [name, l] of labels) await emu.request('POST', `${ns}/deployments`, jarDeployment(name, { labels: { ...l, sel: 'yes' } }));
    const select = async (selector: string) =>
      (await emu.request<{ items: Deployment[] }>('GET', `${ns}/deployments?labelSelector=${encodeURIComponent(selector)}`)).body.items.map(
        (d) => d.metadata.name,
      );
    t.same(await select('sel=yes,env=prod'), ['sel-a', 'sel-b']);
    t.same(await select('sel=yes,tier!=gold'), ['sel-b', 'sel-c']);
    t.same(await select('sel=yes,tier in (gold,bronze)'), ['sel-a', 'sel-c']);
    t.same(await select('sel=yes,tier notin (gold)'), ['sel-b', 'sel-c']);
    t.same(await select('sel,!env'), ['sel-c']);
    const bad = await emu.request<{ message: string }>('GET', `${ns}/deployments?labelSelector=${encodeURIComponent('a in (b')}`);
    t.equal(bad.status, 400);
  });

  t.test('deployment defaults, global defaults and deployment targets', async (t) => {
    const defaults = await emu.request('GET', `${ns}/deployment-defaults`);
    conforms('appmanager', 'DeploymentDefaults', defaults.body, 'namespace defaults');
    const global = await emu.request('GET', '/api/v1/global-deployment-defaults');
    conforms('appmanager', 'DeploymentDefaults', global.body, 'global defaults');
    const patched = await emu.request<{ spec: { maxJobCreationAttempts: number } }>('PATCH', `${ns}/deployment-defaults`, {
      spec: { maxJobCreationAttempts: 7 },
    });
    t.equal(patched.body.spec.maxJobCreationAttempts, 7);
    await emu.request('PATCH', `${ns}/deployment-defaults`, { spec: { maxJobCreationAttempts: null } });

    const targets = await emu.request('GET', `${ns}/deployment-targets`);
    conforms('appmanager', 'ResourceListOfDeploymentTarget', targets.body, 'the target list');
    const target = { kind: 'DeploymentTarget', apiVersion: 'v1', metadata: { name: 'staging' }, spec: { kubernetes: { namespace: 'staging-jobs' } } };
    const created = await emu.request('POST', `${ns}/deployment-targets`, target);
    t.equal(created.status, 201);
    conforms('appmanager', 'DeploymentTarget', created.body, 'the created target');
    t.equal((await emu.request('POST', `${ns}/deployment-targets`, target)).status, 409, 'names are unique');
    const relabelled = await emu.request('PUT', `${ns}/deployment-targets/staging`, { ...target, metadata: { name: 'staging', labels: { a: 'b' } } });
    t.equal(relabelled.status, 200);
    conforms('appmanager', 'DeploymentTarget', relabelled.body, 'the relabelled target');
    const respec = await emu.request<{ message: string }>('PUT', `${ns}/deployment-targets/staging`, { ...target, spec: { kubernetes: { namespace: 'x' } } });
    t.equal(respec.status, 400, 'the spec of a target is immutable');
    conforms('appmanager', 'DeploymentTarget', (await emu.request('GET', `${ns}/deployment-targets/staging`)).body, 'a target');
    const inUse = await emu.request<{ message: string }>('DELETE', `${ns}/deployment-targets/default`);
    t.equal(inUse.status, 409, 'a target used by a deployment cannot be deleted');
    t.match(inUse.body.message, /is used by deployment/);
    t.equal((await emu.request('DELETE', `${ns}/deployment-targets/staging`)).status, 200);
  });

  t.test('jobs, savepoints and events of a running deployment', async (t) => {
    const example = await waitForStatus(emu, 'default', 'top-speed', 'RUNNING');
    const id = example.metadata.id;
    const jobs = await emu.request<{ items: { metadata: { id: string } }[] }>('GET', `${ns}/jobs?deploymentId=${id}`);
    conforms('appmanager', 'ResourceListOfJob', jobs.body, 'the job list');
    const job = await emu.request('GET', `${ns}/jobs/${example.status.running?.jobId}`);
    conforms('appmanager', 'Job', job.body, 'the job');
    t.equal((await emu.request('POST', `${ns}/jobs`, {})).status, 404, 'jobs are read-only');

    const triggered = await emu.request<{ metadata: { id: string; origin: string; annotations: Record<string, string> } }>('POST', `${ns}/savepoints`, {
      metadata: { deploymentId: id, annotations: { 'example.com/asked-by': 'test' } },
    });
    t.equal(triggered.status, 201);
    t.equal(triggered.body.metadata.origin, 'USER_REQUEST');
    t.equal(triggered.body.metadata.annotations['example.com/asked-by'], 'test', 'the annotations the trigger gave are kept');
    conforms('appmanager', 'Savepoint', triggered.body, 'the triggered savepoint');
    const copied = await emu.request<{ metadata: { origin: string }; status: { state: string } }>('POST', `${ns}/savepoints`, {
      metadata: { deploymentId: id },
      spec: { savepointLocation: 's3://elsewhere/savepoint-1' },
    });
    t.match(copied.body, { metadata: { origin: 'COPIED' }, status: { state: 'COMPLETED' } }, 'an external savepoint is registered as COPIED');
    const savepoints = await emu.request('GET', `${ns}/savepoints?deploymentId=${id}`);
    conforms('appmanager', 'ResourceListOfSavepoint', savepoints.body, 'the savepoint list');
    const one = await emu.request('GET', `${ns}/savepoints/${triggered.body.metadata.id}`);
    conforms('appmanager', 'Savepoint', one.body, 'one savepoint');

    const events = await emu.request<{ items: unknown[] }>('GET', `${ns}/events?deploymentId=${id}`);
    conforms('appmanager', 'ResourceListOfEvent', events.body, 'the event list');
    t.ok(events.body.items.length > 0);
    const written = await emu.request('POST', `${ns}/events`, {
      metadata: { deploymentId: id },
      spec: { message: 'Kubernetes operator projected deployment config (mode=PATCH)', type: 'Normal' },
    });
    t.equal(written.status, 201, 'an operator may write events (VVP 3 extension)');
    conforms('appmanager', 'Event', written.body, 'the written event');
    const after = await emu.request<{ items: { spec: { message: string } }[] }>('GET', `${ns}/events?deploymentId=${id}`);
    t.equal(after.body.items.at(-1)?.spec.message, 'Kubernetes operator projected deployment config (mode=PATCH)');
  });

  t.test('platform API: namespaces, API tokens, autopilot policy', async (t) => {
    const list = await emu.request('GET', '/namespaces/v1/namespaces');
    conforms('platform', 'ListNamespacesResponse', list.body, 'the namespace list');
    const created = await emu.request('POST', '/namespaces/v1/namespaces', { name: 'namespaces/team-x' });
    conforms('platform', 'CreateNamespaceResponse', created.body, 'the created namespace');
    const got = await emu.request('GET', '/namespaces/v1/namespaces/team-x');
    conforms('platform', 'GetNamespaceResponse', got.body, 'the namespace');
    const patched = await emu.request('PATCH', '/namespaces/v1/namespaces/team-x', { roleBindings: [{ role: 'editor', members: ['group:devs'] }] });
    conforms('platform', 'UpdateNamespaceResponse', patched.body, 'the updated namespace');

    const token = await emu.request<{ apiToken: { secret: string } }>('POST', '/apitokens/v1/namespaces/team-x/apitokens', {
      name: 'namespaces/team-x/apitokens/ci',
      role: 'viewer',
    });
    conforms('platform', 'CreateApiTokenResponse', token.body, 'the created token');
    t.ok(token.body.apiToken.secret, 'the secret is shown once');
    const tokens = await emu.request<{ apiTokens: { secret?: string }[] }>('GET', '/apitokens/v1/namespaces/team-x/apitokens');
    conforms('platform', 'ListApiTokensResponse', tokens.body, 'the token list');
    t.equal(tokens.body.apiTokens[0]?.secret, undefined, 'and never again');
    const one = await emu.request('GET', '/apitokens/v1/namespaces/team-x/apitokens/ci');
    conforms('platform', 'GetApiTokenResponse', one.body, 'one token');
    t.equal((await emu.request('GET', '/api/v1/namespaces/team-x/deployments', undefined, token.body.apiToken.secret)).status, 200, 'the new token works');
    const deletedToken = await emu.request('DELETE', '/apitokens/v1/namespaces/team-x/apitokens/ci');
    conforms('platform', 'DeleteApiTokenResponse', deletedToken.body, 'the token deletion');
    t.equal((await emu.request('GET', '/api/v1/namespaces/team-x/deployments', undefined, token.body.apiToken.secret)).status, 401, 'a deleted token is refused');
    const replaced = await emu.request('PUT', '/namespaces/v1/namespaces/team-x', { name: 'namespaces/team-x', roleBindings: [] });
    conforms('platform', 'UpdateNamespaceResponse', replaced.body, 'the replaced namespace');
    const deletedNamespace = await emu.request('DELETE', '/namespaces/v1/namespaces/team-x');
    conforms('platform', 'DeleteNamespaceResponse', deletedNamespace.body, 'the namespace deletion');
    t.equal((await emu.request('GET', '/namespaces/v1/namespaces/team-x')).status, 404);

    const example = await emu.request<Deployment>('GET', `${ns}/deployments/top-speed`);
    const policyPath = `/autopilot/v1alpha1/namespaces/default/deployments/${example.body.metadata.id}/autopilotpolicy`;
    const policy = await emu.request('GET', policyPath);
    conforms('platform', 'GetAutopilotPolicyResponse', policy.body, 'the default policy');
    const monitoring = await emu.request('PUT', policyPath, { mode: 'AUTOPILOT_MODE_MONITORING', autoscalerConfig: { maxParallelism: 8 } });
    conforms('platform', 'UpdateAutopilotPolicyResponse', monitoring.body, 'the updated policy');
    const status = await emu.request('GET', `${policyPath}:status`);
    conforms('platform', 'GetAutopilotPolicyStatusResponse', status.body, 'the policy status');
    const recommendation = await emu.request('GET', `${policyPath}:recommendation`);
    conforms('platform', 'GetAutopilotPolicyRecommendationResponse', recommendation.body, 'the recommendation');
    const policies = await emu.request('GET', '/autopilot/v1alpha1/namespaces/default');
    conforms('platform', 'ListAutopilotPoliciesResponse', policies.body, 'the policy list');
  });

  t.test('bad requests get 400 with a message naming the field, in the platform error shape', async (t) => {
    const cases: [string, unknown, RegExp][] = [
      ['an unknown desired state', { ...jarDeployment('bad'), spec: { ...(jarDeployment('bad') as { spec: object }).spec, state: 'PAUSED' } }, /^spec\.state: must be one of RUNNING, SUSPENDED, CANCELLED/],
      ['an invalid name', jarDeployment('Not_Valid'), /^metadata\.name: /],
      ['an unknown metadata field', { ...jarDeployment('bad'), metadata: { name: 'bad', labls: {} } }, /^metadata\.labls: unknown field/],
      ['a non-string Flink option', jarDeployment('bad', { template: { flinkConfiguration: { 'parallelism.default': 2 } } }), /^spec\.template\.spec\.flinkConfiguration\.parallelism\.default: must be string/],
      ['a JAR without jarUri', { metadata: { name: 'bad' }, spec: { deploymentTargetName: 'default', template: { spec: { artifact: { kind: 'JAR' } } } } }, /^spec\.template\.spec\.artifact\.jarUri: required/],
      ['no target', { metadata: { name: 'bad' }, spec: { template: { spec: { artifact: { kind: 'JAR', jarUri: 'x' } } } } }, /^spec\.deploymentTargetName: /],
      ['no name', { spec: {} }, /^metadata\.name: required/],
    ];
    for (const [what, body, message] of cases) {
      const response = await emu.request<{ kind: string; statusCode: number; reason: string; message: string }>('POST', `${ns}/deployments`, body);
      t.equal(response.status, 400, what);
      t.match(response.body, { kind: 'Error', apiVersion: 'v1', statusCode: 400, reason: 'BadRequest' }, `${what}: error shape`);
      t.match(response.body.message, message, `${what}: message names the field`);
    }
    const duplicate = await emu.request('POST', `${ns}/deployments`, jarDeployment('top-speed'));
    t.equal(duplicate.status, 409, 'a duplicate name is a conflict');
    const notJson = await fetch(`${emu.url}${ns}/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.adminToken}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    t.equal(notJson.status, 400);
  });

  t.test('YAML bodies are accepted, as the platform consumes application/yaml', async (t) => {
    const yaml = [
      'kind: Deployment',
      'apiVersion: v1',
      'metadata: {name: from-yaml}',
      'spec:',
      '  deploymentTargetName: default',
      '  template: {spec: {artifact: {kind: JAR, jarUri: "s3://a/b.jar"}}}',
    ].join('\n');
    const response = await fetch(`${emu.url}${ns}/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.adminToken}`, 'content-type': 'application/yaml' },
      body: yaml,
    });
    t.equal(response.status, 201);
  });

  t.test('a spec field the 2.4.3 definitions do not declare is kept as written (a newer platform\'s), or refused naming it when told to', async (t) => {
    const withUnknown = jarDeployment('vvp3-field', { spec: { executionMode: 'STREAMING' }, template: { vera: { tier: 'gold' } } });
    const created = await emu.request<Deployment>('POST', `${ns}/deployments`, withUnknown);
    t.equal(created.status, 201, JSON.stringify(created.body));
    const read = await emu.request<Deployment>('GET', `${ns}/deployments/vvp3-field`);
    t.match(read.body.spec, { executionMode: 'STREAMING', template: { spec: { vera: { tier: 'gold' } } } }, 'a read answers both as written');
    const put = await emu.request<Deployment>('PUT', `${ns}/deployments/vvp3-field`, jarDeployment('vvp3-field', { spec: { executionMode: 'BATCH' } }));
    t.equal(put.status, 200);
    t.equal((put.body.spec as Record<string, unknown>).executionMode, 'BATCH', 'a PUT writes it as given');
    t.notOk(JSON.stringify(put.body.spec).includes('vera'), 'and a PUT without one leaves none (a PUT rebuilds the spec)');
    const patched = await emu.request<Deployment>('PATCH', `${ns}/deployments/vvp3-field`, { spec: { template: { spec: { vera: { tier: 'silver' } } } } });
    t.match(patched.body.spec, { executionMode: 'BATCH', template: { spec: { vera: { tier: 'silver' } } } }, 'a PATCH merges it as any field');

    t.equal((await emu.request('PUT', '/__emulator/unknown-fields', { mode: 'refuse' })).status, 200);
    t.teardown(() => emu.request('PUT', '/__emulator/unknown-fields', { mode: 'keep' }));
    for (const [method, path, body, field] of [
      ['POST', `${ns}/deployments`, jarDeployment('vvp3-refused', { spec: { paralelism: 2 } }), 'spec.paralelism'],
      ['PUT', `${ns}/deployments/vvp3-field`, jarDeployment('vvp3-field', { template: { vera: {} } }), 'spec.template.spec.vera'],
      ['PATCH', `${ns}/deployments/vvp3-field`, { spec: { template: { spec: { artifact: { jarUrl: 'x' } } } } }, 'spec.template.spec.artifact.jarUrl'],
    ] as const) {
      const refused = await emu.request<{ message: string }>(method, path, body);
      t.equal(refused.status, 400, `${method} refused`);
      t.match(refused.body.message, new RegExp(`^${field.replace(/\./g, '\\.')}: unknown field`), `${method}: names ${field}`);
    }
    t.equal((await emu.request('GET', `${ns}/deployments/vvp3-refused`)).status, 404, 'nothing created');
    t.equal((await emu.request<Deployment>('GET', `${ns}/deployments/vvp3-field`)).body.metadata.resourceVersion, patched.body.metadata.resourceVersion, 'nothing changed');
    await emu.request('DELETE', `${ns}/deployments/vvp3-field`);
  });

  t.test('a list in the defaults (VVP 3 volumeMounts) is the list of a deployment that gives none, and replaced by one it gives', async (t) => {
    const mount = (name: string) => ({ name, volume: { name, emptyDir: {} }, volumeMount: { name, mountPath: `/${name}` } });
    const defaults = await emu.request('PATCH', `${ns}/deployment-defaults`, { spec: { template: { spec: { kubernetes: { pods: { volumeMounts: [mount('platform-default')] } } } } } });
    t.equal(defaults.status, 200, JSON.stringify(defaults.body));
    t.teardown(() => emu.request('PATCH', `${ns}/deployment-defaults`, { spec: { template: { spec: { kubernetes: null } } } }));
    const pods = (d: Deployment) => ((d.spec.template as { spec: { kubernetes?: { pods?: { volumeMounts?: unknown[] } } } }).spec.kubernetes?.pods?.volumeMounts ?? []).map((m) => (m as { name: string }).name);
    const without = await emu.request<Deployment>('POST', `${ns}/deployments`, jarDeployment('lists-default'));
    t.same(pods(without.body), ['platform-default'], 'no list given: the defaults\' list');
    const own = await emu.request<Deployment>('POST', `${ns}/deployments`, jarDeployment('lists-own', { template: { kubernetes: { pods: { volumeMounts: [mount('mine')] } } } }));
    t.same(pods(own.body), ['mine'], 'its own list at create: exactly its own');
    const put = await emu.request<Deployment>('PUT', `${ns}/deployments/lists-default`, jarDeployment('lists-default', { template: { kubernetes: { pods: { volumeMounts: [mount('mine')] } } } }));
    t.same(pods(put.body), ['mine'], 'its own list by PUT: exactly its own, the defaults\' items not merged in');
    const back = await emu.request<Deployment>('PUT', `${ns}/deployments/lists-default`, jarDeployment('lists-default'));
    t.same(pods(back.body), ['platform-default'], 'a PUT without one: the defaults\' list again');
    for (const name of ['lists-default', 'lists-own']) await emu.request('DELETE', `${ns}/deployments/${name}`);
  });

  t.test('unknown paths and namespaces are 404', async (t) => {
    const unknown = await emu.request<{ reason: string }>('GET', '/api/v1/namespaces/default/nonsense');
    t.equal(unknown.status, 404);
    t.equal(unknown.body.reason, 'NotFound');
    t.equal((await emu.request('GET', '/api/v2/anything')).status, 404);
    t.equal((await emu.request('GET', '/api/v1/namespaces/nowhere/deployments')).status, 404);
    t.equal((await emu.request('GET', `${ns}/deployments/does-not-exist`)).status, 404);
  });
});
