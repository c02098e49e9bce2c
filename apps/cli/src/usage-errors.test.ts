import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './testing/run-cli';

/**
 * Runs a command line that must be refused: exit code 2, a message on stderr naming `flag` (and each of `mentions`),
 * nothing on stdout, and nothing written in the working directory (which `setup` may prepare first).
 */
async function expectUsageError(argv: string[], flag: string, mentions: string[] = [], setup?: (cwd: string) => void) {
  const cwd = mkdtempSync(join(tmpdir(), 'cli-err-'));
  setup?.(cwd);
  const before = readdirSync(cwd, { recursive: true }).sort();
  const r = await runCli(argv, { cwd });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(flag);
  for (const m of mentions) expect(r.stderr).toContain(m);
  expect(readdirSync(cwd, { recursive: true }).sort()).toEqual(before);
  return r.stderr;
}

const DATASETS = ['mnist', 'fashion-mnist', 'mnist-sample', 'cifar10', 'ag-news'];

describe('train: bad flags exit 2, name the flag and write nothing', () => {
  const train = (...a: string[]) => ['train', '--save', 'run', ...a];

  it('unknown flag', () => expectUsageError(train('--bogus', '1'), '--bogus'));
  it('misspelt flag gets a suggestion', () => expectUsageError(train('--batchsize', '1'), '--batchsize', ['--batch-size']));
  it('flag without its value', () => expectUsageError(train('--lr'), '--lr'));
  it('not a number', () => expectUsageError(train('--lr', 'fast'), '--lr', ['not a number']));
  it('not an integer', () => expectUsageError(train('--batch-size', '1.5'), '--batch-size', ['integer']));
  it('batch size 0', () => expectUsageError(train('--batch-size', '0'), '--batch-size', ['>= 1']));
  it('negative learning rate', () => expectUsageError(train('--lr', '-0.1'), '--lr', ['> 0']));
  it('momentum above 1', () => expectUsageError(train('--momentum', '1.5'), '--momentum', ['<= 1']));
  it('too many blocks (reference flag)', () => expectUsageError(train('--num_res', '1000'), '--num_res', ['<= 64']));
  it('epochs 0 (reference flag)', () => expectUsageError(train('--max_epochs', '0'), '--max_epochs', ['>= 1']));
  it('embedding size 0 (reference flag)', () => expectUsageError(train('--data', 'ag-news', '--embd_size', '0'), '--embd_size', ['>= 1']));
  it('sequence length not an integer (reference flag)', () =>
    expectUsageError(train('--data', 'ag-news', '--seq_len', '1.5'), '--seq_len', ['integer']));
  it('negative seed', () => expectUsageError(train('--seed', '-1'), '--seed', ['>= 0']));
  it('threads 0', () => expectUsageError(train('--threads', '0'), '--threads', ['>= 1']));
  it('lr gamma above 1', () => expectUsageError(train('--lr-gamma', '2'), '--lr-gamma', ['<= 1']));
  it('lr step every 0', () => expectUsageError(train('--lr-step-every', '0'), '--lr-step-every', ['> 0']));
  it('step size above 1', () => expectUsageError(train('--use_ode', '--method', 'euler', '--step-size', '2'), '--step-size', ['<= 1']));
  it('negative weight decay', () => expectUsageError(train('--weight_decay', '-1'), '--weight_decay', ['>= 0']));
  it('unknown dataset lists the datasets', () => expectUsageError(train('--data', 'imagenet'), '--data', DATASETS));
  it('unknown model lists the models', () => expectUsageError(train('--model', 'vgg'), '--model', ['resnet', 'odenet', 'vdcnn', 'vdcnn-ode']));
  it('unknown optimizer', () => expectUsageError(train('--optimizer', 'lbfgs'), '--optimizer', ['sgd', 'adam', 'rmsprop']));
  it('unknown backend', () => expectUsageError(train('--backend', 'cuda'), '--backend', ['auto', 'wasm', 'cpu']));
  it('unknown method', () => expectUsageError(train('--method', 'rk45'), '--method', ['dopri5', 'tsit5']));
  it('unknown LR schedule', () => expectUsageError(train('--lr-schedule', 'cosine'), '--lr-schedule', ['step', 'none']));
  it('unknown reference solver lists both kinds of names', () =>
    expectUsageError(train('--use_ode', '--solver', 'adams'), '--solver', ['euler', 'runge_kutta', 'dopri5']));
  it('--tol 0', () => expectUsageError(train('--use_ode', '--tol', '0'), '--tol', ['> 0']));
  it('--tol not a number', () => expectUsageError(train('--use_ode', '--tol', 'small'), '--tol', ['not a number']));
  it('--use_ode with a non-ODE --model', () => expectUsageError(train('--use_ode', '--model', 'resnet'), '--use_ode', ['odenet']));
  it('--solver and --method together', () => expectUsageError(train('--solver', 'euler', '--method', 'rk4'), '--solver', ['--method']));
  it('--tol and --step-size together', () =>
    expectUsageError(train('--solver', 'euler', '--tol', '0.1', '--step-size', '0.1'), '--tol', ['--step-size']));
  it('--download with a value', () => expectUsageError(train('--download', 'maybe'), 'maybe'));
  it('a stray argument', () => expectUsageError(train('extra'), 'extra'));

  it('--data-dir that does not exist', () => expectUsageError(train('--data-dir', 'nowhere'), '--data-dir', ['does not exist']));
  it('--config: missing file', () => expectUsageError(train('--config', 'nope.json'), '--config', ['nope.json']));
  it('--config: not JSON', () =>
    expectUsageError(train('--config', 'bad.json'), '--config', ['not valid JSON'], (cwd) => writeFileSync(join(cwd, 'bad.json'), '{ data: mnist')));
  it('--config: not an object', () =>
    expectUsageError(train('--config', 'list.json'), '--config', ['JSON object'], (cwd) => writeFileSync(join(cwd, 'list.json'), '[1, 2]')));
  it('--config: a bad value names the file and the option', () =>
    expectUsageError(train('--config', 'c.json'), '--config', ["'batchSize'", '>= 1'], (cwd) =>
      writeFileSync(join(cwd, 'c.json'), JSON.stringify({ batchSize: 0 })),
    ));
  it('--config: an unknown key', () =>
    expectUsageError(train('--config', 'c.json'), '--config', ['learningRate'], (cwd) =>
      writeFileSync(join(cwd, 'c.json'), JSON.stringify({ learningRate: 0.1 })),
    ));
  it('--config: a bad nested value', () =>
    expectUsageError(train('--config', 'c.json'), '--config', ["'solver.method'", 'dopri5'], (cwd) =>
      writeFileSync(join(cwd, 'c.json'), JSON.stringify({ solver: { method: 'rk45' } })),
    ));

  it('--resume: not a run directory', () => expectUsageError(['train', '--resume', 'nowhere'], '--resume', ['config.json']));
  it('--resume with an option other than --epochs', () =>
    expectUsageError(['train', '--resume', 'r', '--lr', '0.1'], '--lr', ['--resume', '--epochs'], (cwd) => {
      mkdirSync(join(cwd, 'r'));
      writeFileSync(join(cwd, 'r', 'config.json'), JSON.stringify({ data: 'mnist' }));
    }));
});

