/**
 * A string all of whose characters are ASCII: such a string lower-cases, counts and compares the same way in every
 * engine the project runs (JavaScript, RE2, DuckDB). Not global: `test` keeps no state between calls.
 */
// eslint-disable-next-line no-control-regex
export const ASCII = /^[\x00-\x7f]*$/;
