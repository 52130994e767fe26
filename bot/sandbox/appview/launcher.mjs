// Starts the reference Bluesky test network of @atproto/dev-env (PLC + PDS + AppView `bsky` with
// its dataplane, bsync and ozone) on 127.0.0.1 for sharebot's read-back and stats tests.
// Needs DB_POSTGRES_URL (an empty PostgreSQL database) and REDIS_HOST (host:port) in the
// environment and Node >= 22. Prints one JSON line
//   {"ready": true, "pds": URL, "appview": URL, "plc": URL, "control": URL, "adminPassword": ...,
//    "startMs": N}
// and runs until SIGTERM/SIGINT (or, with --watch-stdin, until stdin closes).
// The control server answers POST /process-all once the AppView has indexed everything the PDS
// has sequenced so far (the network's own processAll), so tests never sleep before reading,
// and GET /counts with the requests each server received so far.
import { createRequire } from 'node:module'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const HOST = '127.0.0.1'
const started = Date.now()

// Every server of the network calls listen(port) without a host (all interfaces); keep them
// on loopback. Patched on net.Server so http, http2 (the dataplane) and ws servers all follow.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, HOST)
  } else if (args[0] && typeof args[0] === 'object' && args[0].host === undefined && args[0].path === undefined) {
    args[0] = { ...args[0], host: HOST }
  }
  return listen.apply(this, args)
}

// ES modules ignore NODE_PATH: resolve the package from the install folder (the cwd).
const require = createRequire(path.join(process.cwd(), 'package.json'))
const devEnv = pathToFileURL(require.resolve('@atproto/dev-env'))
const { TestNetwork, ADMIN_PASSWORD } = await import(devEnv.href)

// Requests that reach each HTTP server of the network, by "http://localhost:PORT/path", for
// benchmarks that count calls (GET /counts on the control server).
const counts = new Map()
const emit = http.Server.prototype.emit
http.Server.prototype.emit = function (event, ...args) {
  if (event === 'request' && !this.sharebotControl) {
    const key = `http://localhost:${this.address()?.port}${(args[0].url || '').split('?')[0]}`
    counts.set(key, (counts.get(key) || 0) + 1)
  }
  return emit.call(this, event, ...args)
}

function controlServer(network) {
  let queue = Promise.resolve()
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/counts') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(Object.fromEntries(counts)))
      return
    }
    if (req.method !== 'POST' || req.url !== '/process-all') {
      res.writeHead(404).end()
      return
    }
    // one processAll at a time: concurrent callers wait for each other
    queue = queue.then(() => network.processAll(10000)).then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      (err) => res.writeHead(500).end(String(err && err.message ? err.message : err)),
    )
  })
  server.sharebotControl = true
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(server)))
}

async function main() {
  const network = await TestNetwork.create({
    dbPostgresSchema: 'sharebot',
    pds: {
      hostname: 'localhost',
      rateLimitsEnabled: process.env.PDS_RATE_LIMITS_ENABLED === 'true',
    },
    bsky: {},
    plc: {},
    ozone: {},
  })
  const control = await controlServer(network)

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    control.close()
    try {
      await network.close()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  if (process.argv.includes('--watch-stdin')) {
    process.stdin.on('end', stop) // the parent went away without a SIGTERM
    process.stdin.resume()
  }

  const ready = {
    ready: true,
    pds: network.pds.url,
    appview: network.bsky.url,
    plc: network.plc.url,
    control: `http://${HOST}:${control.address().port}`,
    adminPassword: ADMIN_PASSWORD, // dev-env's fixed test password, loopback only
    startMs: Date.now() - started,
  }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

main().catch((err) => {
  process.stderr.write(`launcher failed: ${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
