/**
 * The scenario file format (docs/architecture.md "Scenarios"; docs/scenarios.md "The file format"): a
 * topology, faults and steps with exact expectations, no code. One zod schema gives the TypeScript
 * type, validates files (`scenario-file.ts`), and yields `scenarios/scenario.schema.json` for
 * editors (`scenarioJsonSchema`). Semantic rules the schema cannot say (ids, references, community
 * names) are in `scenario-check.ts`.
 */
import { z } from 'zod';
import { FaultSpecSchema } from '../faults/fault-spec.js';
import { ISSUE_SEVERITIES, ISSUE_TYPES } from '../fhir/operation-outcome.js';
import { TopologySpecSchema } from '../topology/topology-spec.js';

/** A step id: letters, digits, `-`, `_` (referenced by `from`). */
const stepId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a step id of letters, digits, "-" or "_" (at most 64)');

const oneLine = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\r\n]*$/, 'one line');

/** A DTM time `YYYY[MM[DD[hh[mm[ss]]]]]`, UTC (ITI TF-2 3.18.4.1.2.3.5). */
const dtm = z
  .string()
  .regex(/^(\d{4}|\d{6}|\d{8}|\d{10}|\d{12}|\d{14})$/, 'a DTM time YYYY[MM[DD[hh[mm[ss]]]]]');

/** A coded value `code^^codingScheme` (ITI TF-2 3.18.4.1.2.3.5, coded parameters). */
const coded = z.string().regex(/^[^^']+\^\^[^^']+$/, "a coded value 'code^^codingScheme'");

/** A community by name (as `sim status` shows it) or by homeCommunityId (`urn:oid:...`). */
const communityRef = z.string().min(1);

/** How a query step chooses its patient from the data pack (first match in patients.csv). */
const PatientRole = z.enum(['known-to-all', 'known-to-one', 'known-to-none', 'invalid-nhs-number']);
/** A patient role name. */
type PatientRole = z.output<typeof PatientRole>;

/** The patient of a query: a role, a role restricted to one community, an NHS number, or a raw CX. */
export const PatientSpecSchema = z.union(
  [
    PatientRole,
    z.object({ role: PatientRole, community: communityRef.optional() }).strict(),
    z.object({ nhsNumber: z.string().regex(/^\d{10}$/, 'ten digits') }).strict(),
    z.object({ patientId: z.string().min(1) }).strict(),
  ],
  {
    error:
      'a role (known-to-all, known-to-one, known-to-none, invalid-nhs-number), { role, community }, { nhsNumber } or { patientId }',
  },
);

/** Which documents of an earlier query step to use. */
export const PickSchema = z.union(
  [
    z.enum(['all', 'first', 'first-per-community']),
    z.object({ community: communityRef, count: z.number().int().positive().default(1) }).strict(),
  ],
  { error: 'all, first, first-per-community, or { community, count }' },
);

/** A DTM range: `from` inclusive, `to` exclusive (ITI TF-2 3.18.4.1.2.3.6.1). */
const timeRange = z.object({ from: dtm.optional(), to: dtm.optional() }).strict();

/** One expected RegistryError; the list is compared order-insensitively and exactly. */
export const ErrorExpectationSchema = z
  .object({
    errorCode: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an IHE errorCode such as XDSRegistryError'),
    severity: z.enum(['Error', 'Warning']),
    /** A community name, a homeCommunityId, or `none` (the broker's own error, no location). */
    location: z
      .string()
      .min(1)
      .describe("A community name, a homeCommunityId, or `none` (the broker's own error, no location)."),
    /** A substring the codeContext must contain. */
    contextIncludes: z.string().min(1).optional().describe('A substring the codeContext must contain.'),
    /** How many returned errors this entry stands for (e.g. one per object). */
    count: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe('How many returned errors this entry stands for (e.g. one per object); default 1.'),
  })
  .strict();

