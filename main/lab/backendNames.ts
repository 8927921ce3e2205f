// The backends a lab run can compute on, in a module of its own so that the app's renderer and
// the API transport can name them without loading the engine.
export const labBackendNames = ['cpu', 'cuda', 'js'] as const;
export type LabBackendName = (typeof labBackendNames)[number];
