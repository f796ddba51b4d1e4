// detection-wiki: small progressive enhancements. Every page works without this file.
(function () {
  'use strict';
  var body = document.body;
  // submit filter forms when a select or checkbox changes
  document.querySelectorAll('form.filters').forEach(function (f) {
    f.addEventListener('change', function (e) {
      if (e.target && (e.target.tagName === 'SELECT' || e.target.type === 'checkbox')) f.submit();
    });
  });
  // "/" focuses the search box on every page (the page's own query box on the search page), unless typing already
  document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.querySelector('main input[name=q]') || document.querySelector('header input[name=q]');
    if (!box) return;
    e.preventDefault();
    box.focus();
    box.select();
  });
  if (body.getAttribute('data-mode') !== 'static') return;
  // static export: the query of a search page stays in the search boxes, as the server renders it
  var query = new URLSearchParams(location.search).get('q');
  if (query && document.getElementById('static-results')) {
    document.querySelectorAll('input[name=q]').forEach(function (i) { i.value = query; });
    document.title = 'Search: ' + query + ' · detection-wiki';
  }
  // static export: search and browse run on the JSON index (search-index.js defines window.DETWIKI_INDEX)
  var root = body.getAttribute('data-root') || './';
  var results = document.getElementById('static-results');
  var browse = document.getElementById('static-browse');
  if (!results && !browse) return;
  var s = document.createElement('script');
  s.src = root + 'search-index.js';
  s.onload = function () { run(window.DETWIKI_INDEX || []); };
  document.head.appendChild(s);
  // as the server's esc (src/web/html.ts): the bidirectional controls shown as <U+202E>, not obeyed
  function esc(t) { return String(t == null ? '' : t).replace(/[&<>"'\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] || '&lt;U+' + ('000' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + '&gt;'; }); }
  // where a rule of the index matched, with the matching text marked: each piece escaped, <mark> added after
  function marked(text, words) {
    var lc = text.toLowerCase(), out = '', i = 0;
    while (i < text.length) {
      var best = -1, len = 0;
      words.forEach(function (w) { var k = lc.indexOf(w, i); if (w && k >= 0 && (best < 0 || k < best)) { best = k; len = w.length; } });
      if (best < 0) break;
      out += esc(text.slice(i, best)) + '<mark>' + esc(text.slice(best, best + len)) + '</mark>';
      i = best + len;
    }
    return out + esc(text.slice(i));
  }
  function why(r, terms) {
    var items = [];
    var words = terms.map(function (t) { return t.replace(/^(field|value|format|kind|technique):/, '').replace(/^"|"$/g, '').replace(/\*$/, ''); }).filter(Boolean);
    var places = [['title', 'title', r.title], ['value', 'value its logic tests', r.vals], ['field', 'field its logic uses', r.fields], ['meta', 'ATT&CK', r.techniques], ['meta', 'log source', r.logsources]];
    places.forEach(function (p) {
      var text = String(p[2] || '');
      if (!text || !words.some(function (w) { return text.toLowerCase().indexOf(w) >= 0; })) return;
      var lc = text.toLowerCase(), k = -1;
      words.forEach(function (w) { var j = lc.indexOf(w); if (j >= 0 && (k < 0 || j < k)) k = j; });
      var from = Math.max(0, k - 40);
      var part = (from ? '…' : '') + text.slice(from, from + 120) + (from + 120 < text.length ? '…' : '');
      items.push('<li data-where="' + p[0] + '"><span class="where ' + p[0] + '">' + esc(p[1]) + ':</span><code>' + marked(part, words) + '</code></li>');
    });
    return items.length ? '<ul class="why">' + items.join('') + '</ul>' : '';
  }
  function run(index) {
    var replaced = window.DETWIKI_REPLACED || {};
    var params = new URLSearchParams(location.search);
    var q = (params.get('q') || '').toLowerCase();
    var terms = q.split(/\s+/).filter(Boolean);
    var rows = index.filter(function (r) {
      if (browse && !params.get('all') && !r.counts) return false;
      var hay = (r.title + ' ' + r.id + ' ' + (r.fields || '') + ' ' + (r.vals || '') + ' ' + (r.techniques || '') + ' ' + (r.logsources || '')).toLowerCase();
      return terms.every(function (t) {
        var m = /^(field|value|format|kind|technique):(.*)$/.exec(t);
        if (m) {
          var v = m[2].replace(/^"|"$/g, '');
          if (m[1] === 'field') return (',' + (r.fields || '').toLowerCase() + ',').indexOf(',' + v + ',') >= 0;
          if (m[1] === 'value') return (r.vals || '').toLowerCase().indexOf(v) >= 0;
          // a revoked id reads what replaced it too (search-index.js: DETWIKI_REPLACED), as the server's filter does
          if (m[1] === 'technique') return [v].concat(replaced[v.toUpperCase()] || []).some(function (id) { return (r.techniques || '').toLowerCase().indexOf(id.toLowerCase()) >= 0; });
          return String(r[m[1]]).toLowerCase() === v;
        }
        return hay.indexOf(t.replace(/^"|"$/g, '')) >= 0;
      });
    });
    // as the server ranks: rules whose title holds every free-text word first (stable otherwise)
    var words = terms.filter(function (t) { return !/^(field|value|format|kind|technique):/.test(t); }).map(function (t) { return t.replace(/^"|"$/g, ''); });
    if (results && words.length) {
      rows = rows.map(function (r, i) {
        var title = String(r.title).toLowerCase();
        return { r: r, i: i, tier: words.every(function (w) { return title.indexOf(w) >= 0; }) ? 0 : 1 };
      }).sort(function (a, b) { return a.tier - b.tier || a.i - b.i; }).map(function (x) { return x.r; });
    }
    var out = results || browse;
    if (results && !terms.length) return;
    var count = document.getElementById('result-count');
    var html = '<p class="count"><strong>' + rows.length + '</strong> rule(s)</p><table class="rules"><thead><tr><th>Title</th><th>Format</th><th>Kind</th><th>Severity</th></tr></thead><tbody>';
    rows.slice(0, 500).forEach(function (r) {
      html += '<tr><td><a href="' + root + 'rule/' + esc(r.id) + '.html">' + esc(r.title) + '</a><div class="rid">' + esc(r.id) + '</div>' + (results ? why(r, terms) : '') + '</td><td>' + esc(r.format) + '</td><td>' + esc(r.kind) + '</td><td>' + esc(r.severity || '') + '</td></tr>';
    });
    out.innerHTML = html + '</tbody></table>' + (rows.length > 500 ? '<p class="small">First 500 shown.</p>' : '');
    if (count) count.textContent = String(rows.length);
  }
})();
