/** device-sim: a fleet of realistic MQTT devices for tidegate, as a library (the CLI is cli.ts). */
export { createFleet, fleetDeviceIds, type Fleet, type FleetStats } from './fleet.js';
export { DEFAULT_FLEET_OPTIONS, type AckHook, type FleetOptions, type ResolvedFleetOptions, type TlsFiles } from './options.js';
export { defaultCatalogPath, loadCatalog, parseCatalog, type Catalog, type CatalogType, type CatalogField } from './catalog.js';
export { createReadingSource, telemetryTopic, type Emission, type ReadingSource, type ReadingSourceOptions } from './reading-source.js';
export { createSensorModel, type SensorModel } from './models/sensor-model.js';
export { ANOMALY_KINDS, type AnomalyKind } from './anomalies.js';
export { BAD_PAYLOAD_KINDS, DEFAULT_OVERSIZE_BYTES, type BadPayloadKind } from './bad-payloads.js';
export { createRng, type Rng } from './prng.js';
export { deviceId, parseSourceIps } from './plan.js';
export { SimError, type SimErrorCode } from './errors.js';
export type { Counters, LatencySummary } from './stats.js';
