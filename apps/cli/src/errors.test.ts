import { describe, expect, it } from 'vitest';
import { inUserTerms } from './errors';
import { trainFlags } from './train-options';

describe('inUserTerms: library messages in the command line\'s words', () => {
  const flags = trainFlags();

  it('drops the library\'s own prefix and its notes for programmers', () => {
    expect(
      inUserTerms(
        "train: option 'save' is '/runs/a', which already holds a run: continue it with --resume /runs/a (resume() in code) or choose another --save directory",
        flags,
      ),
    ).toBe("--save is '/runs/a', which already holds a run: continue it with --resume /runs/a or choose another --save directory");
    expect(inUserTerms("resume: '/x' is not a run directory (it has no config.json)", flags)).toBe("'/x' is not a run directory (it has no config.json)");
    expect(inUserTerms('train: the loss became NaN at epoch 2, step 3: lower --lr (now 0.1)', flags)).toBe(
      'the loss became NaN at epoch 2, step 3: lower --lr (now 0.1)',
    );
  });

  it('names a dataset split instead of the loadDataset call, and --data-dir instead of dataDir', () => {
    expect(
      inUserTerms(
        "loadDataset('mnist', { split: 'test' }): t10k-images-idx3-ubyte.gz not found\n  a folder of your own, passed as --data-dir DIR (dataDir in code): the files directly in it",
      ),
    ).toBe('mnist (test split): t10k-images-idx3-ubyte.gz not found\n  a folder of your own, passed as --data-dir DIR: the files directly in it');
  });

  it('names the dataset once', () => {
    expect(inUserTerms("loadDataset('mnist', { split: 'train' }): mnist: could not download train-images-idx3-ubyte.gz")).toBe(
      'mnist (train split): could not download train-images-idx3-ubyte.gz',
    );
  });

  it('turns option paths into the flags that set them', () => {
    expect(inUserTerms("option 'model' is 'resnet' and option 'solver.rtol' is 0", flags)).toBe("--model is 'resnet' and --rtol is 0");
    // An option without a flag keeps its name.
    expect(inUserTerms("option 'nothing' is odd", flags)).toBe("option 'nothing' is odd");
  });

  it('leaves the CLI\'s own words and checkpoint prefixes alone', () => {
    const own = 'checkpoint: /r/checkpoint.json is damaged (not JSON: Unexpected token)';
    expect(inUserTerms(own, flags)).toBe(own);
  });
});
