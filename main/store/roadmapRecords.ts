// Stored skill roadmaps as the store returns them (roadmapStore.ts). This file imports nothing,
// so the renderer's type check can read it through main/api/labApi.ts.

/** A roadmap as stored: its name, description and skills (validated, defaults filled in). */
export interface StoredRoadmap {
  name: string;
  description?: string;
  skills: unknown[];
}

export interface RoadmapVersionRecord {
  id: number;
  name: string;
  version: number;
  hash: string;
  roadmap: StoredRoadmap;
  /** The YAML this version was saved from, where it was saved from a file or the editor. */
  text: string | null;
  createdAt: number;
}

export interface RoadmapSummary {
  name: string;
  latestVersion: number;
  versions: number;
  skills: number;
  updatedAt: number;
}
