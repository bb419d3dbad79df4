// The platform calls the VvpDeployment resource makes, as a port: main.ts passes the real VvpClient, the unit tests
// a fake platform (test/support/fake-platform.ts). Nothing else of the client is reachable from here.

import type { VvpClient } from '../../vvp/index.js';

export type PlatformPort = Pick<VvpClient,
  | 'listDeployments' | 'streamDeployments' | 'getDeployment' | 'createDeployment' | 'patchDeployment' | 'putDeployment' | 'deleteDeployment'
  | 'listJobs' | 'listSavepoints' | 'triggerSavepoint' | 'registerSavepoint'
  | 'listAutopilotPolicies' | 'getAutopilotPolicy' | 'getAutopilotPolicyStatus'
  | 'listEvents' | 'createEvent' | 'getDeploymentDefaults'
  | 'listDeploymentTargets' | 'getDeploymentTarget' | 'createDeploymentTarget' | 'deleteDeploymentTarget' | 'listSessionClusters' | 'getSessionCluster'
  | 'patchSessionCluster'>;
