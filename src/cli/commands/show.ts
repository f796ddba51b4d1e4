/** detwiki show: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki show: not implemented yet');
  return 2;
}