/** What a request step must get back. `errors` omitted means none. */
export const ExpectationSchema = z
  .object({
    /** Response status (ITI TF-3 4.2.4.2), short form. */
    status: z
      .enum(['Success', 'PartialSuccess', 'Failure'])
      .optional()
      .describe('Response status (ITI TF-3 4.2.4.2), short form.'),
    errors: z
      .array(ErrorExpectationSchema)
      .optional()
      .describe('The exact RegistryErrorList, in any order; left out: no errors at all.'),
    /** Objects (ITI-38) or documents (ITI-39) in total. */
    documents: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Objects (ITI-38) or documents (ITI-39) in total.'),
    /** Per community name; communities left out must return none. */
    documentsPerCommunity: z
      .record(z.string().min(1), z.number().int().min(0))
      .optional()
      .describe('Per community name; communities left out must return none.'),
    /** Default: 200 for a response, the fault's status (Sender 400, else 500) for a SOAP Fault. */
    httpStatus: z
      .number()
      .int()
      .min(100)
      .max(599)
      .optional()
      .describe("Default: 200 for a response, the fault's status (Sender 400, else 500) for a SOAP Fault."),
    /** A SOAP 1.2 Fault with this env:Code instead of a response (SOAP 1.2 Part 1 5.4.6). */
    soapFault: z
      .enum(['Sender', 'Receiver', 'VersionMismatch', 'MustUnderstand', 'DataEncodingUnknown'])
      .optional(),
    /**
     * Response-time ceiling in ms, measured by the runner's wall clock: the step fails above it.
     * For runs against a deployed system; it depends on the machine's load, so the shipped
     * scenarios check the broker's deadline (topology `broker.deadlineMs`) instead.
     */
    maxResponseMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Response-time ceiling in ms, by the runner's wall clock (depends on the machine's load): the step fails above it. Shipped scenarios check the broker's deadline (topology broker.deadlineMs) instead.",
      ),
  })
  .strict();

const stepBase = { id: stepId.optional(), title: oneLine.optional() };

/** Send ITI-38 Cross Gateway Query to the broker (ITI TF-2 3.38). */
export const QueryStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('query'),
    storedQuery: z
      .enum(['FindDocuments', 'FindDocumentsByReferenceId', 'GetDocuments'])
      .default('FindDocuments'),
    returnType: z
      .enum(['LeafClass', 'ObjectRef'])
      .default('LeafClass')
      .describe('ResponseOption/@returnType.'),
    patient: PatientSpecSchema.optional().describe(
      'The patient, chosen from the data pack by role (first match in patients.csv), or given.',
    ),
    /** AdhocQuery/@home: a community name or a homeCommunityId. */
    home: communityRef.optional().describe('AdhocQuery/@home: a community name or a homeCommunityId.'),
    /** The `X-NIR-Consumer` header (consumer profile). */
    consumer: z.string().min(1).optional().describe('The `X-NIR-Consumer` header (consumer profile).'),
    /** $XDSDocumentEntryStatus. */
    status: z
      .array(z.enum(['Approved', 'Deprecated']))
      .min(1)
      .default(['Approved']),
    creationTime: timeRange.optional().describe('$XDSDocumentEntryCreationTimeFrom / To (DTM, UTC).'),
    serviceStartTime: timeRange.optional().describe('$XDSDocumentEntryServiceStartTimeFrom / To (DTM, UTC).'),
    classCodes: z.array(coded).min(1).optional().describe('$XDSDocumentEntryClassCode (OR).'),
    typeCodes: z.array(coded).min(1).optional().describe('$XDSDocumentEntryTypeCode (OR).'),
    eventCodes: z.array(coded).min(1).optional().describe('$XDSDocumentEntryEventCodeList (OR).'),
    /** $XDSDocumentEntryReferenceIdList (FindDocumentsByReferenceId), CXi values. */
    referenceIds: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('$XDSDocumentEntryReferenceIdList (FindDocumentsByReferenceId), CXi values.'),
    /** GetDocuments: uniqueIds of documents picked from an earlier query step. */
    documents: z
      .object({ from: stepId, pick: PickSchema.default('all') })
      .strict()
      .optional(),
    /** GetDocuments: uniqueIds given literally. */
    uniqueIds: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('GetDocuments: uniqueIds given literally.'),
    /** Extra rim:Slots, values in stored-query syntax (e.g. `('a','b')`), sent as written. */
    parameters: z
      .array(
        z
          .object({
            name: z.string().regex(/^\$\w+$/, 'a parameter name like $XDSDocumentEntryTypeCode'),
            values: z.array(z.string()).min(1),
          })
          .strict(),
      )
      .optional(),
    expect: ExpectationSchema,
  })
  .strict();

