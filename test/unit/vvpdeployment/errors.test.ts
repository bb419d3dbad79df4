import t from 'tap';
import { StatusError, statusErrors } from '../../../apiserver/k8s/status.js';
import { platformFailure, toStatusError } from '../../../apiserver/vvpdeployment/errors.js';
import { VvpError, type VvpErrorKind } from '../../../apiserver/vvp/errors.js';

const ctx = { ref: { group: 'ververica.platform', resource: 'vvpdeployments', name: 'top-speed' }, platform: 'VVP (production)' };

function vvp(kind: VvpErrorKind, status?: number, message = 'the platform says no', retryAfterSeconds?: number): VvpError {
  return new VvpError({ kind, status, message, method: 'PATCH', route: '/api/v1/namespaces/{ns}/deployments/{name}', retryAfterSeconds });
}

function mapped(err: VvpError): StatusError {
  const out = toStatusError(err, ctx);
  if (!(out instanceof StatusError)) throw new Error('not a StatusError');
  return out;
}

t.test('transport failures', async (t) => {
  t.match(mapped(vvp('unreachable')), { code: 503, reason: 'ServiceUnavailable', message: /^VVP \(production\) is unreachable \(PATCH \/api\/v1\/namespaces\/\{ns\}\/deployments\/\{name\}\)$/ });
  t.equal(mapped(vvp('unreachable', undefined, 'x', 9)).status.details?.retryAfterSeconds, 9);
  t.match(mapped(vvp('timeout')), { code: 504, reason: 'Timeout' });
  t.match(mapped(vvp('aborted')), { code: 504 });
  t.match(mapped(vvp('protocol')), { code: 500, reason: 'InternalError', message: /unexpectedly/ });
});

t.test('platform answers, in the platform\'s words', async (t) => {
  const field = mapped(vvp('http', 400, 'spec.template.spec.artifact.jarUri: required for a JAR artifact'));
  t.match(field, { code: 422, reason: 'Invalid' });
  t.same(field.status.details?.causes, [{ type: 'FieldValueInvalid', field: 'spec.deployment.spec.template.spec.artifact.jarUri', message: 'Ververica Platform: required for a JAR artifact' }]);
  t.match(mapped(vvp('http', 400, 'malformed body')), { code: 400, reason: 'BadRequest', message: /malformed body/ });
  t.match(mapped(vvp('http', 401, 'Unauthorized')), { code: 503, reason: 'ServiceUnavailable', message: /rejected the server's own API token/ });
  const objects = vvp('http', 401, 'token expired');
  objects.tokenName = 'Secret team-a/vvp-token (annotation apikeySecretName)';
  t.match(mapped(objects), { code: 403, reason: 'Forbidden', message: /rejected the token of Secret team-a\/vvp-token .*token expired; renew the token in that Secret/ });
  t.match(mapped(vvp('http', 403, 'write-protected')), { code: 403, reason: 'Forbidden', message: /write-protected/ });
  t.match(mapped(vvp('http', 404)), { code: 404, reason: 'NotFound' });
  t.match(mapped(vvp('http', 409, 'stale')), { code: 409, reason: 'Conflict', message: /stale/ });
  t.match(mapped(vvp('http', 429, 'slow down', 3)), { code: 429, reason: 'TooManyRequests' });
  t.match(mapped(vvp('http', 502, 'bad gateway')), { code: 503, message: /HTTP 502/ });
  t.match(mapped(vvp('http', 418, 'teapot')), { code: 400, message: /HTTP 418/ });
});

t.test('outages name the platform by its display name, and show no address', async (t) => {
  const network = 'connect ECONNREFUSED 10.0.0.5:8080';
  for (const err of [vvp('unreachable', undefined, network), vvp('timeout'), vvp('protocol'), vvp('http', 401), vvp('http', 502, `<html>upstream 10.0.0.5:8080 failed</html>`)]) {
    const message = mapped(err).message;
    t.match(message, /^VVP \(production\) /, message);
    t.notMatch(message, /10\.0\.0\.5|https?:\/\//, `no internal address: ${message}`);
  }
});

t.test('StatusErrors and foreign errors pass through', async (t) => {
  const s = statusErrors.notFound(ctx.ref);
  t.equal(toStatusError(s, ctx), s);
  t.equal(platformFailure(s, ctx), s);
  const e = new Error('bug');
  t.equal(platformFailure(e, ctx), e);
});
