// The model table of the models guide, from @neural-ode/models' registry: each model is built with its default
// options and its trainable parameters counted (`countParams()`), so the counts are the code's, not a copy.
import { tableCell } from './markdown';

interface ModelLike {
  countParams(): number;
  dispose(): void;
}
interface EntryLike {
  description: string;
  inputKind: string;
  ode: boolean;
  create(options?: Record<string, unknown>): ModelLike;
}

/** Configurations of the reference study's tables. */
const configurations: { label: string; name: string; options: Record<string, unknown> }[] = [
  { label: 'ResNet(6), MNIST', name: 'resnet', options: { blocks: 6, inChannels: 1 } },
  { label: 'ResNet(1), MNIST', name: 'resnet', options: { blocks: 1, inChannels: 1 } },
  { label: 'ODE-Net, MNIST', name: 'odenet', options: { inChannels: 1 } },
  { label: 'ResNet(6), CIFAR-10', name: 'resnet', options: { blocks: 6, inChannels: 3 } },
  { label: 'ResNet(1), CIFAR-10', name: 'resnet', options: { blocks: 1, inChannels: 3 } },
  { label: 'ODE-Net, CIFAR-10', name: 'odenet', options: { inChannels: 3 } },
  { label: 'VDCNN(6), AG-News', name: 'vdcnn', options: { blocks: 6 } },
  { label: 'VDCNN(1), AG-News', name: 'vdcnn', options: { blocks: 1 } },
  { label: 'VDCNN-ODE, AG-News', name: 'vdcnn-ode', options: {} },
];

function thousands(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} K` : String(n);
}

/** Markdown: the registry, and parameter counts of the reference configurations. */
export async function modelsPage(models: Record<string, unknown> | undefined): Promise<string> {
  const registry = models?.modelRegistry as Record<string, EntryLike> | undefined;
  if (!registry) {
    return '::: warning Not generated\nThis build could not read `modelRegistry` from `@neural-ode/models`.\n:::\n';
  }
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const out = ['| Name | Input | ODE block | Description |', '| --- | --- | --- | --- |'];
  for (const [name, e] of Object.entries(registry)) {
    out.push(`| \`${name}\` | ${e.inputKind} | ${e.ode ? 'yes' : 'no'} | ${tableCell(e.description)} |`);
  }
  out.push('', '### Parameter counts', '', '| Configuration | `createModel` options | Trainable parameters |', '| --- | --- | --- |');
  for (const c of configurations) {
    const entry = registry[c.name];
    if (!entry) continue;
    let count: string;
    try {
      const model = entry.create(c.options);
      count = `${model.countParams().toLocaleString('en-US')} (${thousands(model.countParams())})`;
      model.dispose();
    } catch (error) {
      count = `could not build: ${(error as Error).message.split('\n')[0].replace(/\|/g, '\\|')}`;
    }
    out.push(`| ${c.label} | \`${JSON.stringify({ name: c.name, ...c.options })}\` | ${count} |`);
  }
  out.push('', '*Generated at build time: each model built with these options and counted with `countParams()`.*', '');
  return out.join('\n');
}
