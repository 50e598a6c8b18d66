import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.ts';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

type Log = (line: string) => void;

function requireMaven(what: string, alternative: string): void {
  const probe = spawnSync('mvn', ['-v'], { stdio: 'ignore', timeout: 60_000 });
  if (probe.error || probe.status !== 0) {
    throw new StackError(
      'prerequisites',
      `Maven (\`mvn\`) is needed once to download ${what} from Maven Central, and was not found. ` +
        `Install it (for example \`apt-get install maven\` or \`brew install maven\`)${alternative}.`,
    );
  }
}

const RUNNING_CLUSTER = ', or point the tests at a running cluster with KAFKA_BROKERS and SCHEMA_REGISTRY_URL';

function runMaven(args: string[], cwd: string, what: string): void {
  const result = spawnSync('mvn', ['-B', '-q', ...args], { cwd, encoding: 'utf8', timeout: 900_000 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new StackError('download', `Maven could not download ${what} (exit ${result.status ?? result.signal}).`, {
      logTail: output,
      ...(result.error ? { cause: result.error } : {}),
    });
  }
}

/** Builds `target` in a scratch folder and renames it into place, so a half download is never used. */
function materialize(target: string, build: (scratch: string) => void): string {
  if (existsSync(join(target, '.complete'))) return target;
  const scratch = `${target}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    build(scratch);
    writeFileSync(join(scratch, '.complete'), new Date().toISOString());
    rmSync(target, { recursive: true, force: true });
    renameSync(scratch, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

/** A Maven dependency, as `groupId:artifactId:version`. */
type Coordinates = `${string}:${string}:${string}`;

function libsPom(name: string, dependencies: readonly Coordinates[]): string {
  const entries = dependencies.map((coordinates) => {
    const [groupId, artifactId, version] = coordinates.split(':');
    return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  });
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kbus.local</groupId><artifactId>${name}</artifactId><version>1</version>
  <dependencies>
${entries.join('\n')}
  </dependencies>
</project>
`;
}

/**
 * A folder of jars holding `dependencies` and everything they need at run time, downloaded
 * from Maven Central once into `<cache>/<key>` (`java -cp "<dir>/*" …`).
 */
export function ensureMavenLibs(
  cache: string,
  key: string,
  dependencies: readonly Coordinates[],
  log: Log,
  alternative = '',
): string {
  const target = join(cache, key);
  if (existsSync(join(target, '.complete'))) return join(target, 'libs');
  const what = dependencies.join(', ');
  requireMaven(what, alternative);
  log(`downloading ${what} from Maven Central (once; cached in ${target})`);
  materialize(target, (scratch) => {
    writeFileSync(join(scratch, 'pom.xml'), libsPom(key.replaceAll(/[^A-Za-z0-9.-]/g, '-'), dependencies));
    runMaven(
      [
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(scratch, 'libs')}`,
      ],
      scratch,
      what,
    );
  });
  return join(target, 'libs');
}

/** The folder of jars that runs Kafka `version` (`java -cp "<dir>/*" kafka.Kafka`). */
export function ensureKafkaLibs(cache: string, version: string, log: Log): string {
  // Kafka 4 logs through log4j2 and ships no backend; 3.x brings reload4j itself.
  const logging: Coordinates[] = version.startsWith('3.')
    ? []
    : [
        'org.apache.logging.log4j:log4j-slf4j2-impl:2.26.1',
        'org.apache.logging.log4j:log4j-core:2.26.1',
        'org.slf4j:slf4j-api:2.0.17',
      ];
  return ensureMavenLibs(
    cache,
    join('kafka', version),
    [`org.apache.kafka:kafka_2.13:${version}`, `org.apache.kafka:kafka-tools:${version}`, ...logging],
    log,
    RUNNING_CLUSTER,
  );
}

/** The unpacked Apicurio Registry distribution; returns the folder holding quarkus-run.jar or the runner jar. */
export function ensureRegistry(cache: string, version: string, log: Log): string {
  const target = join(cache, 'apicurio', version);
  if (!existsSync(join(target, '.complete'))) {
    requireMaven(`Apicurio Registry ${version}`, RUNNING_CLUSTER);
    log(`downloading Apicurio Registry ${version} from Maven Central (once; cached in ${target})`);
    materialize(target, (scratch) => {
      runMaven(
        [
          `${DEPENDENCY_PLUGIN}:copy`,
          `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
          `-DoutputDirectory=${scratch}`,
        ],
        scratch,
        `Apicurio Registry ${version}`,
      );
      const archive = readdirSync(scratch).find((f) => f.endsWith('.tar.gz'));
      if (!archive) throw new StackError('download', `Apicurio Registry ${version}: Maven returned no tar.gz`);
      mkdirSync(join(scratch, 'app'));
      execFileSync('tar', ['-xzf', join(scratch, archive), '-C', join(scratch, 'app')], { stdio: 'inherit' });
      rmSync(join(scratch, archive));
    });
  }
  return findRunnable(join(target, 'app'));
}

function findRunnable(dir: string): string {
  const queue = [dir];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    if (existsSync(join(current, 'quarkus-run.jar'))) return current;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) queue.push(join(current, entry.name));
    }
  }
  throw new StackError('download', `no quarkus-run.jar found under ${dir}; delete that folder to download again`);
}
