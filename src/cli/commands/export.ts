/** detwiki export: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki export: not implemented yet');
  return 2;
}