/** An extra xdsb:DocumentRequest of a retrieve step. */
const ExtraDocumentRequestSchema = z
  .object({
    /** A community name, a raw homeCommunityId, or `none` (no HomeCommunityId element). */
    community: communityRef.describe(
      'A community name, a raw homeCommunityId, or `none` (no HomeCommunityId element).',
    ),
    /** Default: the community's repository (when known), else required. */
    repositoryUniqueId: z
      .string()
      .min(1)
      .optional()
      .describe("Default: the community's repository (when known), else required."),
    documentUniqueId: z.string().min(1),
  })
  .strict();

/** Send ITI-39 Cross Gateway Retrieve to the broker (ITI TF-2 3.39). */
export const RetrieveStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('retrieve'),
    /** The id of an earlier query step whose documents to retrieve. */
    from: stepId.optional().describe('The id of an earlier query step whose documents to retrieve.'),
    pick: PickSchema.default('all').describe('Which documents of `from` to retrieve.'),
    extra: z
      .array(ExtraDocumentRequestSchema)
      .min(1)
      .optional()
      .describe('More DocumentRequests, e.g. for an unknown document or community, or without a home.'),
    consumer: z.string().min(1).optional(),
    expect: ExpectationSchema,
  })
  .strict();

/** A FHIR search token `system|code` (FHIR R4 Search 3.1.1.4.8). */
const token = z
  .string()
  .regex(
    /^[^|,\s]+\|[^|,\s]+$/,
    "a token 'system|code' (FHIR R4 search), e.g. 'http://snomed.info/sct|4201000179104'",
  );

/** A FHIR date or dateTime as ITI-67 `creation` takes it (FHIR R4 Search 3.1.1.4.2). */
const fhirDate = z
  .string()
  .regex(
    /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2}))?)?)?$/,
    'a FHIR date YYYY[-MM[-DD[Thh:mm[:ss]Z]]]',
  );

/**
 * One expected OperationOutcome issue (FHIR R4 OperationOutcome; the MHD partial-answer mapping,
 * docs/mhd.md "RegistryError <-> OperationOutcome issue"). The list is compared order-insensitively
 * and exactly: an element left out must be absent from the issue.
 */
export const IssueExpectationSchema = z
  .object({
    severity: z.enum(ISSUE_SEVERITIES),
    /** The IssueType (FHIR R4 valueset-issue-type). */
    code: z.enum(ISSUE_TYPES).describe('The IssueType (FHIR R4 valueset-issue-type), e.g. timeout, value.'),
    errorCode: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an IHE errorCode such as XDSUnavailableCommunity')
      .optional()
      .describe(
        'The IHE errorCode carried as a details.coding (ITI TF-3 Table 4.2.4.1-2); left out: the issue has none.',
      ),
    community: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The community (name or homeCommunityId) in the issue's ihe-HomeCommunityId extension; left out: the issue names none.",
      ),
    diagnosticsIncludes: z.string().min(1).optional().describe('A substring the diagnostics must contain.'),
    count: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe('How many returned issues this entry stands for; default 1.'),
  })
  .strict();

