/**
 * Static tables of MQL (data, not code), from Sublime's public documentation (Syntax, Functions, Strings and Regex
 * functions, Lists, Enrichment functions): which functions lower onto the model's operators, which ones only
 * Sublime's platform can compute, and the built-in lists.
 */
import type { Operator } from '../../model/expr.ts';

/** A string or regex function that is a predicate of the model: `strings.icontains(field, "a", "b")`. */
export interface MatchFunctionFact {
  readonly op: Operator;
  /** Case-sensitive: the plain forms; the `i` forms are case-insensitive. */
  readonly cs: boolean;
  /** Regex anchoring: `regex.match` / `imatch` must match the whole string; `contains` searches. */
  readonly anchor?: 'full';
}

/**
 * Functions of one field and one or more literal patterns (any pattern may match), as predicates. Wildcards of
 * `like` / `ilike`: `*` any run, `?` one character, over the whole value.
 */
export const MATCH_FUNCTIONS: Readonly<Record<string, MatchFunctionFact>> = {
  'strings.contains': { op: 'contains', cs: true },
  'strings.icontains': { op: 'contains', cs: false },
  'strings.starts_with': { op: 'starts_with', cs: true },
  'strings.istarts_with': { op: 'starts_with', cs: false },
  'strings.ends_with': { op: 'ends_with', cs: true },
  'strings.iends_with': { op: 'ends_with', cs: false },
  'strings.like': { op: 'wildcard', cs: true },
  'strings.ilike': { op: 'wildcard', cs: false },
  /** The older top-level spellings (`like(body.html.raw, "*x*")` in Sublime's null-handling documentation). */
  like: { op: 'wildcard', cs: true },
  ilike: { op: 'wildcard', cs: false },
  'regex.contains': { op: 'regex', cs: true },
  'regex.icontains': { op: 'regex', cs: false },
  /** The names before October 2022 (sublime-rules #179 renamed them): rules written then still use them. */
  iregex_search: { op: 'regex', cs: false },
  regex_search: { op: 'regex', cs: true },
  'regex.match': { op: 'regex', cs: true, anchor: 'full' },
  'regex.imatch': { op: 'regex', cs: false, anchor: 'full' },
  /** An IP address inside one of the CIDR ranges (or equal to one of the addresses). */
  'beta.ip_in': { op: 'cidr', cs: false },
};

/** Array functions whose second argument is evaluated once per element (the loop item is `.`). */
export const LOOP_FUNCTIONS: ReadonlySet<string> = new Set(['any', 'all', 'filter', 'map', 'distinct', 'sum', 'ratio', 'min', 'max']);

/**
 * Where a function's result comes from when the model cannot express it:
 * - `enrichment`: only Sublime's platform computes it (machine learning, sender history, network lookups, file
 *   analysis, rendering);
 * - `function`: a computation over the message itself (decoding, parsing, edit distance, counting) that the model
 *   has no operand for.
 */
export type FunctionCategory = 'enrichment' | 'function';

export interface FunctionFact {
  readonly category: FunctionCategory;
  /** What it computes, one line. */
  readonly computes: string;
}

