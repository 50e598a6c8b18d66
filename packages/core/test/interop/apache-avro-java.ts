import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMavenLibs, stackPaths } from '@kbus/testkit/stack';

// The newest Apache Avro Java release on Maven Central when this reader was written.
const AVRO = 'org.apache.avro:avro:1.12.2';
const MAIN_CLASS = 'DecodeWithApacheAvro';
const SOURCE = fileURLToPath(new URL(`./${MAIN_CLASS}.java`, import.meta.url));

/** `javac`/`java` of JAVA_HOME, else of the PATH. */
function jdkTool(name: 'java' | 'javac'): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', name) : name;
}

function compiled(libs: string, cache: string): string {
  const source = readFileSync(SOURCE);
  const digest = createHash('sha256').update(source).update(AVRO).digest('hex').slice(0, 16);
  const classes = join(cache, 'interop', `classes-${digest}`);
  if (existsSync(join(classes, `${MAIN_CLASS}.class`))) return classes;
  const javac = jdkTool('javac');
  if (spawnSync(javac, ['-version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      `the interoperability reader needs a JDK's javac (${javac} did not run): install a JDK >= 17 (for example \`apt-get install openjdk-17-jdk-headless\`) or set JAVA_HOME`,
    );
  }
  const scratch = `${classes}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    execFileSync(javac, ['-nowarn', '-cp', join(libs, '*'), '-d', scratch, SOURCE], { stdio: 'pipe' });
    rmSync(classes, { recursive: true, force: true });
    renameSync(scratch, classes);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return classes;
}

/**
 * Decodes Confluent wire-format values with Apache Avro's Java implementation, which only gets
 * the bytes and the registry URL. Avro's jars come from Maven Central once (cached in
 * KBUS_HOME, default ~/.cache/kbus, like the stack's Kafka) and the reader is compiled once.
 */
export function decodeWithApacheAvroJava(
  registryUrl: string,
  values: readonly Uint8Array[],
): Array<{ schemaId: number; value: Record<string, unknown> }> {
  const { cache } = stackPaths();
  const libs = ensureMavenLibs(cache, join('interop', `avro-${AVRO.split(':')[2]}`), [AVRO], (line) =>
    process.stderr.write(`${line}\n`),
  );
  const classes = compiled(libs, cache);
  const output = execFileSync(
    jdkTool('java'),
    ['-cp', [classes, join(libs, '*')].join(delimiter), MAIN_CLASS, registryUrl],
    {
      input: `${values.map((v) => Buffer.from(v).toString('hex')).join('\n')}\n`,
      encoding: 'utf8',
      // stderr is kept in the thrown error (with SLF4J's no-provider notice, which is harmless)
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  return JSON.parse(output) as Array<{ schemaId: number; value: Record<string, unknown> }>;
}
