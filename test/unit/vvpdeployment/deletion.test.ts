import t from 'tap';
import { deletionStep } from '../../../apiserver/vvpdeployment/decide/deletion.js';
import type { PlatformView } from '../../../apiserver/vvpdeployment/read/platform-view.js';
import type { DeploymentDesiredState, DeploymentObservedState } from '../../../apiserver/vvp/types.js';
import { deployment, view as platformView } from '../../support/fixtures.js';

/** The platform deployment desired in one state, observed in another. */
function view(desired: DeploymentDesiredState, observed: DeploymentObservedState): PlatformView {
  return platformView({ deployment: deployment({ state: desired }, { state: observed }) });
}

t.test('Cancel: set CANCELLED, wait, then delete', async (t) => {
  t.same(deletionStep('Cancel', view('RUNNING', 'RUNNING')), { ready: false, setState: 'CANCELLED', waitingFor: 'CANCELLED' });
  t.same(deletionStep('Cancel', view('CANCELLED', 'TRANSITIONING')), { ready: false, waitingFor: 'CANCELLED' });
  t.same(deletionStep('Cancel', view('CANCELLED', 'CANCELLED')), { ready: true });
  t.same(deletionStep('Cancel', view('SUSPENDED', 'SUSPENDED')), { ready: true }, 'a suspended deployment has no job to cancel');
  t.same(deletionStep('Cancel', view('RUNNING', 'FAILED')), { ready: false, setState: 'CANCELLED', waitingFor: 'CANCELLED' });
});

t.test('Suspend: set SUSPENDED, wait for the savepoint, then delete', async (t) => {
  t.same(deletionStep('Suspend', view('RUNNING', 'RUNNING')), { ready: false, setState: 'SUSPENDED', waitingFor: 'SUSPENDED' });
  t.same(deletionStep('Suspend', view('SUSPENDED', 'TRANSITIONING')), { ready: false, waitingFor: 'SUSPENDED' });
  t.same(deletionStep('Suspend', view('SUSPENDED', 'FAILED')), { ready: false, waitingFor: 'SUSPENDED', failed: true });
  t.same(deletionStep('Suspend', view('SUSPENDED', 'SUSPENDED')), { ready: true });
  t.same(deletionStep('Suspend', view('CANCELLED', 'CANCELLED')), { ready: true }, 'nothing to suspend');
});

t.test('Orphan: nothing to wait for', async (t) => {
  t.same(deletionStep('Orphan', view('RUNNING', 'RUNNING')), { ready: true });
});
