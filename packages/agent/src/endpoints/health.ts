/**
 * grpc.health.v1 on the agent's public socket (what `spire-agent healthcheck` asks): SERVING
 * while the agent runs with an attested identity, NOT_SERVING otherwise. Only the overall ("")
 * service is known, as SPIRE's.
 */
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { healthv1 } from '@tspire/proto';

const { SERVING, NOT_SERVING } = healthv1.HealthCheckResponse_ServingStatus;

export function agentHealthRoutes(healthy: () => boolean): (router: ConnectRouter) => void {
  const status = () => (healthy() ? SERVING : NOT_SERVING);
  const checkService = (service: string) => {
    if (service !== '') throw new ConnectError('per-service health is not supported', Code.InvalidArgument);
  };
  return (router) => {
    router.service(healthv1.Health, {
      check(req) {
        checkService(req.service);
        return { status: status() };
      },
      list() {
        return { statuses: { '': { status: status() } } };
      },
      async *watch(req) {
        checkService(req.service);
        yield { status: status() };
      },
    });
  };
}
