/**
 * The oldest Node.js the kbus packages run on: @platformatic/kafka (the default producer)
 * needs 22.22, and the SDK uses Node 22 APIs such as `Promise.withResolvers`. The root
 * package.json's `engines` (which the pack step writes into every published manifest) says
 * the same; a unit test keeps the two equal.
 */
export const MINIMUM_NODE = '22.22.0';

function parse(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

/** The message for a Node.js older than MINIMUM_NODE, or undefined when `version` is new enough. */
export function unsupportedNode(version: string): string | undefined {
  const have = parse(version);
  const need = parse(MINIMUM_NODE);
  for (let i = 0; i < 3; i++) {
    if ((have[i] as number) > (need[i] as number)) return undefined;
    if ((have[i] as number) < (need[i] as number)) {
      return `kbus needs Node.js >= ${MINIMUM_NODE}, and this is Node.js ${version.replace(/^v/, '')}: upgrade Node.js (for example to the current LTS, 24).`;
    }
  }
  return undefined;
}
