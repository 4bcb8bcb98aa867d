/**
 * The data pack the throughput and overload benchmarks query: seed 11, three communities, 60
 * patients, 6-7 studies per community, generated into a temporary directory, and its patient with
 * 20 documents in all three communities (so every FindDocuments fans out to three legs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { DataPack, PatientRow } from '../simulator/data-pack/pack-format.js';

/**
 * Run `fn` with the bench pack (its directory `dir` is removed afterwards, whatever happens).
 * @throws Error when the pack has no patient with 20 documents in 3 communities.
 */
export async function withBenchPack<T>(
  fn: (bench: { dir: string; pack: DataPack; patient: PatientRow }) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
  try {
    await generateDataPack({
      seed: 11,
      communities: 3,
      patients: 60,
      outDir: dir,
      studiesPerCommunity: { min: 6, max: 7 },
    });
    const pack = await loadDataPack(dir);
    const patient = pack.patients.find((p) => p.documentCount === 20 && p.homeCommunityIds.length === 3);
    if (!patient) throw new Error('no patient with 20 documents in 3 communities in the bench pack');
    return await fn({ dir, pack, patient });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
