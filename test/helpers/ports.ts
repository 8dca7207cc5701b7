// Ports for servers that cannot listen on port 0 and say which port they got (carbon-c-relay refuses
// port 0 in its config). A port read from a closed listen(0) is one of the kernel's ephemeral ports,
// the range every outgoing connection and every other listen(0) draws from: with test files running
// side by side, one of their sockets could take it before the server binds it, and the server then
// fails to start, or (worse) the test's connection reaches the other socket. Ports are picked below
// that range, where the kernel assigns none, and a server is known ready when it is the process that
// listens on its port (the kernel's table of sockets and the process's descriptors), not when a
// connection to the port succeeds.

import dgram from 'node:dgram'
import fs from 'node:fs'
import net from 'node:net'

/** The kernel's ephemeral port range (net.ipv4.ip_local_port_range). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)
    return [Number(low), Number(high)]
  } catch {
    return [32768, 60999]
  }
}

function bindsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function bindsUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    socket.once('error', () => {
      socket.close()
      resolve(false)
    })
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)))
  })
}

/**
 * A port on 127.0.0.1, free now for TCP (and UDP with `udp`), outside the ephemeral range: no
 * outgoing connection or listen(0) of another test can take it before its server binds it.
 */
export async function unassignedPort(options: { udp?: boolean } = {}): Promise<number> {
  const [low, high] = ephemeralRange()
  // Below the range when there is room (the default range starts at 32768), else above it.
  const [from, to] = low > 12_000 ? [Math.max(1024, low - 12_000), low - 1] : [high + 1, 65_535]
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1))
    if ((await bindsTcp(port)) && (!options.udp || (await bindsUdp(port)))) return port
  }
  throw new Error(`no free port in ${from}-${to}`)
}

/** The inodes of the sockets that process `pid` holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>()
  let fds: string[] = []
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`)
  } catch {
    return inodes
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (match) inodes.add(match[1]!)
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes
}

/** A TCP socket of the kernel's tables (/proc/net/tcp and tcp6): its local port, state and inode. */
export interface TcpSocket {
  localPort: number
  /** The kernel's state code: 01 ESTABLISHED, 08 CLOSE_WAIT, 0A LISTEN... */
  state: string
  inode: string
}

/** Every TCP socket of this machine's network namespace, IPv4 and IPv6. */
export function tcpSockets(): TcpSocket[] {
  const sockets: TcpSocket[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = fs.readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10) continue
      // The local address is HEXIP:HEXPORT; field 9 is the socket's inode.
      sockets.push({
        localPort: parseInt(fields[1]!.split(':')[1]!, 16),
        state: fields[3]!,
        inode: fields[9]!,
      })
    }
  }
  return sockets
}

/** Whether process `pid` itself listens for TCP on `port` (any address). */
export function listensOn(pid: number, port: number): boolean {
  const inodes = socketInodes(pid)
  return tcpSockets().some((s) => s.state === '0A' && s.localPort === port && inodes.has(s.inode))
}
