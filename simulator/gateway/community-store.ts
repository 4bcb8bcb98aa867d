/**
 * What a simulated responding gateway serves: one community's registry and repository, as a
 * data pack provides it (data-pack/loader.ts).
 */
import type { CommunityData } from '../data-pack/loader.js';

/** One community's metadata, DocumentEntries and documents (read on demand). */
export type CommunityStore = CommunityData;
