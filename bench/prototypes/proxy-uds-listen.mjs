// Prototype (issue 18, measured, not production code): a preload (`node --import`) that makes the
// first http.Server of a process that listens also accept connections on the Unix domain socket
// UDS_PATH, handed to that server as its own (`'connection'`); TCP stays as it was. Lets
// proxy-measure.sh's `gateway-uds` variant reach the built platform-service over a Unix socket
// without a setting of the service's own.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const path = process.env.UDS_PATH;
const listen = http.Server.prototype.listen;
let added = false;
http.Server.prototype.listen = function (...args) {
  if (!added && path) {
    added = true;
    fs.rmSync(path, { force: true });
    net.createServer((socket) => this.emit('connection', socket)).listen(path);
  }
  return listen.apply(this, args);
};