describe('other commands: bad input exits 2 and names the flag or argument', () => {
  it('unknown command', () => expectUsageError(['trian'], 'trian'));
  it('no command prints help', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: neural-ode');
  });
  it('evaluate with a missing checkpoint', () => expectUsageError(['evaluate', '--checkpoint', 'nope'], '--checkpoint', ['does not exist']));
  it('evaluate with an unknown dataset', () => expectUsageError(['evaluate', '--checkpoint', '.', '--data', 'svhn'], '--data', DATASETS));
  it('evaluate with batch size 0', () => expectUsageError(['evaluate', '--checkpoint', '.', '--batch-size', '0'], '--batch-size', ['>= 1']));
  it('spiral with 0 iterations', () => expectUsageError(['spiral', '--iterations', '0'], '--iterations', ['>= 1']));
  it('spiral with an unknown method', () => expectUsageError(['spiral', '--method', 'rk45'], '--method', ['dopri5']));
  it('spiral with max window below min window', () =>
    expectUsageError(['spiral', '--min-window', '3', '--max-window', '2'], '--max-window', ['minWindow']));
  it('spiral with an unknown engine', () => expectUsageError(['spiral', '--engine', 'gpu'], '--engine', ['float64', 'tensor']));
  it('plot without runs', () => expectUsageError(['plot'], 'runs'));
  it('plot of a directory that is not a run', () => expectUsageError(['plot', 'empty'], 'empty', ['metrics.jsonl'], (cwd) => mkdirSync(join(cwd, 'empty'))));
  it('report of a missing run', () => expectUsageError(['report', 'missing'], 'missing', ['not a run directory']));
  it('report --out into a missing directory', () =>
    expectUsageError(['report', 'r', '--out', 'no/such/dir/t.md'], '--out', ['does not exist'], (cwd) => {
      mkdirSync(join(cwd, 'r'));
      writeFileSync(join(cwd, 'r', 'metrics.jsonl'), '');
    }));
  it('datasets download of an unknown dataset', () => expectUsageError(['datasets', 'download', 'imagenet'], 'imagenet', DATASETS));
  it('datasets download with retries out of range', () =>
    expectUsageError(['datasets', 'download', 'mnist', '--retries', '99'], '--retries', ['<= 20']));
  it('datasets info with a missing --data-dir', () => expectUsageError(['datasets', 'info', 'mnist', '--data-dir', 'nowhere'], '--data-dir'));
  it('evaluate with a missing --data-dir', () => expectUsageError(['evaluate', '--checkpoint', '.', '--data-dir', 'nowhere'], '--data-dir'));
  it('datasets info of an unknown dataset', () => expectUsageError(['datasets', 'info', 'svhn'], 'svhn', DATASETS));
  it('datasets without a subcommand', () => expectUsageError(['datasets'], 'download'));
});

