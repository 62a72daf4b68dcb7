import { existsSync, renameSync, rmSync } from 'node:fs';
import { MlflowClient } from '@credit-scoring/tracking';
import { freePort, startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { UsageError } from '../cli-args';
import { parseRunConfig, RUN_HELP } from '../config';
import { runDistributedCommand } from '../distributed/command';
import { takeDistributedFlags } from '../distributed/settings';
import { registerChampion } from '../pipeline/register';
import { runPipeline, type PipelineResult } from '../pipeline/train';
import { comparisonConsole } from '../pipeline/tables';
import { resultsMarkdown } from '../pipeline/report';
import { fsReason, writeDraft } from '../path-flags';
import { formatSeconds, StageClock } from '../progress';
import { exportBundle } from './export';

/** Time given to the runs' own signal handlers to mark them KILLED before the local server is stopped. */
const SIGNAL_GRACE_MS = 3000;

export async function runCommand(argv: string[]): Promise<number> {
  const distributed = takeDistributedFlags(argv);
  const config = parseRunConfig(distributed.rest);
  if (!config) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const clock = new StageClock();
  let trackingUri = config.trackingUri;
  // Without a tracking URI, a local server on mlruns/ starts beside the data loading and the features, which need no
  // server (runPipeline waits for it before opening the first run).
  let starting: Promise<LocalServer> | undefined;
  if (!trackingUri) {
    const port = await freePort();
    trackingUri = `http://127.0.0.1:${port}`;
    starting = clock.time('start local MLflow server (mlruns/)', () => startLocalServer({ port }));
    starting.catch(() => undefined); // the pipeline reports its failure
  }
  const localServer = starting !== undefined;
  const stopServer = async () => (await starting?.catch(() => undefined))?.stop();
  // The local server lives in its own process group: Ctrl-C does not reach it. On a signal the open runs mark
  // themselves KILLED (libs/tracking withRun); then we stop the server and leave with the conventional status.
  // Kept listening after the first signal: a terminal's Ctrl-C reaches this process and npm, which passes it on, so
  // a second SIGINT comes at once, and with no listener left Node's default would end the process before the grace.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: marking open runs KILLED and stopping\n`);
    setTimeout(() => {
      void stopServer().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    }, SIGNAL_GRACE_MS);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const client = new MlflowClient({ trackingUri });
    const shownUri = client.trackingUri; // shown below and in the report: without any user:password it carried
    if (distributed.settings) {
      await starting;
      return await runDistributedCommand(config, distributed.settings, client, clock);
    }
    const started = Date.now();
    const result = await runPipeline(config, client, clock, { ready: starting });
    const out = process.stdout;
    out.write(
      `\nModel comparison (cost: ${config.cost.kind === 'credit' ? `FN ${config.cost.fnLoss} x AMT_CREDIT, FP ${config.cost.fpLoss} x AMT_CREDIT` : `FN ${config.cost.fn}, FP ${config.cost.fp}`}; costs per applicant)\n`,
    );
    out.write(`${comparisonConsole(result.comparison)}\n\n`);
    out.write(
      `Stages\n${result.stages.map((s) => `  ${s.stage.padEnd(40)} ${formatSeconds(s.seconds)}`).join('\n')}\n`,
    );
    out.write(`  ${'total'.padEnd(40)} ${formatSeconds((Date.now() - started) / 1000)}\n\n`);
    const trained = result.champion;
    // The API serves dist/model-bundle when no MLflow server is given: by default keep it in step with the champion.
    const bundleDir = config.bundleOut;
    // The report goes to a temporary sibling first and takes its name only once the model is promoted.
    const reportDraft = config.report ? `${config.report}.tmp-${process.pid}` : undefined;
    const withVersion = (version: string): PipelineResult => ({ ...result, champion: { ...trained, version } });
    let version: string;
    try {
      // Registration and promotion last: the report and the bundle name the new version, so it is created first;
      // registerChampion deletes it again if either of them, or the alias, fails.
      version = await clock.time('registry', () =>
        registerChampion(
          client,
          { runId: trained.runId, parentRunId: result.parentRunId, name: trained.name, alias: trained.alias },
          async (created) => {
            // The report first: a bad --report path then fails the run before the bundle folder is touched.
            if (config.report && reportDraft) {
              const command = `npm start -- ${argv.join(' ')}`.trim();
              const markdown = resultsMarkdown(withVersion(created), config, command, shownUri);
              writeDraft('--report', config.report, reportDraft, markdown); // a failure names --report, not the draft
            }
            if (bundleDir)
              await exportBundle(
                client,
                trained.name,
                { version: created, alias: trained.alias },
                bundleDir,
                '--bundle-out',
              );
          },
        ),
      );
    } catch (err) {
      if (reportDraft) rmSync(reportDraft, { force: true });
      // The study's runs ended FINISHED before the registry step; the job did not: its parent run says so.
      await client
        .setTags(result.parentRunId, { 'credit.failure': `registry: ${(err as Error).message}`.slice(0, 5000) })
        .then(() => client.endRun(result.parentRunId, 'FAILED'))
        .catch(() => undefined); // MLflow gone: the error below is the one to report
      throw err;
    }
    const c = withVersion(version).champion;
    if (config.report && reportDraft) placeReport(config.report, reportDraft, c);
    out.write(
      `Champion: ${c.model}, registered as ${c.name} version ${c.version} with alias @${c.alias}; threshold ${c.threshold}; test AUC ${c.testAuc.toFixed(4)}\n`,
    );
    // workflowType: MLflow 3.17's UI opens on its GenAI view unless the URL asks for the model-training one.
    out.write(
      `Runs: ${shownUri}/#/experiments/${result.experimentId}/runs/${result.parentRunId}` +
        '?workflowType=machine_learning\n',
    );
    if (bundleDir) out.write(`Bundle for the API: ${bundleDir}\n`);
    if (config.report) out.write(`Results written to ${config.report}\n`);
    if (localServer) out.write('Browse the runs: npm run mlflow:ui  (store: mlruns/)\n');
    if (bundleDir) {
      out.write(`Serve the model: MODEL_BUNDLE_DIR=${bundleDir} npm run serve  (the exported bundle`);
      out.write(
        localServer
          ? ')\n'
          : `; or MLFLOW_TRACKING_URI=${shownUri} npm run serve to follow models:/${c.name}@${c.alias})\n`,
      );
    } else if (!localServer) {
      out.write(
        `Serve the model: MLFLOW_TRACKING_URI=${shownUri} npm run serve  (follows models:/${c.name}@${c.alias})\n`,
      );
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopServer();
  }
}

/**
 * The report's draft takes the --report name once the version is promoted. Failing now (a folder put in its place,
 * say), the registration stands: undoing a promotion the API may already follow is worse than a report under another
 * name. So the draft, complete and naming the version, is kept, and the one line says what was registered and where
 * the report is; removing it would lose the only copy of the run's results.
 */
function placeReport(report: string, draft: string, champion: { name: string; version: string; alias: string }): void {
  try {
    renameSync(draft, report);
  } catch (error) {
    const kept = existsSync(draft) ? `its report is at ${draft}` : 'its report was lost with the draft';
    throw new UsageError(
      `--report ${report} cannot be written: ${fsReason(error)}; ${champion.name} version ${champion.version} is ` +
        `registered with alias @${champion.alias} all the same, and ${kept}`,
    );
  }
}
