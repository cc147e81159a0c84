/**
 * @module server/loopback
 * Which addresses are this machine's own: a bind address only this machine
 * can reach (an anonymous server may listen there), and a client's address
 * on this machine (the admin endpoint, /metrics under --auth).
 */

/** A host name or address that only this machine reaches: localhost, ::1, 127/8, and 127/8 mapped into IPv6. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A peer address (socket.remoteAddress) on this machine; undefined (a closed socket) is not. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && isLoopbackHost(address);
}
