// The name of the meta-training trainer, apart from trainers.ts so planning does not load the
// trainers (and the engine graphs they import) to name them.
export const metaTrainTrainerName = 'meta-train';
