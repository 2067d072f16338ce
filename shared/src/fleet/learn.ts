import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { natsCore, natsJetStream } from '../nats-lazy.ts';

export const LEARN_STREAM = 'MTA_LEARN';
export type LearnKind = 'spam' | 'ham';

// Content hash that identifies a learn request fleet-wide: same message + same verdict = same id.
export const learnId = (kind: LearnKind, message: Uint8Array): string =>
  process.getBuiltinModule('node:crypto').createHash('sha256').update(kind).update('\0').update(message).digest('hex');

// Creates the stream once; messages are kept a week so a node that was down can catch up.
export async function ensureLearnStream(nc: NatsConnection): Promise<void> {
  const { jetstreamManager } = await natsJetStream();
  const jsm = await jetstreamManager(nc);
  const config = {
    name: LEARN_STREAM,
    subjects: ['mta-fleet.learn.spam', 'mta-fleet.learn.ham'],
    max_age: 7 * 24 * 3600 * 1e9,
    duplicate_window: 24 * 3600 * 1e9,
  };
  try {
    await jsm.streams.info(LEARN_STREAM);
  } catch {
    // 3 replicas on a cluster (a lost server loses no pending learn), 1 on a single server.
    await jsm.streams.add({ ...config, num_replicas: 3 }).catch(() => jsm.streams.add(config));
  }
}

// Publishes one message for every node to learn; the hash doubles as JetStream's dedup id. The subject is outside
// `mta.>` on purpose: event listeners (`mta events`) must never receive message bodies.
export async function publishLearn(nc: NatsConnection, kind: LearnKind, message: Uint8Array, node: string): Promise<string> {
  const id = learnId(kind, message);
  const [{ jetstream }, { headers }] = await Promise.all([natsJetStream(), natsCore()]);
  const h = headers();
  h.set('Mta-Node', node);
  h.set('Mta-Hash', id);
  await jetstream(nc).publish(`mta-fleet.learn.${kind}`, message, { msgID: id, headers: h });
  return id;
}

export interface LearnDelivery {
  kind: LearnKind;
  message: Uint8Array;
  hash: string;
  from: string;
  msg: JsMsg;
}

// Durable per-node consumer: each node gets every message once, acks only after its own sa-learn succeeded.
export async function learnConsumer(nc: NatsConnection, node: string) {
  const { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } = await natsJetStream();
  const jsm = await jetstreamManager(nc);
  const durable = `learn-${node.replace(/[^-_a-zA-Z0-9]/g, '_')}`;
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

// Turns a raw JetStream message into what the learner needs.
export function toDelivery(msg: JsMsg): LearnDelivery {
  const kind: LearnKind = msg.subject.endsWith('.ham') ? 'ham' : 'spam';
  return {
    kind,
    message: msg.data,
    hash: msg.headers?.get('Mta-Hash') || learnId(kind, msg.data),
    from: msg.headers?.get('Mta-Node') ?? '',
    msg,
  };
}
