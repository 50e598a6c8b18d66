import { existsSync } from 'node:fs';
// A namespace import: a named one would fail to link on a Node.js without registerHooks, before the Node check runs.
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const TS_PARENT = /\.[mc]?ts$/;
const JS_TO_TS: ReadonlyArray<readonly [string, string]> = [
  ['.js', '.ts'],
  ['.mjs', '.mts'],
  ['.cjs', '.cts'],
];

let registered = false;

/**
 * Lets Node load TypeScript written in the `nodenext` style, where `./ids.ts` is imported as
 * `./ids.js`: Node strips the types but looks for the `.js` file literally. A relative
 * `.js`/`.mjs`/`.cjs` import from a `.ts`/`.mts`/`.cts` file that does not exist resolves to
 * its TypeScript sibling when that exists; everything else resolves as usual, so compiled
 * modules are unaffected.
 *
 * @example
 * allowTypeScriptJsImports();
 * const contracts = await import(pathToFileURL('src/contracts.ts').href); // imports './ids.js' → ids.ts
 */
export function allowTypeScriptJsImports(): void {
  if (registered) return;
  registered = true;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (parent?.startsWith('file:') && TS_PARENT.test(parent) && /^\.\.?\//.test(specifier)) {
        const mapping = JS_TO_TS.find(([js]) => specifier.endsWith(js));
        if (mapping) {
          const target = new URL(specifier, parent);
          if (!existsSync(fileURLToPath(target))) {
            const sibling = `${specifier.slice(0, -mapping[0].length)}${mapping[1]}`;
            if (existsSync(fileURLToPath(new URL(sibling, parent)))) return nextResolve(sibling, context);
          }
        }
      }
      return nextResolve(specifier, context);
    },
  });
}
