import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjectToken } from '../bus.ts';
import { natsCore, natsJetStream } from '../nats-lazy.ts';
import type { FleetIdentity, Verdict } from './identity.ts';

export const LEARN_STREAM = 'MTA_LEARN';
const LEARN_SUBJECTS = ['mta-fleet.learn.spam', 'mta-fleet.learn.ham'];
export type LearnKind = 'spam' | 'ham';

// Content hash that identifies a learn request fleet-wide: same message + same verdict = same id.
const learnId = (kind: LearnKind, message: Uint8Array): string =>
  process.getBuiltinModule('node:crypto').createHash('sha256').update(kind).update('\0').update(message).digest('hex');

// The stream's settings, for the node that may create it and for `mta fleet init`: a week of messages (a node that
// was down catches up), a day of dedup ids, and no purge or message delete through the API.
export const learnStreamConfig = (replicas: number) => ({
  name: LEARN_STREAM,
  subjects: LEARN_SUBJECTS,
  max_age: 7 * 24 * 3600 * 1e9,
  duplicate_window: 24 * 3600 * 1e9,
  deny_delete: true,
  deny_purge: true,
  num_replicas: replicas,
});

// Binds to the stream; creates it where the credentials allow (a fleet without NATS permissions), else the
// operator creates it once with `mta fleet init`.
export async function ensureLearnStream(nc: NatsConnection): Promise<void> {
  const { jetstreamManager } = await natsJetStream();
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(LEARN_STREAM);
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
    // 3 replicas on a cluster (a lost server loses no pending learn), 1 on a single server.
    await jsm.streams
      .add(learnStreamConfig(3))
      .catch(() => jsm.streams.add(learnStreamConfig(1)))
      .catch((err: Error) => {
        throw new Error(`stream ${LEARN_STREAM} does not exist and cannot be created here (${err.message}); run \`mta fleet init\``);
      });
  }
}

// Headroom for the headers under the server's max_payload.
const HEADER_ROOM = 4096;

// Publishes one message for every node to learn, signed by this node. The hash doubles as JetStream's dedup id.
// A message above the server's max_payload goes as numbered chunks (each its own stream message, same signature).
// The subject is outside `mta.>` on purpose: event listeners (`mta events`) must never receive message bodies.
export async function publishLearn(nc: NatsConnection, id: FleetIdentity, kind: LearnKind, message: Uint8Array): Promise<string> {
  const hash = learnId(kind, message);
  const at = new Date().toISOString();
  const sig = id.sign('learn', `learn/${kind}`, at, hash);
  const [{ jetstream }, { headers }] = await Promise.all([natsJetStream(), natsCore()]);
  const js = jetstream(nc);
  const size = Math.max(1024, (nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM);
  const total = Math.max(1, Math.ceil(message.length / size));
  for (let i = 0; i < total; i++) {
    const h = headers();
    h.set('Mta-Node', id.node);
    h.set('Mta-Hash', hash);
    h.set('Mta-At', at);
    h.set('Mta-Signer', id.publicKey);
    h.set('Mta-Sig', sig);
    if (total > 1) h.set('Mta-Chunk', `${i + 1}/${total}`);
    const part = message.subarray(i * size, (i + 1) * size);
    await js.publish(`mta-fleet.learn.${kind}`, part, { msgID: total > 1 ? `${hash}.${i + 1}` : hash, headers: h });
  }
  return hash;
}

// One stream message: a whole learn message or one chunk of it.
export interface LearnPart {
  kind: LearnKind;
  hash: string;
  at: string;
  signer: string;
  sig: string;
  index: number;
  total: number;
  data: Uint8Array;
  msg: JsMsg;
}

// Reads the headers of a delivery; a reason when they are missing or malformed.
export function learnPart(msg: JsMsg): LearnPart | { reason: string } {
  const h = msg.headers;
  const get = (k: string) => h?.get(k) ?? '';
  const [index, total] = (get('Mta-Chunk') || '1/1').split('/').map(Number) as [number, number];
  const part = {
    kind: (msg.subject.endsWith('.ham') ? 'ham' : 'spam') as LearnKind,
    hash: get('Mta-Hash'),
    at: get('Mta-At'),
    signer: get('Mta-Signer'),
    sig: get('Mta-Sig'),
    index,
    total,
    data: msg.data,
    msg,
  };
  if (!part.hash || !part.at || !part.signer || !part.sig) return { reason: 'unsigned learn message' };
  if (!Number.isInteger(index) || !Number.isInteger(total) || index < 1 || index > total) return { reason: 'malformed chunk header' };
  return part;
}

// A whole message: its hash must be what was signed, by a trusted node.
export function verifyLearn(id: FleetIdentity, first: LearnPart, message: Uint8Array): Verdict {
  if (learnId(first.kind, message) !== first.hash) return { ok: false, reason: 'content does not match its signed hash' };
  return id.verify(first.signer, first.sig, 'learn', `learn/${first.kind}`, first.at, first.hash);
}

// Durable per-node consumer: each node gets every message once, acks only after its own sa-learn succeeded.
export async function learnConsumer(nc: NatsConnection, node: string) {
  const { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } = await natsJetStream();
  const jsm = await jetstreamManager(nc);
  const durable = learnDurable(node);
  try {
    await jsm.consumers.info(LEARN_STREAM, durable);
  } catch {
    await jsm.consumers.add(LEARN_STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 120 * 1e9,
      max_deliver: -1,
    });
  }
  return jetstream(nc).consumers.get(LEARN_STREAM, durable);
}

// The consumer a node uses (its NATS permissions name it).
const learnDurable = (node: string): string => `learn-${subjectToken(node)}`;
