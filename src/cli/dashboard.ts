// `sluice dashboard [--port 3100] [-n ns | -A]`: the rollout page in the browser, served on
// localhost with the user's own kubeconfig, so it shows and does what that user's RBAC allows.
import { Command, Option } from 'commander';
import { userInfo } from 'node:os';
import { loadKubeConfig, KubeClient } from '../kube/index.js';

interface DashboardFlags {
  port: string;
  address: string;
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  meshProvider: string;
}

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description('serve a live page of the canaries on localhost (weights, metrics, events, actions) with your kubeconfig')
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').default('3100'))
    .addOption(new Option('--address <ip>', 'loopback address to listen on').default('127.0.0.1'))
    .option('-n, --namespace <ns>', "watch one namespace (default: the kubeconfig context's)")
    .option('-A, --all-namespaces', 'watch every namespace')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .addOption(
      new Option('--mesh-provider <name>', "provider of Canaries without spec.provider, as the operator's -mesh-provider: names their routing objects")
        .env('SLUICE_PROVIDER')
        .default('istio'),
    )
    .action(async (flags: DashboardFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${flags.port}`);
      if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(flags.address))
        throw new Error(`--address must be a loopback address (the page acts with your credentials), got ${flags.address}`);
      const kc = loadKubeConfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
      const namespace = flags.allNamespaces ? undefined : (flags.namespace ?? (kc.getContextObject(kc.getCurrentContext())?.namespace || 'default'));
      const { startDashboard } = await import('../dashboard/server.js');
      const dashboard = await startDashboard({
        client: new KubeClient(kc),
        namespace,
        port,
        host: flags.address,
        user: userInfo().username,
        defaultProvider: flags.meshProvider,
        reader: 'your Kubernetes user',
        eventsGrant: `Ask for them (try: kubectl auth can-i watch events ${namespace ? `-n ${namespace}` : '-A'}).`,
      });
      console.log(`sluice dashboard: ${dashboard.url} (${namespace ? `namespace ${namespace}` : 'all namespaces'}; Ctrl-C to stop)`);
      const stop = () => void dashboard.stop().finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
