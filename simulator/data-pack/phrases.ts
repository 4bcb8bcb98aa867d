/**
 * A small, fixed phrase bank for synthetic report text. Each variant pairs findings with a
 * consistent impression; the generator picks variants with its seeded faker, so text is
 * deterministic. Wording is illustrative only and carries no clinical meaning.
 */
import type { Exam } from './codes.js';

/** Findings and the impression that goes with them. */
interface ReportText {
  findings: string;
  impression: string;
}

/** Clinical indications per exam. */
export const INDICATIONS: Record<Exam['key'], readonly string[]> = {
  'ct-head': ['Headache with vomiting.', 'Fall, on anticoagulants.', 'Sudden onset confusion.'],
  'ct-chest': ['Persistent cough, weight loss.', 'Follow-up of pulmonary nodule.', 'Breathlessness.'],
  'mr-brain': ['Recurrent headaches.', 'Visual disturbance.', 'Follow-up of known lesion.'],
  'us-abdomen': ['Right upper quadrant pain.', 'Deranged liver function tests.', 'Abdominal distension.'],
  'xr-chest': ['Productive cough and fever.', 'Pre-operative assessment.', 'Chest pain.'],
  'nm-bone': ['Bone pain, raised ALP.', 'Staging.', 'Back pain, known malignancy.'],
  'mg-breast': ['Routine screening.', 'Palpable lump, left breast.', 'Family history.'],
};

/** Findings/impression variants per exam. */
export const REPORTS: Record<Exam['key'], readonly ReportText[]> = {
  'ct-head': [
    {
      findings: 'No intracranial haemorrhage, mass effect or midline shift. Ventricles normal in size.',
      impression: 'No acute intracranial abnormality.',
    },
    {
      findings: 'Small chronic lacunar infarct in the left basal ganglia. No acute haemorrhage.',
      impression: 'Chronic small vessel change. No acute abnormality.',
    },
  ],
  'ct-chest': [
    {
      findings: 'Lungs clear. No pleural effusion. No mediastinal or hilar lymphadenopathy.',
      impression: 'Normal CT chest.',
    },
    {
      findings: 'A 6 mm solid nodule in the right upper lobe, unchanged. No new nodules.',
      impression: 'Stable pulmonary nodule. Routine follow-up as per guidelines.',
    },
  ],
  'mr-brain': [
    {
      findings: 'Normal grey-white matter differentiation. No restricted diffusion. No mass lesion.',
      impression: 'Normal MRI brain.',
    },
    {
      findings: 'A few non-specific white matter hyperintensities. No enhancing lesion.',
      impression: 'Mild small vessel change, in keeping with age.',
    },
  ],
  'us-abdomen': [
    {
      findings: 'Liver, gallbladder, pancreas, spleen and kidneys appear normal. No free fluid.',
      impression: 'Normal abdominal ultrasound.',
    },
    {
      findings: 'Several mobile gallstones; gallbladder wall not thickened. CBD 4 mm.',
      impression: 'Cholelithiasis without evidence of cholecystitis.',
    },
  ],
  'xr-chest': [
    {
      findings: 'Heart size normal. Lungs clear. No pneumothorax or effusion.',
      impression: 'No active disease.',
    },
    {
      findings: 'Patchy consolidation in the right lower zone. Heart size normal.',
      impression: 'Right lower zone consolidation, likely infective. Suggest follow-up film in 6 weeks.',
    },
  ],
  'nm-bone': [
    {
      findings: 'Symmetrical tracer uptake throughout the skeleton. No focal abnormality.',
      impression: 'No scintigraphic evidence of bony metastatic disease.',
    },
    {
      findings: 'Increased uptake in both knees and the lower lumbar spine, degenerative pattern.',
      impression: 'Degenerative changes. No convincing metastatic disease.',
    },
  ],
  'mg-breast': [
    {
      findings: 'Scattered fibroglandular tissue. No mass, distortion or suspicious calcification.',
      impression: 'Normal mammogram (M1).',
    },
    {
      findings: 'Well-defined 8 mm opacity in the left upper outer quadrant, likely benign.',
      impression: 'Probably benign (M3). Ultrasound correlation recommended.',
    },
  ],
};
