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
  it('evaluate without --checkpoint', () => expectUsageError(['evaluate'], '--checkpoint'));
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

describe('help', () => {
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
