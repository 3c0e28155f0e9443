// Makes componentize-js's own steps deterministic. Imported first by componentize.mjs,
// so it runs before componentize-js's modules are evaluated.
//
// componentize-js runs its splicer (a Rust component, transpiled by jco) in this Node
// process with WASI from @bytecodealliance/preview2-shim. The splicer reads the wall
// clock (when the `clocks` feature is off, it bakes the build time into the stage as the
// time the stage's clock reports) and draws random bytes (hash seeds); both made two
// builds of the same stage differ. Here the shim's wall clock reads SOURCE_DATE_EPOCH
// (else 1970), its monotonic clock advances 1 µs per reading, and its random bytes come
// from a fixed sequence. The engine's snapshot itself is made deterministic by
// weld-wizer (see composer/src/bin/weld-wizer.rs), which componentize.mjs passes as
// componentize-js's Wizer.

import { createHash } from 'node:crypto';

import { monotonicClock, wallClock } from '@bytecodealliance/preview2-shim/clocks';
import { insecure, random } from '@bytecodealliance/preview2-shim/random';

const epoch = BigInt(process.env.SOURCE_DATE_EPOCH ?? 0);
wallClock.now = () => ({ seconds: epoch, nanoseconds: 0 });

let tick = 0n;
monotonicClock.now = () => (tick += 1000n);

let block = 0;
function fixedBytes(len) {
  const out = new Uint8Array(Number(len));
  for (let offset = 0; offset < out.length; offset += 32) {
    const digest = createHash('sha256').update(`weld-build-${block++}`).digest();
    out.set(digest.subarray(0, Math.min(32, out.length - offset)), offset);
  }
  return out;
}
const fixedU64 = () => new BigUint64Array(fixedBytes(8).buffer)[0];
random.getRandomBytes = fixedBytes;
random.getRandomU64 = fixedU64;
insecure.getInsecureRandomBytes = fixedBytes;
insecure.getInsecureRandomU64 = fixedU64;
