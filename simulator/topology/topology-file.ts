/**
 * Reading a topology file (README "Topology files"): YAML (JSON is YAML too) validated against the
 * topology schema (topology-spec.ts), every problem at once.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { SimError } from '../shared/errors.js';
import { parseTopologySpec, type TopologySpec } from './topology-spec.js';
import { SimErrorCode } from '../shared/errors.js';

/**
 * Read and validate a topology file (YAML; JSON is YAML too).
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the file cannot be read, is not YAML, or breaks the
 *   schema: every problem, each `<file>: <path>: <message>`, joined with '; '.
 */
export async function loadTopologyFile(file: string): Promise<TopologySpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new SimError(
      SimErrorCode.BadArgument,
      `${file}: cannot read the topology file (${why}): check the path`,
    );
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return `${file}: ${at ? `line ${at.line}, column ${at.col}` : '(yaml)'}: ${message}`;
    });
    throw new SimError(SimErrorCode.BadArgument, problems.join('; '));
  }
  const r = parseTopologySpec(doc.toJS());
  if (!r.ok) throw new SimError(SimErrorCode.BadArgument, r.problems.map((p) => `${file}: ${p}`).join('; '));
  return r.spec;
}
