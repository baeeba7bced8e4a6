// Preloaded into the Portkey gateway by bench/overhead.sh (node --require).
// Its start script binds every interface and has no option to choose one; the
// benchmark keeps all of its servers on loopback, so a listen() call that
// names a port but no host is given 127.0.0.1. Nothing else is changed.

'use strict';

const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' && args[1] === undefined) {
    args[1] = '127.0.0.1';
  }
  return listen.apply(this, args);
};