/** A run directory as `train` leaves it: config.json (the schema's defaults), and `epochs` lines of metrics. */
function writeRun(dir: string, epochs: number, checkpoint = false): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ config: { data: 'mnist' }, label: 'ResNet(6)', params: 576778 }));
  const rows = Array.from({ length: epochs }, (_, i) => JSON.stringify({ epoch: i + 1, testAccuracy: 0.9, testLoss: 0.3, trainLoss: 0.4, epochSeconds: 1 }));
  writeFileSync(join(dir, 'metrics.jsonl'), rows.map((r) => `${r}\n`).join(''));
  if (checkpoint) writeFileSync(join(dir, 'checkpoint.json'), '{}');
}

describe('usage errors the schemas cannot see exit 2 before anything runs', () => {
  it('a model for the other kind of data, in --dry-run too', async () => {
    const stderr = await expectUsageError(['train', '--data', 'ag-news', '--model', 'resnet', '--dry-run'], '--model', ['vdcnn or vdcnn-ode']);
    expect(stderr).not.toContain('train: train:');
  });
  it('a text model on images', () => expectUsageError(['train', '--data', 'mnist', '--model', 'vdcnn', '--save', 'run'], '--model', ['resnet or odenet', '--data ag-news']));
  it('--save into a directory that holds a run', () =>
    expectUsageError(['train', '--data', 'mnist-sample', '--save', 'old'], '--save', ['already holds a run', 'neural-ode train --resume'], (cwd) => writeRun(join(cwd, 'old'), 2)));
  it('--resume with fewer --epochs than the run already trained', () =>
    expectUsageError(['train', '--resume', 'old', '--epochs', '2'], '--epochs', ['already trained 3 epochs', '--epochs 4'], (cwd) => writeRun(join(cwd, 'old'), 3)));
  it('evaluate without --checkpoint says it is required', async () => {
    const stderr = await expectUsageError(['evaluate'], '--checkpoint', ['required']);
    expect(stderr).not.toContain('must be a string');
  });
  it('evaluate --checkpoint of a file that is not a checkpoint', () =>
    expectUsageError(['evaluate', '--checkpoint', 'x.txt'], '--checkpoint', ['not a checkpoint', '.safetensors'], (cwd) => writeFileSync(join(cwd, 'x.txt'), 'hello')));
  it('evaluate --checkpoint of a directory that is not a run', () =>
    expectUsageError(['evaluate', '--checkpoint', 'empty'], '--checkpoint', ['not a run directory'], (cwd) => mkdirSync(join(cwd, 'empty'))));
  it('evaluate --checkpoint of a run without a checkpoint yet', () =>
    expectUsageError(['evaluate', '--checkpoint', 'young'], '--checkpoint', ['no checkpoint yet', '--resume'], (cwd) => writeRun(join(cwd, 'young'), 1)));
  it('evaluate --checkpoint of a .safetensors file without its state', () =>
    expectUsageError(['evaluate', '--checkpoint', 'w.safetensors'], '--checkpoint', ['w.json is missing'], (cwd) => writeFileSync(join(cwd, 'w.safetensors'), '')));
  it('evaluate --data of the other kind than the checkpoint\'s model', () =>
    expectUsageError(['evaluate', '--checkpoint', 'old', '--data', 'ag-news'], '--data', ['resnet', 'holds texts', 'mnist'], (cwd) => writeRun(join(cwd, 'old'), 1, true)));
  it('spiral --no-adjoint on the float64 engine', async () => {
    const stderr = await expectUsageError(['spiral', '--no-adjoint'], '--no-adjoint', ['--engine tensor']);
    expect(stderr).not.toMatch(/runSpiral|engine '/);
  });
});

describe('failures are told in the command line\'s terms', () => {
  it('no library prefix after the command\'s own', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-err-'));
    writeRun(join(cwd, 'fresh'), 0);
    const r = await runCli(['plot', 'fresh'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^neural-ode plot: no run has finished an epoch yet/);
  });
});

describe('help', () => {
  it('neural-ode help is --help', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await runCli(['--help'])).stdout);
    expect(r.stdout).toContain('help [command...]');
  });
  for (const argv of [['train'], ['datasets', 'download']]) {
    it(`neural-ode help ${argv.join(' ')} is ${argv.join(' ')} --help`, async () => {
      const r = await runCli(['help', ...argv]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: neural-ode ${argv.join(' ')}`);
      expect(r.stdout).toBe((await runCli([...argv, '--help'])).stdout);
    });
  }
  it('help of an unknown command is a usage error', () => expectUsageError(['help', 'trian'], 'trian'));

  it('lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['train', 'evaluate', 'spiral', 'plot', 'report', 'datasets']) expect(r.stdout).toContain(c);
  });
  for (const argv of [['train'], ['evaluate'], ['spiral'], ['plot'], ['report'], ['datasets', 'download'], ['datasets', 'info']]) {
    it(`${argv.join(' ')} --help`, async () => {
      const r = await runCli([...argv, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: neural-ode ${argv.join(' ')}`);
      expect(r.stdout).toContain('--json');
    });
  }
  it('train --help shows the reference flags, choices and defaults', async () => {
    const r = await runCli(['train', '--help']);
    for (const f of ['--use_ode', '--num_res', '--num_res_blocks', '--num_blocks', '--solver', '--tol', '--max_epochs', '--max_epo', '--batch_size', '--weight_decay', '--save_every', '--log_every', '--embd_size', '--seq_len', '--config', '--resume', '--dry-run']) {
      expect(r.stdout).toContain(f);
    }
    expect(r.stdout).toContain('choices: resnet, odenet, vdcnn, vdcnn-ode');
    expect(r.stdout).toContain('default: 128');
  });
});

describe('schedule flags', () => {
  it('--lr-schedule none with --lr-gamma names both flags', () =>
    expectUsageError(['train', '--lr-schedule', 'none', '--lr-gamma', '0.5'], '--lr-gamma', ['gamma']));
});
