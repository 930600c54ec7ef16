// The atproto reference PDS with an in-memory PLC directory, on 127.0.0.1, for crosspost's tests.
// Prints one line `{"url": "http://127.0.0.1:PORT"}` when ready; stops when stdin closes.
'use strict'
const net = require('net')
const os = require('os')
const fs = require('fs')
const path = require('path')

// Both servers call listen(port) without a host: keep them off every other interface.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function main() {
  const plc = require('@did-plc/server')
  const pds = require('@atproto/pds')
  const crypto = require('@atproto/crypto')

  const plcPort = await freePort()
  const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
  await plcServer.start()
  const plcUrl = `http://127.0.0.1:${plcPort}`

  const port = await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosspost-pds-'))
  const rotationKey = await crypto.Secp256k1Keypair.create({ exportable: true })
  const rotationHex = Buffer.from(await rotationKey.export()).toString('hex')
  const env = {
    port,
    hostname: 'localhost',
    devMode: true,
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    didPlcUrl: plcUrl,
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    jwtSecret: 'crosspost-test-jwt-secret',
    adminPassword: 'crosspost-test-admin',
    plcRotationKeyK256PrivateKeyHex: rotationHex,
    bskyAppViewUrl: 'http://127.0.0.1:9',
    bskyAppViewDid: 'did:example:appview',
    modServiceUrl: 'http://127.0.0.1:9',
    modServiceDid: 'did:example:mod',
    rateLimitsEnabled: false,
  }
  const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env))
  await server.start()
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, plc: plcUrl }) + '\n')

  const stop = async () => {
    try { await server.destroy() } catch (e) {}
    try { await plcServer.destroy() } catch (e) {}
    fs.rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.stdin.resume()
  process.on('SIGTERM', stop)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
