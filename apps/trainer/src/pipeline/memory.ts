// Giving freed memory back to the OS between the main job's stages.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Dataset } from '@credit-scoring/lightgbm';

/**
 * V8's full collection. Node hides it (`--expose-gc`); as jest-leak-detector does, the flag is set for one new context
 * that hands the function out, then unset, so the trainer's own global scope never gets a `gc`.
 */
function exposedCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

const collect = exposedCollector();

/**
 * Frees what the job has let go of, now rather than when V8 gets round to it, and trims the heap. A dropped polars
 * frame's buffers go only when a collection finds its JS handle and its N-API finalizer has run (a turn later); with
 * a small JS heap V8 collects rarely, so at Kaggle scale the features stage ended with ~1 GiB of such buffers and
 * glibc's free lists resident beside the matrices (docs/benchmarks.md, pipeline, session 21).
 */
export async function releaseMemory(): Promise<void> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
  Dataset.releaseFreedMemory();
}
