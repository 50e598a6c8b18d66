import { deleteTopics, uniqueName } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { runStory } from '../src/index.ts';

describe('the demo story', () => {
  it('runs end to end and every check holds', async () => {
    const lines: string[] = [];
    const result = await runStory({ runId: uniqueName('story'), accounts: 8, print: (line) => lines.push(line) });
    try {
      expect(result.failures).toEqual([]);
      expect(lines.some((l) => l.includes('BAD_MAGIC_BYTE'))).toBe(true);
      expect(lines.some((l) => l.includes('caught up'))).toBe(true);
    } finally {
      await deleteTopics([result.topic, `${result.topic}.dlt`, `${result.topic}.audit.dlt`], { withSubjects: true });
    }
  });
});
