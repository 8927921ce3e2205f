import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LabInfo } from '../../../main/api/labApi.ts';

// The renderer's view of the lab. It reaches the lab only through window.lab (LabApi).
export const useLabStore = defineStore('lab', () => {
  const info = ref<LabInfo | null>(null);
  const connection = ref<'connecting' | 'connected' | 'offline'>('connecting');

  async function connect(): Promise<void> {
    if (!window.lab) {
      connection.value = 'offline';
      return;
    }
    info.value = await window.lab.info();
    connection.value = 'connected';
  }

  return { info, connection, connect };
});
