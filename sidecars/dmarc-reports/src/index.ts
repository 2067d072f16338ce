// The DMARC aggregate report sidecar: what the tests and the CLI reach by the package's name.
export { ReportFleet } from './fleet.ts';
export { parseHistory, type Verdict } from './history.ts';
export { ReportService } from './service.ts';
