// Wire conversion alone, on answers shaped as MLflow 3.x sends them (recorded from the test server).
import { batchToWire } from './batch';
import { metricFromWire, metricToWire, toModelVersion, toRegisteredModel, toRun, toWireTags } from './wire';

describe('wire conversion', () => {
  it('carries non-finite metric values as the strings of the protobuf JSON mapping, both ways', () => {
    for (const v of [NaN, Infinity, -Infinity]) {
      expect(typeof metricToWire(v)).toBe('string');
      expect(Object.is(metricFromWire(metricToWire(v)), v)).toBe(true);
    }
    expect(metricToWire(0.25)).toBe(0.25);
    expect(metricFromWire('0.5')).toBe(0.5);
  });

  it('turns a runs/get answer into a Run: camelCase, int64 strings to numbers, tag lists to records', () => {
    const run = toRun({
      info: {
        run_uuid: 'abc',
        experiment_id: '3',
        run_name: 'fold-1',
        status: 'FINISHED',
        start_time: '1700000000000',
        end_time: 1700000001000,
        artifact_uri: 'mlflow-artifacts:/3/abc/artifacts',
        lifecycle_stage: 'active',
      },
      data: {
        metrics: [
          { key: 'auc', value: 0.75, timestamp: 1, step: 0 },
          { key: 'loss', value: 'NaN', timestamp: 1, step: 0 },
        ],
        params: [{ key: 'lr', value: '0.1' }],
        tags: [{ key: 'mlflow.runName', value: 'fold-1' }, { key: 'empty' }],
      },
    });
    expect(run.info).toEqual({
      runId: 'abc',
      experimentId: '3',
      runName: 'fold-1',
      status: 'FINISHED',
      startTime: 1700000000000,
      endTime: 1700000001000,
      artifactUri: 'mlflow-artifacts:/3/abc/artifacts',
      lifecycleStage: 'active',
    });
    expect(run.metrics.auc).toBe(0.75);
    expect(Number.isNaN(run.metrics.loss)).toBe(true);
    expect(run.params).toEqual({ lr: '0.1' });
    expect(run.tags).toEqual({ 'mlflow.runName': 'fold-1', empty: '' });
  });

  it('keeps a RUNNING run without end time and an empty data block', () => {
    const run = toRun({ info: { run_id: 'r', experiment_id: '1', status: 'RUNNING', start_time: 5 } });
    expect(run.info.endTime).toBeUndefined();
    expect(run.info.status).toBe('RUNNING');
    expect(run).toMatchObject({ metrics: {}, params: {}, tags: {} });
  });

  it('reads registered models with aliases and their latest versions', () => {
    const model = toRegisteredModel({
      name: 'credit',
      aliases: [{ alias: 'champion', version: '2' }],
      latest_versions: [
        {
          name: 'credit',
          version: '2',
          status: 'READY',
          source: 'mlflow-artifacts:/1/r/artifacts/model',
          run_id: 'r',
          aliases: ['champion'],
          creation_timestamp: '17',
        },
      ],
    });
    expect(model.aliases).toEqual({ champion: '2' });
    expect(model.description).toBeUndefined();
    expect(model.latestVersions[0]).toEqual({
      name: 'credit',
      version: '2',
      source: 'mlflow-artifacts:/1/r/artifacts/model',
      runId: 'r',
      status: 'READY',
      statusMessage: undefined,
      aliases: ['champion'],
      tags: {},
      creationTimestamp: 17,
    });
    expect(toModelVersion({ name: 'x', version: 1, status: 'PENDING_REGISTRATION' })).toMatchObject({
      version: '1',
      runId: undefined,
    });
  });

  it('sends tags as a key/value list', () => {
    expect(toWireTags({ a: '1', b: '' })).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '' },
    ]);
  });

  it('builds a log-batch body: default step and timestamp, params as strings, one copy of a repeat', () => {
    const batch = batchToWire(
      {
        metrics: [{ key: 'auc', value: -Infinity }],
        params: [
          { key: 'lr', value: '0.1' },
          { key: 'lr', value: '0.1' },
        ],
        tags: { t: 'v' },
      },
      42,
    );
    expect(batch).toEqual({
      metrics: [{ key: 'auc', value: '-Infinity', timestamp: 42, step: 0 }],
      params: [{ key: 'lr', value: '0.1' }],
      tags: [{ key: 't', value: 'v' }],
    });
    expect(batchToWire({ params: { n: 3, flag: true } }).params).toEqual([
      { key: 'n', value: '3' },
      { key: 'flag', value: 'true' },
    ]);
    expect(() => batchToWire({ metrics: [{ key: 'm', value: 1, step: 0.5 }] })).toThrow(/step must be an integer/);
  });
});