/** What an MHD step (ITI-67, ITI-68) must get back. */
export const FhirExpectationSchema = z
  .object({
    httpStatus: z
      .number()
      .int()
      .min(100)
      .max(599)
      .default(200)
      .describe(
        'The HTTP status (ITI-67: 200 searchset, 4xx/5xx OperationOutcome; ITI-68: 200, 404, 410, 406, 5xx); default 200.',
      ),
    issues: z
      .array(IssueExpectationSchema)
      .optional()
      .describe(
        "The exact OperationOutcome issues, in any order: a searchset's outcome entries (search.mode outcome) or an error answer's OperationOutcome; left out: none at all.",
      ),
    documents: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('ITI-67: DocumentReferences (search.mode match) in total.'),
    documentsPerCommunity: z
      .record(z.string().min(1), z.number().int().min(0))
      .optional()
      .describe('ITI-67: per community name (ihe-HomeCommunityId); communities left out must return none.'),
    contentType: z
      .string()
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as application/dicom')
      .optional()
      .describe(
        "ITI-68: the answer's media type (without parameters); a 200 answer is always checked against the DocumentReference's size and SHA-1 hash.",
      ),
    maxResponseMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Response-time ceiling in ms, by the runner's wall clock (for deployed systems; shipped scenarios do not use it).",
      ),
  })
  .strict();

/** Send ITI-67 Find Document References to the broker's FHIR face (IHE MHD 4.2.x, ITI TF-2 3.67). */
export const FindDocumentReferencesStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('find-document-references'),
    method: z
      .enum(['GET', 'POST'])
      .default('GET')
      .describe('GET [base]/DocumentReference?... or POST [base]/DocumentReference/_search (form body).'),
    patient: PatientSpecSchema.optional().describe(
      'Sent as patient.identifier=https://fhir.nhs.uk/Id/nhs-number|<nhs> (a { patientId } verbatim); left out: no patient parameter.',
    ),
    status: z
      .array(z.enum(['current', 'superseded', 'entered-in-error']))
      .min(1)
      .default(['current'])
      .describe('The status parameter, OR-ed; default current.'),
    creation: z
      .object({ ge: fhirDate.optional(), lt: fhirDate.optional() })
      .strict()
      .optional()
      .describe('creation=ge<date> and / or creation=lt<date>.'),
    category: z.array(token).min(1).optional().describe('category tokens (classCode), OR-ed.'),
    type: z.array(token).min(1).optional().describe('type tokens (typeCode), OR-ed.'),
    related: z
      .array(token)
      .min(1)
      .optional()
      .describe('related Identifier tokens (accession number, Study Instance UID), OR-ed.'),
    targetCommunities: z
      .array(communityRef)
      .min(1)
      .optional()
      .describe('MHD Target Communities (targetCommunityIdList): community names or homeCommunityIds.'),
    parameters: z
      .array(z.object({ name: z.string().min(1).max(200), value: z.string().max(2048) }).strict())
      .min(1)
      .optional()
      .describe('More search parameters, sent as written (e.g. an unknown one).'),
    prefer: z
      .enum(['strict', 'lenient'])
      .optional()
      .describe('The Prefer: handling= header (FHIR R4 Search 3.1.1.4).'),
    consumer: z.string().min(1).optional().describe('The `X-NIR-Consumer` header (consumer profile).'),
    expect: FhirExpectationSchema,
  })
  .strict();

/** ITI-68 Retrieve Document from the broker (IHE MHD 4.2.x, ITI TF-2 3.68): one GET per document. */
export const RetrieveDocumentStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('retrieve-document'),
    from: stepId
      .optional()
      .describe(
        "An earlier find-document-references step (GET each DocumentReference's attachment.url) or query step (the broker's ITI-68 URL of each document).",
      ),
    pick: PickSchema.default('first').describe('Which documents of `from` to retrieve; default first.'),
    extra: z
      .array(ExtraDocumentRequestSchema)
      .min(1)
      .optional()
      .describe("More documents by their ids, sent to the broker's ITI-68 URL (e.g. an unknown document)."),
    accept: z.string().min(1).max(200).optional().describe('The Accept header (default: none sent).'),
    consumer: z.string().min(1).optional(),
    expect: FhirExpectationSchema,
  })
  .strict();

