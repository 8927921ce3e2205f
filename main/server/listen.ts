// Binding the server's port, with the failures a person meets said as such: the port is taken
// (another `lab serve`), the host is not an address of this machine, the port needs privileges.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../userError.ts';

export class PortTakenError extends UserError {
  readonly port: number;
  constructor(port: number, options?: ErrorOptions) {
    super(`port ${port} is taken (another lab serve?): use --port <n> or stop the other server`, options);
    this.name = 'PortTakenError';
    this.port = port;
  }
}

/** What a listen error means for the person who started the server. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new PortTakenError(port, { cause: error });
    case 'EACCES':
      return new UserError(
        `port ${port} on ${host} needs more privileges (ports below 1024 usually do): use --port 7420 or another above 1023`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(
        `cannot listen on ${host}: it is not an address of this machine. Use --host 127.0.0.1 (this machine ` +
          'only), an address of one of its network interfaces, or 0.0.0.0 (every interface)',
        { cause: error },
      );
    default:
      return error;
  }
}

/** Listens and resolves to the port bound (the one picked when `port` is 0). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
    server.once('error', failed);
    server.listen({ port, host }, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
