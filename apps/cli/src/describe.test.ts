import { readFileSync } from 'node:fs';
import { trainConfigSchema } from '@neural-ode/trainer';
import { describe, expect, it } from 'vitest';
import { describeCli } from './describe';
import { runCli } from './testing/run-cli';

describe('describeCli', () => {
  const cli = describeCli();

  it('lists every command with usage, summary and --json', () => {
    expect(cli.commands.map((c) => c.name)).toEqual(['train', 'evaluate', 'spiral', 'plot', 'report', 'reproduce', 'datasets download', 'datasets info']);
    for (const c of cli.commands) {
      expect(c.summary.length).toBeGreaterThan(10);
      expect(c.usage.startsWith(`neural-ode ${c.name} [options]`)).toBe(true);
      expect(c.flags.some((f) => f.flag === '--json')).toBe(true);
    }
    expect(cli.exitCodes.map((e) => e.code)).toEqual([0, 1, 2, 130]);
  });

  it('gives every flag a type and a description', () => {
    for (const c of cli.commands) {
      for (const f of c.flags) {
        expect(f.description, `${c.name} ${f.flag}`).not.toBe('');
        expect(f.type, `${c.name} ${f.flag}`).toMatch(/^(string|number|integer|boolean)$/);
      }
    }
  });

  it('takes types, choices and defaults of train flags from trainConfigSchema', () => {
    const train = cli.commands.find((c) => c.name === 'train')!;
    const flag = (name: string) => train.flags.find((f) => f.flag === name)!;
    const defaults = trainConfigSchema.parse({});
    expect(flag('--batch-size')).toMatchObject({ type: 'integer', default: defaults.batchSize, minimum: 1, option: 'batchSize' });
    expect(flag('--lr')).toMatchObject({ type: 'number', default: defaults.lr, exclusiveMinimum: 0 });
    expect(flag('--model').choices).toEqual(['resnet', 'odenet', 'vdcnn', 'vdcnn-ode']);
    expect(flag('--method')).toMatchObject({ default: defaults.solver.method, option: 'solver.method' });
    expect(flag('--lr-step-every')).toMatchObject({ default: 40, option: 'lrSchedule.every' });
    expect(flag('--adjoint')).toMatchObject({ type: 'boolean', signature: '--adjoint, --no-adjoint' });
    expect(flag('--num_res')).toMatchObject({ group: 'reference', aliasOf: '--blocks' });
    // Every option of the schema has a flag.
    const options = new Set(train.flags.map((f) => f.option).filter(Boolean));
    for (const key of Object.keys(trainConfigSchema.shape)) {
      expect([...options].some((o) => o === key || o!.startsWith(`${key}.`)), key).toBe(true);
    }
  });

  it('describes exactly the flags commander accepts', async () => {
    for (const c of cli.commands) {
      const help = (await runCli([...c.name.split(' '), '--help'])).stdout;
      for (const f of c.flags) expect(help, `${c.name} ${f.flag}`).toContain(f.flag);
    }
  });

  it('the README documents every command and flag', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const c of cli.commands) {
      expect(readme).toContain(`### \`neural-ode ${c.name}\``);
      for (const f of c.flags) expect(readme, `${c.name} ${f.signature}`).toContain(`\`${f.signature}\``);
    }
  });
});
