// What the CLI and tests reuse: naming, TXT rendering and public key facts.

export { type KeyEntry, listKeys } from './inventory.ts';
export { inspectKey, inspectPublicKey, type KeyInfo } from './keyinfo.ts';
export { dkimRecordName, type KeyId, keyFileName, parseKeyFileName, txtFileName } from './names.ts';
export { comparePublished, describePublished, lookupFailure, type Published } from './published.ts';
export { type DomainRecords, dmarcValue, renderDomainRecords, spfValue } from './records.ts';
export { runDkimKeys, type ServiceOptions } from './service.ts';
export { dkimPublicKey, dkimTxtValue, parseTxtRecord, renderTxtRecord, splitTxt } from './txt.ts';
