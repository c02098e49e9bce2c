// Records what the reference PyTorch models compute for the cases of src/fixtures/pytorch-cases.ts:
//   pnpm --filter @neural-ode/models fixture:pytorch   (needs python3 with torch: Debian python3-torch)
// Writes the weights and inputs as safetensors (saveStateDict) to a temporary directory, runs
// pytorch_reference.py on them, and writes src/fixtures/pytorch-logits.json, which pytorch-parity.test.ts checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@neural-ode/backend';
import { pytorchCases } from '../src/fixtures/pytorch-cases';
import { saveStateDict } from '../src/state-dict';
import { serializeSafetensors } from '../src/safetensors';

async function main() {
  await initBackend({ backend: 'cpu', log: false });
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'models-pytorch-'));
  for (const c of pytorchCases) {
    const model = c.build();
    writeFileSync(join(dir, `${c.name}.weights.safetensors`), saveStateDict(model));
    const x = c.input();
    const data = x.dtype === 'int32' ? Int32Array.from(x.dataSync() as Int32Array) : Float32Array.from(x.dataSync() as Float32Array);
    writeFileSync(join(dir, `${c.name}.input.safetensors`), serializeSafetensors(new Map([['x', { shape: x.shape, data }]])));
  }
  const casesPath = join(dir, 'cases.json');
  writeFileSync(casesPath, JSON.stringify(pytorchCases.map(({ name, model, options }) => ({ name, model, options }))));
  const out = join(here, '../src/fixtures/pytorch-logits.json');
  const python = process.env.PYTHON ?? 'python3';
  execFileSync(python, [join(here, 'pytorch_reference.py'), casesPath, dir, `${out}.tmp`], { stdio: 'inherit' });
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
