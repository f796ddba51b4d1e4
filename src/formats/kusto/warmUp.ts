/**
 * Queries the Kusto parser reads once, when it is loaded (`parser.ts`), before any real query.
 *
 * Why: the library is C# compiled to JavaScript by Bridge.NET, which defines each instance of a generic type
 * (`SyntaxList<SeparatedElement<JsonPair>>`, `Dictionary<string, FunctionSymbol>`, with its interfaces, array and
 * enumerator types) the first time it is used. Each such definition changes objects the parser's optimized code
 * depends on, and V8 throws that code away: a scan of the Sentinel corpus met 32 such definitions after 497 other
 * files had been parsed, and each group of them was followed by 130 to 450 functions of the parser deoptimized and
 * compiled again. Met here first, while the parser's code is still cold, they cost nothing later.
 *
 * The queries are the language's, written for this purpose: every tabular operator, statement and literal kind
 * once, the editor's script splitter (`CodeScript`), the built-in function tables, and two texts with syntax errors
 * (the error recovery builds its own lists). A construct missing here is still parsed as before, only its first use
 * costs a deoptimization. `test/kusto.test.ts` checks that these queries are clean and that a warmed parser defines
 * no new type on the constructs listed.
 */
export const WARM_UP_QUERIES: readonly string[] = [
  // statements, literals of every kind, functions with parameters of each form
  `declare query_parameters (since: datetime = datetime(2020-01-01), names: dynamic = dynamic([]));
set querytrace;
let threshold = 5;
let names2 = dynamic(["a", "b"]);
let cfg = dynamic({"k": 1, "l": [1, 2.5, "x"], "m": {"n": true, "o": null}});
let f = (x: string, y: int = 3, t: (a: string, b: long)) { t | where a == x | take y };
let g = view () { print z = 1 };
let h = (t: (*)) { t | count };
let tbl = datatable (a: string, b: long, c: dynamic) ["x", 1, dynamic({"p": 1}), "y", 2, dynamic([1])];
let m = materialize (tbl | summarize n = count() by a);
let s = toscalar (tbl | summarize max(b));
T
| where TimeGenerated between (since .. now()) and Name in (names) and b > s
| take threshold`,
  `T
| where A has "x" and B !has "y" and C contains_cs "z" and D !contains "w" and E in~ ("a", "b") and F !in ("c")
  and G matches regex @"\\d+" and H between (1 .. 10) and I !between (2 .. 3) and J has_any ("p", "q") and K has_all ("p", "q")
  and L startswith "s" and M endswith_cs "e" and N hasprefix "h" and O hassuffix_cs "x" and P =~ "n" and Q !~ "o"
  and not(isempty(R)) and isnotnull(S) and U != 1 and V <= 2.5 and W >= 1e3 and X < -1 and Y == true or Z in~ (names)`,
  `T
| extend s = strcat(A, "-", tostring(B)), d = bag_pack("k", A), p = pack_array(1, 2), tm = datetime(2020-01-01 10:00:00),
  ts = 1h + 2d + 30m + 10s + 5ms + time(1.00:00:00) + timespan(1d), gid = guid(00000000-0000-0000-0000-000000000000),
  r = real(nan), dec = decimal(1.5), l = long(1), i = int(null), bb = bool(true), iff1 = iff(A == "x", 1, 2),
  cs = case(A == "a", 1, A == "b", 2, 3), el = c.k[0], el2 = c["l"][-1], v = @'verbatim', ml = \`\`\`multi
line\`\`\`, ob = h"hidden", br = ['col name'], ex = column_ifexists("Col", ""), all = pack_all()
| extend e = extract(@"(\\w+)", 1, A), sp = split(A, ","), j = parse_json(A), b64 = base64_decode_tostring(A), ago1 = ago(1d)`,
  `T | project A, B, C = tostring(C) | project-away A* | project-keep B | project-rename D = B | project-reorder D asc`,
  `T
| summarize (ts2, a2) = arg_max(TimeGenerated, A), c1 = count(), dc = dcount(B, 2), mk = make_set(C, 10), countif(B > 1),
  percentiles(B, 50, 95), any(*) by bin(TimeGenerated, 1h), A
| where c1 > 1`,
  `T | top-nested 3 of A by count(), top-nested 2 of B with others = "other" by sum(C)`,
  `T | top 5 by B desc nulls last | top-hitters 3 of A by B | order by A asc, B desc | sort by A | take 10 | limit 10`,
  `T
| join kind=inner hint.strategy=broadcast hint.remote=auto (U | where X == 1 | distinct X) on $left.A == $right.X, B
| join kind=leftanti (V) on A
| lookup kind=leftouter (W | project A) on A`,
  `union withsource=Table isfuzzy=true kind=outer (W | where true), X1, cluster("c").database("d").Y1, table("Z1"), Event*`,
  `T | mv-expand e1 = E to typeof(string), e2 = E2 limit 10 | mv-apply e3 = E3 to typeof(long) on (summarize s = sum(e3) | where s > 1)`,
  `T | make-series n = count() default = 0 on TimeGenerated from ago(7d) to now() step 1d by A | extend series_stats(n)`,
  `T
| parse A with "x" B1: string "y" * C1: long
| parse kind=regex flags=Ui A with @"(\\w+)" W1: string
| parse-where kind=simple A with * "=" W2
| parse-kv A as (k1: string, k2: long) with (pair_delimiter=",", kv_delimiter="=")`,
  `T | evaluate bag_unpack(j) | evaluate pivot(A) | invoke f("x") | as hint.materialized=true Z | getschema`,
  `T | sample 10 | sample-distinct 5 of A | serialize rn = row_number(), pv = prev(A), nx = next(A, 2) | distinct A, B | count`,
  `T
| scan declare (cnt: long = 0) with (step s1: A == "x" => cnt = s1.cnt + 1; step s2 output=none: true => cnt = 0;)`,
  `T | partition hint.strategy=native by A (top 1 by B) | fork (take 1) (count) | facet by A with (take 2) | consume`,
  `T | reduce by A with threshold = 0.5 | render timechart with (title="t", ytitle="y", series=A)`,
  `T | make-graph A --> B with U on X | graph-match (a)-[e*1..3]->(b) where a.x == 1 project a.x, b.y`,
  `T | where * has "needle" | search "needle" | find in (T, U) where A == 1 project A, B`,
  `search kind=case_sensitive in (T, U) A: "x" and "y"`,
  `find withsource=src in (T) where A has "x"`,
  `print x = 1, y = "s", z = range(1, 5, 1)`,
  `range i from 1 to 10 step 1 | extend j = i * 2 % 3 / 1`,
  `datatable (a: string) ["x"] | extend b = a`,
  `externaldata (a: string, b: long) [@"https://example.invalid/x.csv"] with (format = "csv", ignoreFirstRecord = true)`,
  `#connect cluster("help").database("Samples")
T | take 1`,
  `T | where A == | project`,
  `T
| extend x = extract(@(\\d+)$, 1, A)`,
];

/**
 * A text for the editor's script splitter (`CodeScript`, `splitQueryBlocks`): queries with blank lines between. No
 * control command: its grammar-based parser took 1.6 s and 38 MB to warm, for the few files that hold one.
 */
export const WARM_UP_SCRIPT = `T | take 1

U | count`;
