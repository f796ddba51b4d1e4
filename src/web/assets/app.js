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
  if (body.getAttribute('data-mode') !== 'static') return;
  // static export: search and browse run on the JSON index (search-index.js defines window.DETWIKI_INDEX)
  var root = body.getAttribute('data-root') || './';
  var results = document.getElementById('static-results');
  var browse = document.getElementById('static-browse');
  if (!results && !browse) return;
  var s = document.createElement('script');
  s.src = root + 'search-index.js';
  s.onload = function () { run(window.DETWIKI_INDEX || []); };
  document.head.appendChild(s);
  function esc(t) { return String(t == null ? '' : t).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function run(index) {
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
          if (m[1] === 'technique') return (r.techniques || '').toLowerCase().indexOf(v) >= 0;
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
      html += '<tr><td><a href="' + root + 'rule/' + esc(r.id) + '.html">' + esc(r.title) + '</a><div class="rid">' + esc(r.id) + '</div></td><td>' + esc(r.format) + '</td><td>' + esc(r.kind) + '</td><td>' + esc(r.severity || '') + '</td></tr>';
    });
    out.innerHTML = html + '</tbody></table>' + (rows.length > 500 ? '<p class="small">First 500 shown.</p>' : '');
    if (count) count.textContent = String(rows.length);
  }
})();
