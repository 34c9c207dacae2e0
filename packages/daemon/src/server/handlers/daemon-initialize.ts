import { DaemonInitialize, PROTOCOL_VERSION, TEND_VERSION } from '@tend/protocol';
import { TendDaemonError } from '../../errors.js';
import { defineHandler } from '../handler.js';

export const daemonInitialize = defineHandler(DaemonInitialize, (params, { connection, daemon }) => {
  if (params.protocolVersion < PROTOCOL_VERSION) {
    throw new TendDaemonError(
      'protocol_mismatch',
      `client ${params.client.name} speaks protocol ${params.protocolVersion}, this daemon ${PROTOCOL_VERSION}; upgrade the client`,
      { daemonProtocolVersion: PROTOCOL_VERSION },
    );
  }
  connection.initialize(params.client, params.session);
  daemon.sessions.joined(connection.id, params.session);
  return {
    version: TEND_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    pid: daemon.pid,
    startedAt: new Date(daemon.startedAt).toISOString(),
    socket: daemon.socketPath,
  };
});
