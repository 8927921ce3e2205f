// The distillation experiment kind: a mentor, then students of every arm × size × seed that learn
// from hard labels or from the mentor (Hinton et al. 2015 on digits; Kim & Rush 2016 on a toy
// translation task), reported with intervals over seeds and paired against the baseline.
import type { ExperimentKind } from '../experimentKind.ts';
import { checkDistillation } from './check.ts';
import {
  distillationSchemaId,
  distillationSelection,
  parseDistillationConfig,
  type DistillationConfig,
} from './config.ts';
import { planDistillation } from './plan.ts';
import { presentDistillation } from './present.ts';
import { parseDistillationReport, summariseDistillation, type DistillationReport } from './report.ts';
import { presentDistillationRun } from './runView.ts';
import { distillationKindName } from './runConfig.ts';

export const distillation: ExperimentKind<DistillationConfig, DistillationReport> = {
  name: distillationKindName,
  description:
    'Mentor→student distillation: a big mentor guides small students (Hinton et al. soft targets on digits; word- and sequence-level KD on a toy translation task), compared with students on hard labels over seeds.',
  schemaId: distillationSchemaId,
  selection: distillationSelection,
  parseConfig: parseDistillationConfig,
  check: checkDistillation,
  plan: planDistillation,
  summarise: summariseDistillation,
  parseReport: parseDistillationReport,
  present: presentDistillation,
  presentRun: presentDistillationRun,
};
