// Scan one host with the MDN HTTP Observatory and print the result as JSON.
//
//   NODE_EXTRA_CA_CERTS=cert.pem node scan.mjs 127.0.0.1:8443
//
// The package's own command-line wrapper (bin/wrapper.js) replaces
// NODE_EXTRA_CA_CERTS with Mozilla's CA bundle, so a test certificate would
// never be trusted and every HTTPS result would read "invalid certificate".
// This runner calls the scan function directly instead, and keeps the
// environment it is given.
//
// The host may carry a port ("127.0.0.1:8443"): the scanner then asks for
// https://HOST:PORT/ and http://HOST:PORT/, both on that port. scan() accepts
// an options argument, but version 1.4.8 does not pass it on, so there is no
// way to name a separate HTTP port here.
//
// Exit status: 0 with the result on stdout; 1 with the reason on stderr when
// the scan could not be made (site down, unexpected status code, ...); 2 when
// no host was given.

import { scan } from "@mdn/mdn-http-observatory";

const host = process.argv[2];
if (!host || process.argv.length > 3) {
  process.stderr.write("usage: node scan.mjs HOST[:PORT]\n");
  process.exit(2);
}

try {
  const result = await scan(host);
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`The scan of ${host} failed: ${message}\n`);
  process.exit(1);
}
