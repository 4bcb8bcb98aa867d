/**
 * Coded values a generated report DocumentEntry carries (ITI TF-3 4.2.3.2 coded attributes), and
 * the small catalogue of imaging examinations the generator draws from.
 */
import type { Coded } from '../xca/document-entry-model.js';

/** Coding-scheme OIDs (HL7 OID registry; DICOM PS3.16 Section 8 for DCM). */
export const CodingScheme = {
  /** SNOMED CT. */
  snomedCt: '2.16.840.1.113883.6.96',
  /** DICOM Controlled Terminology (DCM), DICOM PS3.16. */
  dcm: '1.2.840.10008.2.16.4',
  /** HL7 v3 Confidentiality (2.16.840.1.113883.5.25). */
  hl7Confidentiality: '2.16.840.1.113883.5.25',
  /** IHE format codes (ITI TF-3 Table 4.2.3.2.13-1 / IHE RAD format codes). */
  iheFormatCodes: '1.3.6.1.4.1.19376.1.2.3',
} as const;

/** classCode: SNOMED CT 4201000179104 "Imaging report" (record artifact; NIR IG class code). */
export const IMAGING_REPORT_CLASS: Coded = {
  code: '4201000179104',
  codingScheme: CodingScheme.snomedCt,
  displayName: 'Imaging report',
};

/** formatCode: `urn:ihe:rad:PDF`, a radiology report transmitted as PDF (IHE RAD TF-3, format codes). */
export const PDF_REPORT_FORMAT: Coded = {
  code: 'urn:ihe:rad:PDF',
  codingScheme: CodingScheme.iheFormatCodes,
  displayName: 'Radiology Report transmitted in PDF',
};

/** practiceSettingCode: SNOMED CT 394914008 "Radiology" (specialty). */
export const RADIOLOGY_PRACTICE_SETTING: Coded = {
  code: '394914008',
  codingScheme: CodingScheme.snomedCt,
  displayName: 'Radiology',
};

/** healthcareFacilityTypeCode: SNOMED CT 22232009 "Hospital" (environment). */
export const HOSPITAL_FACILITY_TYPE: Coded = {
  code: '22232009',
  codingScheme: CodingScheme.snomedCt,
  displayName: 'Hospital',
};

/** confidentialityCode: HL7 v3 Confidentiality `N` "normal". */
export const NORMAL_CONFIDENTIALITY: Coded = {
  code: 'N',
  codingScheme: CodingScheme.hl7Confidentiality,
  displayName: 'normal',
};

/** Acquisition modalities used by the generator: DICOM PS3.16 CID 29 "Acquisition Modality" (DCM). */
export const Modality = {
  CT: 'Computed Tomography',
  MR: 'Magnetic Resonance',
  US: 'Ultrasound',
  CR: 'Computed Radiography',
  DX: 'Digital Radiography',
  NM: 'Nuclear Medicine',
  MG: 'Mammography',
} as const;
export type Modality = keyof typeof Modality;

/** The eventCodeList entry for a modality (DCM code, DICOM PS3.16 CID 29). */
export function modalityCode(modality: Modality): Coded {
  return { code: modality, codingScheme: CodingScheme.dcm, displayName: Modality[modality] };
}

/** One kind of examination a study can be. */
export interface Exam {
  /** Key into the phrase bank. */
  key: 'ct-head' | 'ct-chest' | 'mr-brain' | 'us-abdomen' | 'xr-chest' | 'nm-bone' | 'mg-breast';
  /** Acquisition modalities this exam may be performed with (one is picked per study). */
  modalities: readonly Modality[];
  /** Human label of the body part, used in titles: "CT Head report". */
  bodyPartLabel: string;
  /** DICOM Body Part Examined (0018,0015) defined term (DICOM PS3.16 Annex L). */
  bodyPartExamined: string;
  /** typeCode: the SNOMED CT imaging procedure concept (the concepts NICIP codes map to, DICOM CID 104). */
  procedure: Coded;
}

const sct = (code: string, displayName: string): Coded => ({
  code,
  codingScheme: CodingScheme.snomedCt,
  displayName,
});

/** The examinations the generator draws from (SNOMED CT procedure concepts). */
export const EXAMS: readonly Exam[] = [
  {
    key: 'ct-head',
    modalities: ['CT'],
    bodyPartLabel: 'Head',
    bodyPartExamined: 'HEAD',
    procedure: sct('303653007', 'Computed tomography of head'),
  },
  {
    key: 'ct-chest',
    modalities: ['CT'],
    bodyPartLabel: 'Chest',
    bodyPartExamined: 'CHEST',
    procedure: sct('169069000', 'Computed tomography of chest'),
  },
  {
    key: 'mr-brain',
    modalities: ['MR'],
    bodyPartLabel: 'Brain',
    bodyPartExamined: 'BRAIN',
    procedure: sct('816077007', 'Magnetic resonance imaging of brain'),
  },
  {
    key: 'us-abdomen',
    modalities: ['US'],
    bodyPartLabel: 'Abdomen',
    bodyPartExamined: 'ABDOMEN',
    procedure: sct('45036003', 'Ultrasonography of abdomen'),
  },
  {
    key: 'xr-chest',
    modalities: ['CR', 'DX'],
    bodyPartLabel: 'Chest',
    bodyPartExamined: 'CHEST',
    procedure: sct('399208008', 'Plain chest X-ray'),
  },
  {
    key: 'nm-bone',
    modalities: ['NM'],
    bodyPartLabel: 'Bone scan',
    bodyPartExamined: 'WHOLEBODY',
    procedure: sct('371572003', 'Nuclear medicine procedure'),
  },
  {
    key: 'mg-breast',
    modalities: ['MG'],
    bodyPartLabel: 'Breast',
    bodyPartExamined: 'BREAST',
    procedure: sct('71651007', 'Mammography'),
  },
];