/** Every MQL function the model keeps as an opaque leaf, with what it computes. */
export const OPAQUE_FUNCTIONS: Readonly<Record<string, FunctionFact>> = {
  // machine learning
  'ml.nlu_classifier': { category: 'enrichment', computes: 'natural-language intents, entities, topics and tone of a text (Sublime NLU models)' },
  'ml.link_analysis': { category: 'enrichment', computes: 'visits a link in a sandboxed browser: final URL, redirects, page screenshot, credential forms, disposition' },
  'ml.logo_detect': { category: 'enrichment', computes: 'brand logos found in an image or screenshot, with confidence' },
  'ml.macro_classifier': { category: 'enrichment', computes: 'maliciousness of Office macros (ML)' },
  'ml.attack_score': { category: 'enrichment', computes: "Sublime's attack score of the message (ML verdict)" },
  'beta.ml_topic': { category: 'enrichment', computes: 'topics of a text (ML, beta)' },
  'beta.ml_extract_sensitive_information': { category: 'enrichment', computes: 'sensitive data found in a text (ML, beta): card numbers, credentials, personal data' },
  'beta.ml_translate': { category: 'enrichment', computes: 'machine translation of a text (beta)' },
  'beta.fuzzy_attack_score': { category: 'enrichment', computes: 'similarity of the message to known attacks (beta)' },
  // sender and message history
  'profile.by_sender': { category: 'enrichment', computes: "the sender's history with the organisation: prevalence, first seen, solicited, messages classified malicious or benign" },
  'profile.by_sender_email': { category: 'enrichment', computes: "the sender address's history with the organisation (prevalence, solicited, past verdicts)" },
  'profile.by_sender_domain': { category: 'enrichment', computes: "the sender domain's history with the organisation (prevalence, solicited, past verdicts)" },
  'beta.profile.by_reply_to': { category: 'enrichment', computes: "the Reply-To address's history with the organisation (beta)" },
  // network
  'network.whois': { category: 'enrichment', computes: 'WHOIS registration of a domain: age in days, registrar, registrant' },
  // files and rendering
  'file.explode': { category: 'enrichment', computes: 'recursive static analysis of an attachment: nested files, strings, URLs, OCR, QR codes, YARA, macros, PDF and archive contents' },
  'file.message_screenshot': { category: 'enrichment', computes: 'a rendered screenshot of the message body' },
  'beta.message_screenshot': { category: 'enrichment', computes: 'a rendered screenshot of the message body (beta)' },
  'file.html_screenshot': { category: 'enrichment', computes: 'a rendered screenshot of an HTML attachment' },
  'beta.ocr': { category: 'enrichment', computes: 'text recognised in an image or screenshot (OCR)' },
  'beta.scan_qr': { category: 'enrichment', computes: 'QR codes decoded from an image (URL, text)' },
  'beta.parse_exif': { category: 'enrichment', computes: 'EXIF and image metadata of an image or PDF (size, page count, producer)' },
  'file.oletools': { category: 'enrichment', computes: 'oletools analysis of an Office file (macros, auto-exec, indicators)' },
  'file.parse_eml': { category: 'enrichment', computes: 'an attached message (.eml) parsed into its own Message Data Model' },
  'file.parse_html': { category: 'enrichment', computes: 'an HTML attachment parsed (display text, links)' },
  'file.parse_text': { category: 'enrichment', computes: 'the text content of an attachment' },
  'file.expand_archives': { category: 'enrichment', computes: 'the files inside archive attachments' },
  'beta.file.parse_ics': { category: 'enrichment', computes: 'a calendar (.ics) attachment parsed (organiser, attendees, links)' },
  'beta.linkanalysis': { category: 'enrichment', computes: 'link analysis in a sandboxed browser (beta)' },
  'html.xpath': { category: 'function', computes: 'nodes of the HTML body selected by an XPath expression' },
  // transforms of the message itself
  'strings.replace_confusables': { category: 'function', computes: 'the text with look-alike Unicode characters replaced by their ASCII counterparts' },
  'strings.ilevenshtein': { category: 'function', computes: 'case-insensitive edit distance between two strings (of a value the rule computes: a field and a text, or two fields, is `DERIVED_FUNCTIONS`)' },
  'strings.levenshtein': { category: 'function', computes: 'edit distance between two strings (of a value the rule computes: a field and a text, or two fields, is `DERIVED_FUNCTIONS`)' },
  'strings.parse_url': { category: 'function', computes: 'a URL string parsed into its parts (domain, path, query)' },
  'strings.parse_email': { category: 'function', computes: 'an email address string parsed (local part, domain)' },
  'strings.parse_domain': { category: 'function', computes: 'a domain string parsed (root domain, subdomain, TLD)' },
  'strings.parse_json': { category: 'function', computes: 'a JSON string parsed' },
  'strings.parse_html': { category: 'function', computes: 'an HTML string parsed' },
  'strings.concat': { category: 'function', computes: 'the concatenation of strings (of two fields or more, or of values the rule computes: of texts and one field it is a derived value, `concatOperand` in lower.ts)' },
  'strings.count': { category: 'function', computes: 'number of occurrences of a substring (of a substring the rule computes or takes from a field: of a text, `DERIVED_FUNCTIONS`)' },
  'strings.icount': { category: 'function', computes: 'number of case-insensitive occurrences of a substring (of a substring the rule computes or takes from a field: of a text, `DERIVED_FUNCTIONS`)' },
  'strings.scan_base64': { category: 'function', computes: 'base64 runs found in a text, decoded' },
  'beta.scan_base64': { category: 'function', computes: 'base64 runs found in a text, decoded (beta)' },
  'strings.decode_base64': { category: 'function', computes: 'a base64 string decoded' },
  'regex.extract': { category: 'function', computes: 'regex matches with their named groups' },
  'regex.iextract': { category: 'function', computes: 'case-insensitive regex matches with their named groups' },
  'regex.count': { category: 'function', computes: 'number of regex matches (of a pattern the rule computes, or in a value it computes: of a field by a pattern, `DERIVED_FUNCTIONS`)' },
  'regex.icount': { category: 'function', computes: 'number of case-insensitive regex matches (of a pattern the rule computes, or in a value it computes: of a field by a pattern, `DERIVED_FUNCTIONS`)' },
  'hash.sha256': { category: 'function', computes: 'SHA-256 of a value' },
  'distinct': { category: 'function', computes: 'the distinct elements of an array (optionally by a key)' },
  'flatten': { category: 'function', computes: 'an array of arrays flattened' },
  'keys': { category: 'function', computes: 'the keys of a map' },
  'values': { category: 'function', computes: 'the values of a map' },
  'sum': { category: 'function', computes: 'the sum of numbers' },
  'ratio': { category: 'function', computes: 'the share of elements of an array that satisfy an expression' },
  'min': { category: 'function', computes: 'the smallest of numbers' },
  'max': { category: 'function', computes: 'the largest of numbers' },
  'map': { category: 'function', computes: 'an expression computed for every element of an array' },
  'filter': { category: 'function', computes: 'the elements of an array that satisfy an expression' },
  'length': { category: 'function', computes: 'the length of a string or array' },
  'coalesce': { category: 'function', computes: 'the first non-null of its arguments' },
  // the names before February 2023 (sublime-rules #281 renamed them): rules written then still use them
  'beta.binexplode': { category: 'enrichment', computes: 'recursive static analysis of an attachment (the earlier name of file.explode)' },
  'beta.oletools': { category: 'enrichment', computes: 'oletools analysis of an Office file (the earlier name of file.oletools)' },
  'beta.ml_nlu_classifier': { category: 'enrichment', computes: 'natural-language intents, entities, topics and tone of a text (the earlier name of ml.nlu_classifier)' },
  'beta.ml_macro_classifier': { category: 'enrichment', computes: 'maliciousness of Office macros (the earlier name of ml.macro_classifier)' },
};

