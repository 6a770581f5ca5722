// An RS256 key pair for a test's `syncspec serve`: its public half written as a one-key
// JWKS (kid k1) in `dir`, and token(sub, seconds) signing a JWT for audience "powersync".
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function rs256Keys(dir) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
  function token(sub, seconds = 3600) {
    const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const body = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64({ sub, aud: 'powersync', iat: now, exp: now + seconds })}`;
    return `${body}.${crypto.sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
  }
  return { jwks, token };
}