/** Add faults to the running topology (the fault catalogue's schema). */
const AddFaultsStepSchema = z
  .object({ ...stepBase, kind: z.literal('add-faults'), faults: z.array(FaultSpecSchema).min(1) })
  .strict();

/** Remove faults by name, or every fault the scenario added when `names` is left out. */
const ClearFaultsStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('clear-faults'),
    names: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Pause, ms. */
const WaitStepSchema = z
  .object({ ...stepBase, kind: z.literal('wait'), ms: z.number().int().min(0).max(600_000) })
  .strict();

/** One step. */
export const StepSchema = z.discriminatedUnion('kind', [
  QueryStepSchema,
  RetrieveStepSchema,
  FindDocumentReferencesStepSchema,
  RetrieveDocumentStepSchema,
  AddFaultsStepSchema,
  ClearFaultsStepSchema,
  WaitStepSchema,
]);

/** A scenario's topology: a topology file without its own schemaVersion (topology/topology-spec.ts). */
export const ScenarioTopologySchema = TopologySpecSchema.omit({ schemaVersion: true });

/** A whole scenario file. */
export const ScenarioSpecSchema = z
  .object({
    schemaVersion: z.literal(1),
    /** Kebab-case; equals the file name without `.scenario.yaml`. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a kebab-case name (a-z, 0-9, -)')
      .describe('Kebab-case; equals the file name without `.scenario.yaml`.'),
    description: oneLine.describe('One line: what the scenario shows.'),
    topology: ScenarioTopologySchema.prefault({}).describe(
      'Data pack, gateways, broker deadline and consumer profiles, fault seed and starting faults (as a topology file, without schemaVersion).',
    ),
    steps: z.array(StepSchema).min(1).describe('Run in order; every step runs even after a failure.'),
  })
  .strict();

/** A validated scenario, defaults filled in. */
export type ScenarioSpec = z.output<typeof ScenarioSpecSchema>;
/** One validated step. */
export type StepSpec = ScenarioSpec['steps'][number];
/** A validated ITI-38 step. */
export type QueryStepSpec = z.output<typeof QueryStepSchema>;
/** A validated ITI-39 step. */
export type RetrieveStepSpec = z.output<typeof RetrieveStepSchema>;
/** A validated ITI-67 step. */
export type FindDocumentReferencesStepSpec = z.output<typeof FindDocumentReferencesStepSchema>;
/** A validated ITI-68 step. */
export type RetrieveDocumentStepSpec = z.output<typeof RetrieveDocumentStepSchema>;
/** A validated `expect` of an MHD step. */
export type FhirExpectationSpec = z.output<typeof FhirExpectationSchema>;
/** One expected OperationOutcome issue. */
export type IssueExpectationSpec = z.output<typeof IssueExpectationSchema>;
/** A validated `expect`. */
export type ExpectationSpec = z.output<typeof ExpectationSchema>;
/** One expected RegistryError. */
export type ErrorExpectationSpec = z.output<typeof ErrorExpectationSchema>;
/** A validated `patient`. */
export type PatientSpec = z.output<typeof PatientSpecSchema>;
/** A validated `pick`. */
export type PickSpec = z.output<typeof PickSchema>;

/** The id a step is known by: its `id`, else `step-<n>` (1-based). */
export function stepIdOf(step: StepSpec, index: number): string {
  return step.id ?? `step-${index + 1}`;
}

/**
 * The published JSON Schema (draft 2020-12) of a scenario file as written (defaults optional),
 * for `scenarios/scenario.schema.json`. Refinements (e.g. the NHS number check digit) are not
 * representable and are checked by nir-sim only.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSpecSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    $schema: schema['$schema'],
    $id: 'https://nir-sim.invalid/scenarios/scenario.schema.json',
    title: 'nir-sim scenario',
    description:
      'A nir-sim scenario file (*.scenario.yaml): topology, faults and steps with expectations. Generated from simulator/scenario/scenario-spec.ts by npm run scenario-schema; do not edit.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
