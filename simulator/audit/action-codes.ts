/**
 * AuditEvent.action per transaction, as configuration. NIR's published mapping (the default) and
 * the IHE/DICOM one disagree (research notes nhs-nir.md 4.2 "Mismatch with the brief"): IHE audits
 * ITI-38 as Query with action E (Execute) and ITI-39 as Export with action R (Read); NIR reads
 * PARS's `action` as CRUD and publishes ITI-38 R, ITI-39 E, RAD-75 R.
 */
import type { BrokerTransaction } from '../events/transaction-events.js';
import { AuditEventAction } from './codes.js';

/** The action code of each transaction's events. */
export type ActionCodeMap = Readonly<Record<BrokerTransaction, AuditEventAction>>;

/**
 * NIR's published mapping: ITI-38 R, ITI-39 E, RAD-75 R (the default); its MHD counterparts
 * alike (ITI-67 as ITI-38, ITI-68 as ITI-39, WADO-RS as RAD-75).
 */
export const NIR_ACTION_CODES: ActionCodeMap = {
  'ITI-38': 'R',
  'ITI-39': 'E',
  'RAD-75': 'R',
  'ITI-67': 'R',
  'ITI-68': 'E',
  'WADO-RS': 'R',
};

/**
 * The IHE/DICOM mapping (ITI TF-2 3.38.5.1 / 3.39.5.1, 3.67.5 / 3.68.5; IPF's audit strategies):
 * ITI-38 E, ITI-39 R, RAD-75 R; ITI-67 E, ITI-68 R, WADO-RS R.
 */
export const IHE_ACTION_CODES: ActionCodeMap = {
  'ITI-38': 'E',
  'ITI-39': 'R',
  'RAD-75': 'R',
  'ITI-67': 'E',
  'ITI-68': 'R',
  'WADO-RS': 'R',
};

const ACTIONS: ReadonlySet<string> = new Set(Object.values(AuditEventAction));
const TRANSACTIONS: ReadonlySet<string> = new Set(Object.keys(NIR_ACTION_CODES));

/**
 * Read a mapping such as `ITI-38=E,ITI-39=R` (or `nir` / `ihe` for the two named ones); unnamed
 * transactions keep NIR's default. Every problem is listed.
 */
export function parseActionCodes(
  text: string,
): { ok: true; actions: ActionCodeMap } | { ok: false; problems: string[] } {
  const t = text.trim();
  if (t === 'nir') return { ok: true, actions: NIR_ACTION_CODES };
  if (t === 'ihe') return { ok: true, actions: IHE_ACTION_CODES };
  const out: Record<string, string> = { ...NIR_ACTION_CODES };
  const problems: string[] = [];
  for (const part of t.split(',').map((p) => p.trim())) {
    const [tx, action, extra] = part.split('=').map((p) => p.trim());
    if (tx === undefined || action === undefined || extra !== undefined || !TRANSACTIONS.has(tx))
      problems.push(
        `'${part}': expected <ITI-38|ITI-39|RAD-75|ITI-67|ITI-68|WADO-RS>=<C|R|U|D|E>, or 'nir' or 'ihe'`,
      );
    else if (!ACTIONS.has(action)) problems.push(`'${part}': action must be one of C, R, U, D, E`);
    else out[tx] = action;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, actions: out as ActionCodeMap };
}
