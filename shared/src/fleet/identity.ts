import type { KeyObject } from 'node:crypto';
import type { TrustedKey } from '../env/vars/fleet.ts';
import type { Outcome } from '../errors.ts';
import { natsNkeys } from '../nats-lazy.ts';
import { ed25519Sign, ed25519Verify, privateKeyOfSeed, publicKeyOf } from './ed25519.ts';

// Domain separation: these signatures can never be mistaken for anything else an NKEY signs (a NATS server nonce).
const CONTEXT = 'mta-fleet-v1';

// What one signature covers: the operation, where the entry lives (bucket/key or learn/kind), when, and the body's
// SHA-256. Moving a signed value to another key, or replaying it as another operation, breaks it.
const signedText = (op: string, scope: string, at: string, digestHex: string): Uint8Array =>
  new TextEncoder().encode([CONTEXT, op, scope, at, digestHex].join('\n'));

export const sha256Hex = (data: Uint8Array): string =>
  process.getBuiltinModule('node:crypto').createHash('sha256').update(data).digest('hex');

export type Verdict = Outcome<{ signer: string }>;

// The public keys whose signatures this node accepts, by name. Verifying needs no private key: a process that only
// reads fleet messages (metrics) holds none.
export class TrustedSigners {
  private readonly verifiers = new Map<string, KeyObject>();

  private constructor(
    private readonly trusted: ReadonlyMap<string, string>,
    // The NKEY library checks a key's type and checksum; signatures are verified natively (ed25519.ts).
    private readonly fromPublic: (key: string) => unknown,
  ) {}

  static async load(trust: readonly TrustedKey[]): Promise<TrustedSigners> {
    const { fromPublic } = await natsNkeys();
    return new TrustedSigners(new Map(trust.map((t) => [t.key, t.name])), fromPublic);
  }

  get size(): number {
    return this.trusted.size;
  }

  // Whether entries signed by this public key still count (MTA_FLEET_TRUST can shrink between restarts).
  has(signer: string): boolean {
    return this.trusted.has(signer);
  }

  // Every trusted public key: where a bucket holds one entry per node, only these are looked up.
  keys(): string[] {
    return [...this.trusted.keys()];
  }

  // The signer's name when the key is trusted and the signature holds.
  verify(signer: string, sig: string, op: string, scope: string, at: string, digestHex: string): Verdict {
    const name = this.trusted.get(signer);
    if (name === undefined) return { ok: false, reason: `signer ${signer.slice(0, 12)}… is not in MTA_FLEET_TRUST` };
    let pub = this.verifiers.get(signer);
    if (!pub) {
      try {
        this.fromPublic(signer);
        pub = publicKeyOf(signer);
      } catch {
        return { ok: false, reason: `signer ${signer.slice(0, 12)}… is no valid public key` };
      }
      this.verifiers.set(signer, pub);
    }
    const good = ed25519Verify(pub, signedText(op, scope, at, digestHex), Buffer.from(sig, 'base64url'));
    return good ? { ok: true, signer: name } : { ok: false, reason: `bad signature (claimed signer ${name})` };
  }
}

// This node's signing key and the keys it trusts (its own included). Never the NATS credentials: a broker that asks
// for a signature over a nonce of its choosing must not obtain a fleet signature.
export class FleetIdentity {
  private constructor(
    private readonly key: KeyObject,
    readonly node: string,
    readonly publicKey: string,
    readonly signers: TrustedSigners,
  ) {}

  // Fails on a seed whose checksum or type is wrong (the env check only looks at its shape).
  static async load(seed: string, node: string, trust: readonly TrustedKey[] = []): Promise<FleetIdentity> {
    const { fromSeed } = await natsNkeys();
    const pair = fromSeed(new TextEncoder().encode(seed.trim()));
    const publicKey = pair.getPublicKey();
    // The native key is the one kept: the library's copy of the seed is wiped.
    pair.clear();
    const signers = await TrustedSigners.load([...trust.filter((t) => t.key !== publicKey), { key: publicKey, name: node }]);
    return new FleetIdentity(privateKeyOfSeed(seed.trim()), node, publicKey, signers);
  }

  // Base64url Ed25519 signature.
  sign(op: string, scope: string, at: string, digestHex: string): string {
    return ed25519Sign(this.key, signedText(op, scope, at, digestHex)).toString('base64url');
  }

  // The signer's name when the key is trusted and the signature holds.
  verify(signer: string, sig: string, op: string, scope: string, at: string, digestHex: string): Verdict {
    return this.signers.verify(signer, sig, op, scope, at, digestHex);
  }

  // Whether entries signed by this public key still count (MTA_FLEET_TRUST can shrink between restarts).
  trusts(signer: string): boolean {
    return this.signers.has(signer);
  }

  isSelf(signer: string): boolean {
    return signer === this.publicKey;
  }
}

// A new NKEY user key pair (what `nk -gen user -pubout` prints), for MTA_FLEET_KEY or NATS_NKEY.
export async function newNkey(): Promise<{ seed: string; publicKey: string }> {
  const kp = (await natsNkeys()).createUser();
  return { seed: new TextDecoder().decode(kp.getSeed()), publicKey: kp.getPublicKey() };
}
