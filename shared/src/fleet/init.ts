import type { NatsConnection } from '@nats-io/nats-core';
import { natsJetStream, natsKv } from '../nats-lazy.ts';
import { BUCKET_HISTORY, bucketOptions, CERTS_BUCKET, DKIM_BUCKET, DMARC_BUCKET, GUARD_BUCKET, SRS_BUCKET, STS_BUCKET } from './kv.ts';
import { LEARN_STREAM, learnStreamConfig } from './learn.ts';
import { whilePlacing } from './placement.ts';

// `mta fleet init`: the operator creates the buckets and the stream once, with JetStream admin credentials that no
// node holds. Idempotent; existing ones are kept. The stream refuses purge and message delete through the API
// (deny_purge, deny_delete), the buckets message delete (KV needs roll-ups, which need purge), so even a leaked
// admin session must change them first.
export async function initFleet(nc: NatsConnection, replicas: number): Promise<string[]> {
  const [{ jetstreamManager }, { Kvm }] = await Promise.all([natsJetStream(), natsKv()]);
  const jsm = await jetstreamManager(nc);
  const done: string[] = [];
  for (const bucket of [DKIM_BUCKET, CERTS_BUCKET, GUARD_BUCKET, SRS_BUCKET, DMARC_BUCKET, STS_BUCKET]) {
    await whilePlacing(() => new Kvm(nc).create(bucket, { history: BUCKET_HISTORY, replicas, ...bucketOptions(bucket) }));
    const name = `KV_${bucket}`;
    const { config } = await jsm.streams.info(name);
    if (!config.deny_delete) await jsm.streams.update(name, { ...config, deny_delete: true });
    done.push(`bucket ${bucket}`);
  }
  try {
    await jsm.streams.info(LEARN_STREAM);
  } catch {
    await whilePlacing(() => jsm.streams.add(learnStreamConfig(replicas)));
  }
  done.push(`stream ${LEARN_STREAM}`);
  return done;
}
