/**
 * Fast paths for helpers of the Bridge.NET runtime that the Kusto library (C# compiled to JavaScript) spends its time
 * in, installed once when `parser.ts` loads the library. Each gives what the helper it stands in for gives, for the
 * inputs it takes; any other input goes to the helper as before.
 *
 * - **A list copied into an array.** Every syntax list the parser builds (`SyntaxList<T>`'s constructor: the
 *   arguments of a call, the parameters of an operator, the statements of a query) copies a `List<T>` with
 *   `Enumerable.From(list).ToArray()`. The runtime's LINQ reads the list through its generic enumerator (a type lookup,
 *   closures, `try`/`finally`, a `Dispose`) element by element: 44,510 copies over the Sentinel corpus, 0.74 s of a
 *   build's 10 s in the library (CPU profile). A `List<T>` keeps its elements in `_items[0 .. _size)`, which its
 *   enumerator yields in order; the copy reads them there, into the same typed array.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Install the fast paths on the runtime whose globals are `G` (`System`, `Bridge`); once per loaded library. */
export function installFastPaths(G: any): void {
  const Enumerable = G.System?.Linq?.Enumerable;
  const List = G.System?.Collections?.Generic?.List$1;
  const ArrayOf = G.System?.Array;
  // another build of the runtime: nothing is changed
  if (typeof Enumerable?.from !== 'function' || typeof Enumerable.prototype?.ToArray !== 'function' || typeof List !== 'function' || typeof ArrayOf?.init !== 'function') return;
  if (Enumerable.prototype.ToArray.$detwiki) return;
  const from = Enumerable.from;
  const toArray = Enumerable.prototype.ToArray;
  const ObjectType = G.System.Object;
  Enumerable.from = function (this: unknown, source: any, type: any) {
    const e = from.call(this, source, type);
    // a List<T> itself (not a type derived from it, which may enumerate otherwise): its storage is known
    if (e !== source && e != null && source != null && source.constructor?.$genericTypeDefinition === List && Array.isArray(source._items)) e.$listSource = source;
    return e;
  };
  const fast = function (this: any, type: any) {
    const list = this.$listSource;
    if (list === undefined) return toArray.call(this, type);
    // as the runtime's ToArray: an array typed T[] (object[] without T), then the elements in enumeration order
    const out = ArrayOf.init([], type || ObjectType);
    const items = list._items;
    for (let i = 0, n = list._size; i < n; i++) out.push(items[i]);
    return out;
  };
  fast.$detwiki = true;
  Enumerable.prototype.ToArray = fast;
}