/** Who maintains a named list. */
export type ListOrigin = 'tenant' | 'history' | 'sublime';

export interface ListFact {
  readonly origin: ListOrigin;
  readonly holds: string;
}

/**
 * Sublime's built-in lists (Lists documentation). Their contents are not in the catalog (tenant and history lists
 * are per organisation; Sublime lists are published separately and change daily), so a membership test against a
 * list stays opaque and names the list.
 */
export const BUILTIN_LISTS: Readonly<Record<string, ListFact>> = {
  org_domains: { origin: 'tenant', holds: "the organisation's own domains" },
  org_display_names: { origin: 'tenant', holds: "display names of the organisation's users" },
  org_slds: { origin: 'tenant', holds: "second-level labels of the organisation's domains" },
  org_vips: { origin: 'tenant', holds: "the organisation's VIP users (names and addresses)" },
  tenant_domains: { origin: 'tenant', holds: 'domains of the email tenant' },
  recipient_domains: { origin: 'history', holds: 'domains the organisation has sent mail to' },
  recipient_emails: { origin: 'history', holds: 'addresses the organisation has sent mail to' },
  sender_domains: { origin: 'history', holds: 'domains the organisation has received mail from' },
  sender_emails: { origin: 'history', holds: 'addresses the organisation has received mail from' },
  high_trust_sender_root_domains: { origin: 'sublime', holds: 'root domains of highly trusted senders (negated unless DMARC fails)' },
  free_email_providers: { origin: 'sublime', holds: 'free webmail provider domains' },
  disposable_email_providers: { origin: 'sublime', holds: 'disposable (temporary) email provider domains' },
  free_file_hosts: { origin: 'sublime', holds: 'free file hosting domains' },
  free_subdomain_hosts: { origin: 'sublime', holds: 'hosts that give out free subdomains' },
  url_shorteners: { origin: 'sublime', holds: 'URL shortener domains' },
  social_landing_hosts: { origin: 'sublime', holds: 'social landing-page hosts (link-in-bio services)' },
  self_service_creation_platform_domains: { origin: 'sublime', holds: 'self-service site and form builder domains' },
  bulk_mailer_url_root_domains: { origin: 'sublime', holds: 'root domains of bulk mailer link trackers' },
  replyto_service_domains: { origin: 'sublime', holds: 'reply-to relay service domains' },
  suspicious_tlds: { origin: 'sublime', holds: 'top-level domains often abused' },
  suspicious_subjects: { origin: 'sublime', holds: 'subjects often used in attacks' },
  suspicious_root_domains: { origin: 'sublime', holds: 'root domains often abused' },
  file_extensions_macros: { origin: 'sublime', holds: 'file extensions of documents that can carry macros' },
  file_extensions_executables: { origin: 'sublime', holds: 'executable file extensions' },
  file_extensions_common_archives: { origin: 'sublime', holds: 'common archive file extensions' },
  file_types_images: { origin: 'sublime', holds: 'image file types' },
  tranco_1m: { origin: 'sublime', holds: 'the Tranco top 1 million domains' },
  tranco_50k: { origin: 'sublime', holds: 'the Tranco top 50,000 domains' },
  tranco_10k: { origin: 'sublime', holds: 'the Tranco top 10,000 domains' },
  umbrella_1m: { origin: 'sublime', holds: 'the Cisco Umbrella top 1 million domains' },
  alexa_1m: { origin: 'sublime', holds: 'the Alexa top 1 million domains' },
  abuse_ch_urlhaus_domains_trusted_reporters: { origin: 'sublime', holds: 'abuse.ch URLhaus domains from trusted reporters' },
  abuse_ch_malwarebazaar_sha256_trusted_reporters: { origin: 'sublime', holds: 'abuse.ch MalwareBazaar SHA-256 hashes from trusted reporters' },
};

