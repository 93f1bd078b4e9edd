/** Vitest global setup: runs once before all test files. */
export default async function setup(): Promise<void> {
  // Placeholder until the build step for child-process tests is added.
}
