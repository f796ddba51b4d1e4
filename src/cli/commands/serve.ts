/** detwiki serve: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki serve: not implemented yet');
  return 2;
}
