import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE, unsupportedNode } from '../src/supported-node.ts';

describe('the Node.js version check', () => {
  it('names the required and the running version for an older Node.js', () => {
    expect(unsupportedNode('20.20.2')).toBe(
      'kbus needs Node.js >= 22.22.0, and this is Node.js 20.20.2: upgrade Node.js (for example to the current LTS, 24).',
    );
    expect(unsupportedNode('v22.21.9')).toContain('this is Node.js 22.21.9');
    expect(unsupportedNode('22.9.0')).toBeDefined();
  });

  it('accepts the minimum and anything newer', () => {
    for (const version of ['22.22.0', '22.23.1', '23.0.0', '24.21.0', 'v26.0.0']) {
      expect(unsupportedNode(version)).toBeUndefined();
    }
  });

  it('agrees with the engines of the root package.json (what published manifests carry)', () => {
    const root = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      engines: { node: string };
    };
    expect(root.engines.node).toBe(`>=${MINIMUM_NODE.replace(/\.0$/, '')}`);
  });
});
