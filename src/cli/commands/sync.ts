/** detwiki sync: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki sync: not implemented yet');
  return 2;
}
