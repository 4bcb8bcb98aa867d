/**
 * The required elements of IHE MHD 4.2.x's Comprehensive DocumentReference
 * (https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.DocumentReference:
 * the elements with minimum cardinality 1 beyond FHIR R4's own), checked as code, beside the FHIR
 * R4 schema (fhir/schema-validator.ts) which checks structure and value sets.
 */
import type { DocumentReference } from 'fhir/r4.js';

/** One element MHD Comprehensive requires that the resource lacks, as a FHIRPath. */
export interface ProfileProblem {
  expression: string;
  message: string;
}

/** [FHIRPath, present?] for each element Comprehensive requires (min 1). */
const REQUIRED: readonly (readonly [string, (d: DocumentReference) => unknown])[] = [
  ['DocumentReference.masterIdentifier', (d) => d.masterIdentifier?.value],
  ['DocumentReference.identifier', (d) => d.identifier?.some((i) => i.value)],
  ['DocumentReference.status', (d) => d.status],
  ['DocumentReference.type', (d) => d.type?.coding?.[0]?.code],
  ['DocumentReference.category', (d) => d.category?.[0]?.coding?.[0]?.code],
  ['DocumentReference.subject', (d) => d.subject?.reference ?? d.subject?.identifier?.value],
  ['DocumentReference.securityLabel', (d) => d.securityLabel?.length],
  ['DocumentReference.content.attachment.contentType', (d) => d.content?.[0]?.attachment.contentType],
  ['DocumentReference.content.attachment.language', (d) => d.content?.[0]?.attachment.language],
  ['DocumentReference.content.attachment.creation', (d) => d.content?.[0]?.attachment.creation],
  ['DocumentReference.content.format', (d) => d.content?.[0]?.format?.code],
  ['DocumentReference.context.facilityType', (d) => d.context?.facilityType?.coding?.[0]?.code],
  ['DocumentReference.context.practiceSetting', (d) => d.context?.practiceSetting?.coding?.[0]?.code],
  ['DocumentReference.context.sourcePatientInfo', (d) => d.context?.sourcePatientInfo?.reference],
];

/**
 * Every element MHD Comprehensive requires that `d` lacks, plus: exactly one content (Comprehensive
 * content 1..1), and a local context.sourcePatientInfo reference that resolves to a contained
 * Patient. `[]` when `d` conforms (as far as these checks go; structure is the schema's job).
 */
export function checkComprehensiveDocumentReference(d: DocumentReference): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  for (const [expression, present] of REQUIRED)
    if (!present(d)) problems.push({ expression, message: 'required by MHD Comprehensive (min 1)' });
  if ((d.content?.length ?? 0) > 1)
    problems.push({
      expression: 'DocumentReference.content',
      message: 'MHD Comprehensive allows one content (max 1)',
    });
  const sp = d.context?.sourcePatientInfo?.reference;
  if (sp !== undefined && !(d.contained ?? []).some((r) => r.resourceType === 'Patient' && `#${r.id}` === sp))
    problems.push({
      expression: 'DocumentReference.context.sourcePatientInfo',
      message: `${sp} is not a contained Patient (MHD: sourcePatientInfo is contained)`,
    });
  return problems;
}
