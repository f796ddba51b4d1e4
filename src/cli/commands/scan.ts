/** detwiki scan: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki scan: not implemented yet');
  return 2;
}
