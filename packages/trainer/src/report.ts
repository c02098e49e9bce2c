/**
 * A Markdown table `Model | Test error % | # params | Time (s/epoch) | NFE` with one row per run directory, in the
 * format of the reference study's tables.
 */
export async function reportRuns(runDirs: string[]): Promise<string> {
  void runDirs;
  throw new Error('reportRuns: not implemented yet');
}
