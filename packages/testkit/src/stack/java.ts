import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.ts';

export interface JavaRuntime {
  readonly bin: string;
  readonly major: number;
}

function majorOf(bin: string): number | undefined {
  // `java -XshowSettings:properties -version` writes the properties to stderr.
  const result = spawnSync(bin, ['-XshowSettings:properties', '-version'], { encoding: 'utf8', timeout: 20_000 });
  if (result.error || result.status !== 0) return undefined;
  return parseMajor(`${result.stdout}${result.stderr}`);
}

function parseMajor(text: string): number | undefined {
  const match = /java\.specification\.version = (\d+)(?:\.(\d+))?/.exec(text);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  // Java 8 reports "1.8".
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/** Every Java runtime we can see: JAVA_HOME, the PATH's java, and JDKs under /usr/lib/jvm. */
export function findJavaRuntimes(env: NodeJS.ProcessEnv = process.env): JavaRuntime[] {
  const candidates = new Set<string>();
  if (env.JAVA_HOME) candidates.add(join(env.JAVA_HOME, 'bin', 'java'));
  candidates.add('java');
  for (const root of ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines']) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root)) {
      for (const bin of [join(root, entry, 'bin', 'java'), join(root, entry, 'Contents', 'Home', 'bin', 'java')]) {
        if (existsSync(bin)) candidates.add(bin);
      }
    }
  }
  const found: JavaRuntime[] = [];
  for (const bin of candidates) {
    const major = majorOf(bin);
    if (major !== undefined) found.push({ bin, major });
  }
  return found;
}

/**
 * The runtime for Kafka: the user's own java (JAVA_HOME or PATH) if it is new enough,
 * else the newest one found.
 */
export function javaForKafka(runtimes: readonly JavaRuntime[], kafkaVersion: string): JavaRuntime {
  const minimum = kafkaVersion.startsWith('3.') ? 11 : 17;
  const usable = runtimes.filter((r) => r.major >= minimum);
  const preferred = usable[0];
  if (!preferred) {
    throw new StackError(
      'kafka',
      `Kafka ${kafkaVersion} needs Java ${minimum} or newer, and none was found ` +
        `(looked at JAVA_HOME, PATH and /usr/lib/jvm: ${describe(runtimes)}). ` +
        'Install a JDK (for example `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME.',
    );
  }
  return preferred;
}

/** The newest runtime at or above `minimum`, if any. */
export function newestJava(runtimes: readonly JavaRuntime[], minimum: number): JavaRuntime | undefined {
  return [...runtimes].filter((r) => r.major >= minimum).sort((a, b) => b.major - a.major)[0];
}

function describe(runtimes: readonly JavaRuntime[]): string {
  return runtimes.length === 0 ? 'none' : runtimes.map((r) => `${r.bin} (Java ${r.major})`).join(', ');
}
