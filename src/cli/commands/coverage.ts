/** detwiki coverage: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki coverage: not implemented yet');
  return 2;
}
