/** `@hud/testing/kubernetes`: a fake Kubernetes API server whose pods are Docker containers. */
export { CHANNEL_PROTOCOL, frame } from './channels.js';
export {
  FakeKubeApiServer,
  type FakeKubeApiServerOptions,
  type FakeKubeRequest,
} from './fake-kube-server.js';
export type { PodObject } from './fake-pod.js';
export type { FakeKubeFaults } from './faults.js';
