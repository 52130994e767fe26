// Starts the reference Bluesky test network of @atproto/dev-env (PLC + PDS + AppView `bsky` with
// its dataplane, bsync and ozone) on 127.0.0.1 for sharebot's read-back and stats tests, plus a
// second PDS ("elsewhere", handles under .elsewhere) whose accounts the AppView indexes too.
// Needs DB_POSTGRES_URL (an empty PostgreSQL database) and REDIS_HOST (host:port) in the
// environment and Node >= 22. Prints one JSON line
//   {"ready": true, "pds": URL, "elsewhere": URL, "appview": URL, "plc": URL, "control": URL, "adminPassword": ...,
//    "startMs": N}
// and runs until SIGTERM/SIGINT (or, with --watch-stdin, until stdin closes).
// The control server answers POST /process-all once the AppView has indexed everything the PDS
// and the second PDS have sequenced so far (the network's own processAll, then the second
// PDS's), so tests never sleep before reading,
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
const { TestNetwork, TestPds, ADMIN_PASSWORD } = await import(devEnv.href)

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

function controlServer(network, elsewhere) {
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
    queue = queue
      .then(() => network.processAll(10000))
      .then(() => processElsewhere(elsewhere))
      .then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        (err) => res.writeHead(500).end(String(err && err.message ? err.message : err)),
      )
  })
  server.sharebotControl = true
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(server)))
}

// A second PDS on the network's PLC, as another provider runs one (handles under
// .elsewhere). Production's AppView reads every PDS through the relay and resolves handles
// over DNS or /.well-known; dev-env's reads one PDS and resolves every .test handle on it, so
// the AppView gets a second subscription (the same RepoSubscription class, on this PDS's
// firehose) and the network's resolvers send .elsewhere handles to this PDS.
const ELSEWHERE = '.elsewhere'

async function elsewherePds(network) {
  const other = await TestPds.create({
    hostname: 'localhost',
    didPlcUrl: network.plc.url,
    serviceHandleDomains: [ELSEWHERE],
    rateLimitsEnabled: process.env.PDS_RATE_LIMITS_ENABLED === 'true',
  })
  const resolvers = [
    network.pds.ctx.idResolver,
    network.bsky.ctx.idResolver,
    network.bsky.dataplane.idResolver,
    other.ctx.idResolver,
  ]
  for (const resolver of resolvers) {
    const resolve = resolver.handle.resolve.bind(resolver.handle)
    resolver.handle.resolve = async (handle) =>
      handle.endsWith(ELSEWHERE) ? resolveAt(other.url, handle) : resolve(handle)
  }
  const Subscription = network.bsky.sub.constructor
  const sub = new Subscription({
    service: `ws://localhost:${other.port}`,
    db: network.bsky.db,
    idResolver: network.bsky.dataplane.idResolver,
  })
  void sub.start()
  return { pds: other, sub }
}

async function resolveAt(url, handle) {
  const res = await fetch(`${url}/xrpc/com.atproto.identity.resolveHandle?handle=${handle}`)
  return res.ok ? (await res.json()).did : undefined
}

// processAll for the second PDS: its queue, then the AppView's subscription until its cursor
// reaches what the PDS has sequenced (the subscription may report done before the event came).
async function processElsewhere({ pds, sub }, timeout = 10000) {
  await pds.processAll()
  const last = await pds.ctx.sequencer.curr()
  const deadline = Date.now() + timeout
  for (;;) {
    await sub.processAll()
    const cursor = await sub.getCursor()
    if (!last || (cursor && cursor >= last)) return
    if (Date.now() > deadline) throw new Error(`${ELSEWHERE} PDS not indexed in ${timeout} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
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
  const elsewhere = await elsewherePds(network)
  const control = await controlServer(network, elsewhere)

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    control.close()
    try {
      await elsewhere.sub.destroy()
      await elsewhere.pds.close()
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
    elsewhere: elsewhere.pds.url,
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
