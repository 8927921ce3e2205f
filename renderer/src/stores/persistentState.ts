// View state that survives restarts (selection, smoothing, axes, filters): kept in the lab
// database through LabApi, so the desktop app and browser mode remember the same things.
import { ref, watch, type Ref } from 'vue';
import { useLabStore } from './lab.ts';

export type PersistentRef<T> = Ref<T> & {
  /** Resolves once the stored value (if any) is in. */ readonly ready: Promise<void>;
};

/** A ref loaded from the lab's view state under `key`, saved (debounced) whenever it changes. */
export function persistentRef<T>(
  key: string,
  initial: T,
  isValid: (value: unknown) => value is T,
): PersistentRef<T> {
  const lab = useLabStore();
  const value = ref(initial) as Ref<T>;
  let loaded = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = lab
    .call((api) => api.loadViewState(key))
    .then((stored) => {
      if (isValid(stored)) value.value = stored;
      loaded = true;
    });
  watch(
    value,
    (next) => {
      if (!loaded) return;
      clearTimeout(timer);
      timer = setTimeout(() => void lab.call((api) => api.saveViewState(key, next)), 300);
    },
    { deep: true },
  );
  return Object.assign(value, { ready });
}

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
export const oneOf =
  <T extends string>(...values: T[]) =>
  (v: unknown): v is T =>
    values.includes(v as T);
