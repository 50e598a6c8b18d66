import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

export interface UnresponsiveServer extends AsyncDisposable {
  /** `127.0.0.1:<port>`, to pass as a broker address. */
  readonly address: string;
  /** Connections open right now (a client that gave up must have closed its own). */
  readonly openConnections: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * A TCP server that accepts connections and then never answers (`silent`), or answers
 * every request with bytes that are not Kafka (`garbage`): the two ways a wrong address or
 * a hung broker look to a client. For tests of time bounds and error messages.
 *
 * @example
 * await using broker = await startUnresponsiveServer('silent');
 * const publisher = createPublisher({ brokers: [broker.address], deliveryTimeoutMs: 2_000, … });
 */
export async function startUnresponsiveServer(mode: 'silent' | 'garbage'): Promise<UnresponsiveServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', () => {
      if (mode === 'garbage') socket.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 7\r\n\r\ngarbage');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    address: `127.0.0.1:${port}`,
    get openConnections() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
