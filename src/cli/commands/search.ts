/** detwiki search: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki search: not implemented yet');
  return 2;
}
