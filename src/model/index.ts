/** The normalized model: everything adapters produce and everything downstream consumes. */
export * from './facts.ts';
export * from './span.ts';
export * from './diagnostics.ts';
export * from './expr.ts';
export * from './operators.ts';
export * from './rule.ts';
export * from './render.ts';
export * from './evaluate.ts';
export * from './analyze.ts';
export * from './lowering.ts';
export * from './regex.ts';
export * from './page.ts';
export * from './checks.ts';
export * from './derive.ts';
export * from './transformFacts.ts';
