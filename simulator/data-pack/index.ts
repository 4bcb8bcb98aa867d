/**
 * The data-pack module's public API: pack format, generator, loader and stored-query evaluation
 * (DESIGN.md "data-pack"). Import from here rather than from the individual files.
 */
export {
  PACK_SCHEMA_VERSION,
  PackFiles,
  type CommunityData,
  type CommunityManifest,
  type DataPack,
  type Gender,
  type PackManifest,
  type PatientRow,
  type SpreadCounts,
  type SpreadExamples,
  type UnknownPatientPolicy,
} from './pack-format.js';
export {
  DEFAULT_PACK,
  DEFAULT_REFERENCE_MS,
  GENERATOR_VERSION,
  generateDataPack,
  type GenerateOptions,
  type GenerateSummary,
} from './generator.js';
export { loadDataPack } from './loader.js';
export { evaluateStoredQuery, knowsPatient } from './stored-query.js';
export { NIR_SIM_UID_ROOT } from './uids.js';
