#!/usr/bin/env node
/**
 * trainer: the credit-scoring pipeline CLI.
 *   trainer run       train, compare, tune the threshold, log to MLflow, register the champion
 *   trainer generate  write schema-faithful synthetic Home Credit tables
 *   trainer drift     data drift report (Evidently's defaults) between two application files
 *   trainer export    write the registered model as a bundle folder the API serves without MLflow
 *   trainer predict   score an application file into a Kaggle submission (SK_ID_CURR,TARGET)
 *   trainer worker    one machine of a distributed (data-parallel) LightGBM training
 *   trainer monitor   drift and refusal rate of the API's prediction log; `monitor export` writes it as JSONL
 * Exit status (exit-status.ts): 0 ok, 1 the command's verdict (drift found), 2 bad input or environment (one line
 * on stderr, nothing changed), 3 an internal error, 4/5 (drift, monitor --mlflow) reports written but not logged to
 * MLflow, 5 with the verdict.
 */
import { UsageError } from './cli-args';
import { exitStatusOf, EXIT_INTERNAL } from './exit-status';

const HELP = `Usage: trainer <command> [options]

Commands
  run        train and compare models, choose the cost-optimal threshold, register the champion in MLflow
  generate   write synthetic Home Credit tables (deterministic: --rows, --seed, --out)
  drift      data drift report between a reference and a current application file (exit 1 on drift)
  export     export a registered model (name@alias) to a bundle folder for the API
  predict    score an application file (Kaggle layout) into a submission: SK_ID_CURR,TARGET
  worker     one machine of a distributed LightGBM training (trainer run --workers ...)
  monitor    drift and refusal rate of the prediction log's last window (exit 1 out of bounds); export as JSONL

Run 'trainer <command> --help' for the options of a command.
Exit status: 0 ok, 1 the command's verdict (drift found), 2 bad input or environment, 3 internal error;
4 / 5 (drift, monitor with --mlflow): reports written but not logged to MLflow, without / with the verdict.
`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run')).runCommand,
  generate: async () => (await import('./commands/generate')).generateCommand,
  drift: async () => (await import('./commands/drift')).driftCommand,
  export: async () => (await import('./commands/export')).exportCommand,
  predict: async () => (await import('./commands/predict')).predictCommand,
  worker: async () => (await import('./commands/worker')).workerCommand,
  monitor: async () => (await import('./commands/monitor')).monitorCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
  return (await load())(rest);
}

if (require.main === module) {
  let settled = false;
  // Node exits once nothing keeps its event loop alive, even with the command's promise still pending (session 17:
  // a lone logistic fit waited on worker threads that did not hold the loop, and `trainer run` stopped mid-job with
  // status 0). A stop like that is a bug: it must not look like success. 'beforeExit' fires only then, not on an
  // explicit process.exit (a signal's 130 or 143, or a worker told to stop), which must keep its status.
  process.on('beforeExit', () => {
    if (settled) return;
    settled = true;
    process.stderr.write('trainer: internal error: the command stopped before it finished (nothing left to wait on)\n');
    process.exitCode = EXIT_INTERNAL;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (err: unknown) => {
      settled = true;
      const message = err instanceof Error ? err.message : String(err);
      const status = exitStatusOf(err);
      const prefix = status === EXIT_INTERNAL ? 'trainer: internal error: ' : 'trainer: ';
      process.stderr.write(`${prefix}${message.split('\n')[0]}\n`);
      if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exitCode = status;
    },
  );
}
