/**
 * The real-world AppSpec corpus lives beside the repository, at <repo>/../shared/corpus/appspec (CI
 * has it; a user's fresh clone does not). Its tests run whenever it is there; without it, each corpus
 * test file runs one test that says so plainly instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export const CORPUS_DIR = fileURLToPath(new URL('../../../../shared/corpus/appspec/', import.meta.url));
const MANIFEST = `${CORPUS_DIR}MANIFEST.tsv`;

export const corpusAvailable = existsSync(MANIFEST);

/** The manifest's rows split into cells (header dropped); empty when the corpus is not there. */
export function manifestRows(): string[][] {
  if (!corpusAvailable) return [];
  return readFileSync(MANIFEST, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

export function readCorpusFile(file: string): string {
  return readFileSync(CORPUS_DIR + file, 'utf8');
}

/** The one test a corpus file runs when the corpus is missing: visible in the report, and true. */
export function corpusMissingNotice(which: string): void {
  it(`the ${which} corpus tests need ${CORPUS_DIR} (../shared beside the repository, as in CI); it is not here, so they did not run`, () => {
    console.warn(
      `stepdeploy tests: no AppSpec corpus at ${CORPUS_DIR}; the ${which} corpus tests did not run.`,
    );
    expect(existsSync(MANIFEST)).toBe(false);
  });
}

/** A describe block that exists only where the corpus is (so nothing is reported as skipped). */
export function describeCorpus(name: string, body: () => void): void {
  if (corpusAvailable) describe(name, body);
}
