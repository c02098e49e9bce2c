/** One task of a scheduled reproduction: a row's run directory and the `neural-ode train` argv that starts it. */
export interface ScheduledRow {
  name: string;
  dir: string;
  /** `train …` argv (with `--save dir`). */
  argv: readonly string[];
}

/** Resources each task asks the scheduler for. */
export interface TaskResources {
  cpus: number;
  gpus: number;
  /** Wall-time limit, `HH:MM:SS` or days-`HH:MM:SS` (Slurm's format). */
  time: string;
  /** The command that runs the CLI on the nodes, e.g. `neural-ode` or `npx neural-ode`. */
  bin: string;
}

/** A word for bash, single-quoted unless it is plainly safe. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The body every task runs: pick the row by index, then resume its run directory if a run was started there (a
 * preempted or failed task picks up from its last checkpoint), else start it. Bash; `index` is a shell expression.
 */
function taskBody(rows: readonly ScheduledRow[], index: string, bin: string): string {
  const cases = rows.map((r, i) => `  ${i}) # ${r.name}\n     DIR=${shellWord(r.dir)}\n     ARGS=(${r.argv.map(shellWord).join(' ')}) ;;`);
  return [
    `case "${index}" in`,
    ...cases,
    `  *) echo "no row for task index ${index}" >&2; exit 2 ;;`,
    'esac',
    'if [ -f "$DIR/config.json" ]; then',
    `  exec ${bin} train --resume "$DIR"`,
    'else',
    `  exec ${bin} "\${ARGS[@]}"`,
    'fi',
  ].join('\n');
}

/** An `sbatch` array script: one task per row (`--array=0-(n−1)`), each a `neural-ode train` into its own directory. */
export function slurmScript(rows: readonly ScheduledRow[], res: TaskResources, logDir: string): string {
  return [
    '#!/bin/bash',
    '# neural-ode reproduce --emit slurm: one array task per row of the study; submit with `sbatch <this file>`.',
    '# A task whose run directory already holds a run resumes it from its last checkpoint.',
    '#SBATCH --job-name=neural-ode-reproduce',
    `#SBATCH --array=0-${rows.length - 1}`,
    `#SBATCH --cpus-per-task=${res.cpus}`,
    ...(res.gpus > 0 ? [`#SBATCH --gres=gpu:${res.gpus}`] : []),
    `#SBATCH --time=${res.time}`,
    `#SBATCH --output=${logDir}/slurm-%A_%a.log`,
    'set -euo pipefail',
    `export OMP_NUM_THREADS=${res.cpus}`,
    taskBody(rows, '$SLURM_ARRAY_TASK_ID', res.bin),
    '',
  ].join('\n');
}

/** Kubernetes resources of the Job. */
export interface KubernetesOptions {
  /** Container image with the CLI installed. */
  image: string;
  /** PersistentVolumeClaim mounted where the run directories live (`mountPath`). */
  claim: string;
  mountPath: string;
}

const q = (s: string) => JSON.stringify(s);

/**
 * An indexed Kubernetes Job (`completionMode: Indexed`): one pod per row, `JOB_COMPLETION_INDEX` picks the row, run
 * directories on a mounted PersistentVolumeClaim so that a restarted pod resumes. YAML, every scalar JSON-quoted.
 */
export function kubernetesJob(rows: readonly ScheduledRow[], res: TaskResources, k8s: KubernetesOptions): string {
  const script = taskBody(rows, '$JOB_COMPLETION_INDEX', res.bin);
  const limits = [`cpu: ${q(String(res.cpus))}`, ...(res.gpus > 0 ? [`nvidia.com/gpu: ${q(String(res.gpus))}`] : [])];
  return [
    '# neural-ode reproduce --emit k8s: one indexed pod per row of the study; apply with `kubectl apply -f <this file>`.',
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    '  name: neural-ode-reproduce',
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${rows.length}`,
    `  parallelism: ${rows.length}`,
    '  backoffLimitPerIndex: 3',
    '  maxFailedIndexes: 0',
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: train',
    `          image: ${q(k8s.image)}`,
    `          command: [${q('bash')}, ${q('-c')}, ${q(`set -euo pipefail\n${script}`)}]`,
    '          env:',
    `            - name: ${q('OMP_NUM_THREADS')}`,
    `              value: ${q(String(res.cpus))}`,
    '          resources:',
    '            requests:',
    `              ${limits[0]}`,
    '            limits:',
    ...limits.map((l) => `              ${l}`),
    '          volumeMounts:',
    `            - name: ${q('runs')}`,
    `              mountPath: ${q(k8s.mountPath)}`,
    '      volumes:',
    `        - name: ${q('runs')}`,
    '          persistentVolumeClaim:',
    `            claimName: ${q(k8s.claim)}`,
    '',
  ].join('\n');
}
