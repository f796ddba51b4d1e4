/** detwiki start: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki start: not implemented yet');
  return 2;
}
