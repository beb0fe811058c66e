import { describe, expect, it } from 'vitest';
import { renderCheckpointTree } from './models-gateway.js';

describe('renderCheckpointTree', () => {
  it('draws checkpoints under their predecessors and marks the active one', () => {
    const tree = renderCheckpointTree([
      { id: 'c1', name: 'step-1', prev_model_checkpoint_id: null },
      { id: 'c2', name: 'step-2', prev_model_checkpoint_id: 'c1', mean_reward: 0.5 },
      { id: 'c3', checkpoint_name: 'branch', prev_model_checkpoint_id: 'c1', is_active: true },
      { id: 'c4', name: 'step-3', prev_model_checkpoint_id: 'c2', num_traces: 8 },
      // Its predecessor is not listed (another model's checkpoint): a root.
      { id: 'c5', prev_model_checkpoint_id: 'elsewhere' },
    ]);
    expect(tree).toBe(
      [
        'c1  step-1',
        '├─ c2  step-2  reward 0.500',
        '│  └─ c4  step-3  8 traces',
        '└─ c3  branch  (active)',
        'c5',
      ].join('\n'),
    );
  });
});
