// Security review 2, finding 2: a tenant's label must not freeze the server through a policy's regular expression.
// The policy and value (31 characters blocked the event loop for 4.6 s; each further one doubles it): with
// V8's linear-time fallback (cel.ts) the same check, and ones on far longer values, answer as RE2 would. On the old
// evaluator the 64-character case below does not finish within tap's timeout.
import t from 'tap';
import { celValue, compile } from '../../../../apiserver/k8s/admission/cel.js';

const policy = "object.metadata.labels.team.matches('^([a-z0-9]+-?)+$')";

t.test("the issue's label against the issue's policy is answered, and answered right", async (t) => {
  for (const n of [30, 64, 4096]) {
    const hostile = `${'a'.repeat(n)}A`;
    t.equal(compile(policy).evaluate({ object: celValue({ metadata: { labels: { team: hostile } } }) }), false, `${n + 1} characters: no match`);
  }
  t.equal(compile(policy).evaluate({ object: celValue({ metadata: { labels: { team: 'team-a-streaming' } } }) }), true, 'a good value still matches');
  t.same(compile("object.metadata.labels.team.findAll('(a+)+b')").evaluate({ object: celValue({ metadata: { labels: { team: `${'a'.repeat(64)}c` } } }) }), [], 'find/findAll too');
  t.equal(compile("'abab'.matches('^(ab)\\\\1$')").evaluate({}), true, 'patterns only a backtracking engine runs still run');
});
