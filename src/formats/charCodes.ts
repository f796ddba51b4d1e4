/**
 * Character codes the hand-written scanners compare with `charCodeAt` (the YAML and KQL nesting checks): a number
 * test is optimized once, where comparing one-character strings was optimized again for each kind of string met.
 */
export const TAB = 9, LF = 10, CR = 13, SPACE = 32, DQUOTE = 34, HASH = 35, SQUOTE = 39, OPEN_PAREN = 40, CLOSE_PAREN = 41;
export const PLUS = 43, DASH = 45, SLASH = 47, GT = 62, QMARK = 63, AT = 64, OPEN_SQUARE = 91, BACKSLASH = 92;
export const CLOSE_SQUARE = 93, BACKTICK = 96, OPEN_CURLY = 123, PIPE = 124, CLOSE_CURLY = 125;
