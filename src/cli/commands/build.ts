/** detwiki build: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki build: not implemented yet');
  return 2;
}
