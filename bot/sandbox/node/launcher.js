// Starts an in-memory PLC and the reference PDS on 127.0.0.1 for sharebot's tests.
// Prints one JSON line {"ready": true, "pds": URL, "plc": URL, "adminPassword": ...} and
// runs until SIGTERM/SIGINT, then stops both servers and removes its data directory.
'use strict'

const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const { PDS, envToCfg, envToSecrets } = require('@atproto/pds')
const plc = require('@did-plc/server')

const HOST = '127.0.0.1'

// Both servers call app.listen(port) without a host; bind them to loopback explicitly.
function bindLoopback(app) {
  app.listen = (port) => http.createServer(app).listen(port, HOST)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, HOST, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebot-pds-'))
  const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: 0 })
  bindLoopback(plcServer.app)
  const plcHttp = await plcServer.start()
  const plcUrl = `http://localhost:${plcHttp.address().port}`

  const port = await freePort()
  const adminPassword = crypto.randomBytes(16).toString('hex')
  const env = {
    port,
    hostname: 'localhost',
    devMode: true,
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    didPlcUrl: plcUrl,
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    rateLimitsEnabled: process.env.PDS_RATE_LIMITS_ENABLED === 'true',
    jwtSecret: crypto.randomBytes(32).toString('hex'),
    adminPassword,
    plcRotationKeyK256PrivateKeyHex: crypto.randomBytes(32).toString('hex'),
    crawlers: [],
  }
  const pds = await PDS.create(envToCfg(env), envToSecrets(env))
  bindLoopback(pds.app)
  await pds.start()

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    try {
      await pds.destroy()
      await plcServer.destroy()
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
      process.exit(0)
    }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  if (process.argv.includes('--watch-stdin')) {
    process.stdin.on('end', stop) // the parent went away without a SIGTERM
    process.stdin.resume()
  }

  const ready = { ready: true, pds: `http://localhost:${port}`, plc: plcUrl, adminPassword }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

main().catch((err) => {
  process.stderr.write(`launcher failed: ${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