/** The missing-part reason of a `$list` membership test. */
export function listReason(name: string): string {
  const f = BUILTIN_LISTS[name];
  if (!f) return `list: $${name} (a custom list of the organisation; contents not in the catalog)`;
  const who = f.origin === 'tenant' ? 'synced from the email tenant' : f.origin === 'history' ? "from the organisation's mail history" : 'maintained by Sublime';
  return `list: $${name} (${f.holds}; ${who}; contents not in the catalog)`;
}

/** The missing-part reason of a call the model keeps opaque. */
export function functionReason(name: string): string {
  const f = OPAQUE_FUNCTIONS[name];
  if (!f) return `function: ${name} (not in the function table)`;
  return `${f.category}: ${name} (${f.computes})`;
}

/**
 * Functions that compute a value from one field and literal arguments, lowered to the model's transform of the same
 * meaning (`TRANSFORM_FACTS`): the distance of a field to a text is a derived operand the engine computes.
 */
export const DERIVED_FUNCTIONS: Readonly<Record<string, { readonly transform: 'levenshtein' | 'substr_count' | 'regex_count'; readonly ci: boolean; readonly symmetric?: boolean }>> = {
  'strings.levenshtein': { transform: 'levenshtein', ci: false, symmetric: true },
  'strings.ilevenshtein': { transform: 'levenshtein', ci: true, symmetric: true },
  'strings.count': { transform: 'substr_count', ci: false },
  'strings.icount': { transform: 'substr_count', ci: true },
  'regex.count': { transform: 'regex_count', ci: false },
  'regex.icount': { transform: 'regex_count', ci: true },
};

