import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OTLP/HTTP endpoint that takes span exports and drops them, so the `processes` topology
 * records and exports traces as a deployment with a collector does (the chart's sampling), and
 * counts what it was sent. The collector's own cost is not the pipeline's and is not measured.
 */
export interface TraceSink {
  readonly endpoint: string;
  readonly exports: () => number;
  readonly stop: () => Promise<void>;
}

export async function startTraceSink(): Promise<TraceSink> {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports += 1;
      // An empty body is an empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(req.method === 'POST' ? 200 : 404).end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports: () => exports,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}
