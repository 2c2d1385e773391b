// An admission webhook that holds one matching API request until the test decides its fate.
// It puts a controller crash at an exact point of a reconcile: the controller's request is held
// in the apiserver, the test SIGKILLs the controller, then denies the request, so the write
// never happens, exactly as if the process had died just before sending it.
//
// Only requests that match the configuration's rules, namespace and CEL matchConditions reach
// it; the first is held, later ones are allowed at once. With `hold: false` it holds nothing and
// only records what it sees (to count the API writes a controller makes). failurePolicy is Ignore: if the test
// process dies, nothing in the cluster stays blocked.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServingCertificate } from '../../../src/admission/certificates.js';
import { kubectl } from '../../support/cluster.js';

export interface HeldRequest {
  at: number;
  user?: string;
  kind?: string;
  operation: string;
  resource: string;
  subResource?: string;
  name?: string;
  object: any;
  oldObject?: any;
}

export interface HoldOptions {
  /** Name of the ValidatingWebhookConfiguration (cluster-scoped: make it unique). */
  name: string;
  namespace: string;
  rules: Record<string, unknown>[];
  /** CEL; all must hold for a request to be sent here. */
  matchConditions?: { name: string; expression: string }[];
  /** Default true: hold the first matching request. false: allow all, record them. */
  hold?: boolean;
}

export class HoldingWebhook {
  private held?: { request: HeldRequest; answer: (allowed: boolean, message: string) => void };
  private heldWaiters: ((r: HeldRequest) => void)[] = [];
  private passed = 0;
  /** Every request seen, in order. */
  readonly seen: HeldRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly options: HoldOptions,
  ) {}

  static async start(options: HoldOptions): Promise<HoldingWebhook> {
    const cert = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
    const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        const review = JSON.parse(body);
        const r = review.request;
        let answered = false;
        const respond = (allowed: boolean, message: string) => {
          if (answered || res.writableEnded || res.destroyed) return;
          answered = true;
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: { uid: r.uid, allowed, ...(allowed ? {} : { status: { code: 503, message } }) },
            }),
          );
        };
        const request: HeldRequest = {
          at: Date.now(),
          user: r.userInfo?.username,
          kind: r.kind?.kind,
          operation: r.operation,
          resource: r.resource?.resource,
          subResource: r.subResource,
          name: r.name,
          object: r.object,
          oldObject: r.oldObject,
        };
        hook.seen.push(request);
        if (hook.held || options.hold === false) {
          hook.passed++;
          respond(true, '');
          return;
        }
        hook.held = { request, answer: respond };
        for (const w of hook.heldWaiters) w(request);
        hook.heldWaiters = [];
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const hook = new HoldingWebhook(server, options);
    const port = (server.address() as AddressInfo).port;
    const config = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: options.name, labels: { 'app.kubernetes.io/part-of': 'sluice-chaos-tests' } },
      webhooks: [
        {
          name: 'hold.chaos.sluice.dev',
          clientConfig: { url: `https://127.0.0.1:${port}/hold`, caBundle: Buffer.from(cert.caCert).toString('base64') },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          timeoutSeconds: 20,
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': options.namespace } },
          rules: options.rules,
          ...(options.matchConditions ? { matchConditions: options.matchConditions } : {}),
        },
      ],
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(config) });
    return hook;
  }

  /** Resolves when a request is being held. */
  waitHeld(timeoutMs: number): Promise<HeldRequest> {
    if (this.held) return Promise.resolve(this.held.request);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no request reached webhook ${this.options.name} in ${timeoutMs} ms`)), timeoutMs);
      this.heldWaiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  /** Answers the held request: false = the write is refused and never happens. */
  release(allowed: boolean, message = 'refused by test/chaos: the controller died before this write'): void {
    this.held?.answer(allowed, message);
  }

  /** Requests let through after the held one. */
  passedCount(): number {
    return this.passed;
  }

  /** Deletes the configuration and stops the server (refusing a request still held). Never throws; twice is fine. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await kubectl(['delete', 'validatingwebhookconfiguration', this.options.name, '--ignore-not-found']).catch(() => undefined);
    try {
      this.release(false);
    } catch {
      /* already answered */
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private removed = false;
}
