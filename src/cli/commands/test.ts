/** detwiki test: placeholder until implemented. */
export async function run(_argv: string[]): Promise<number> {
  console.error('detwiki test: not implemented yet');
  return 2;
}
