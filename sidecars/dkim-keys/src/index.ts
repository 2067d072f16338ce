// What the CLI and tests reuse: key inventory, public key facts and DNS records (naming and TXT rendering are in shared).

export { type KeyEntry, listKeys } from './inventory.ts';
export { inspectKey, inspectPublicKey, type KeyInfo } from './keyinfo.ts';
export { comparePublished, describePublished, lookupFailure, type Published } from './published.ts';
export { type DomainRecords, dmarcValue, renderDomainRecords, spfValue } from './records.ts';
export { runDkimKeys, type ServiceOptions } from './service.ts';
