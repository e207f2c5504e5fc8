// quita console: canned responses and live updates (SSE). Server-rendered
// fragments are fetched and swapped in; they are escaped by html/template,
// and any text this script itself writes goes through textContent.
(function () {
  'use strict';
  var csrfMeta = document.querySelector('meta[name="csrf"]');
  var canned = document.getElementById('canned');
  var replyText = document.getElementById('reply-text');
  if (canned && replyText) {
    canned.addEventListener('change', function () {
      if (canned.value) { replyText.value = canned.value; replyText.focus(); }
    });
  }
  // An import's progress bar: polled until the import ends, then the page
  // shows its result.
  var progress = document.getElementById('import-progress');
  if (progress) {
    var bar = document.getElementById('bar'), label = document.getElementById('progress-text');
    var poll = function () {
      fetch(progress.dataset.progress, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { setTimeout(poll, 2000); return; }
          bar.value = p.percent;
          label.textContent = p.percent + '% (' + p.done + ' de ' + p.total + ')';
          if (p.state === 'running') { setTimeout(poll, 300); } else { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    poll();
  }
  // A form being submitted navigates by itself: a live reload must not race it.
  var submitting = false;
  document.addEventListener('submit', function () { submitting = true; });
  var live = Array.prototype.slice.call(document.querySelectorAll('[data-live]'));
  var conv = document.getElementById('conversation');
  if (!csrfMeta || live.length === 0 || !window.EventSource) { return; }

  function scrollTranscript() {
    var t = document.getElementById('transcript');
    if (t) { t.scrollTop = t.scrollHeight; }
  }

  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    Promise.all(live.map(function (el) {
      return fetch(el.dataset.live, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var doc = new DOMParser().parseFromString(html, 'text/html');
          el.replaceChildren.apply(el, Array.prototype.slice.call(doc.body.childNodes));
        });
    })).catch(function () {}).then(function () {
      busy = false;
      scrollTranscript();
      document.body.dataset.refreshed = String(Date.now());
      if (again) { again = false; refresh(); }
    });
  }

  var status = document.getElementById('live-status');
  function setStatus(text) {
    if (!status) {
      status = document.createElement('span');
      status.id = 'live-status';
      var header = document.querySelector('header.top');
      if (header) { header.appendChild(status); }
    }
    status.textContent = text;
  }

  var url = '/console/events' + (conv ? '?conv=' + encodeURIComponent(conv.dataset.conv) : '');
  var es = new EventSource(url);
  es.addEventListener('ready', function () { setStatus('ao vivo'); refresh(); });
  es.addEventListener('conversation', refresh);
  es.addEventListener('handoff', function (e) {
    var ev;
    try { ev = JSON.parse(e.data); } catch (err) { return; }
    if (conv && ev.conversation === conv.dataset.conv) {
      var h = ev.handoff || {};
      if ((h.to || '') !== (conv.dataset.status || '') || (h.agent || '') !== (conv.dataset.agent || '') && h.to === 'assigned') {
        if (submitting) { return; }
        var typing = replyText && replyText.value.trim() !== '';
        if (!typing) { window.location.reload(); return; }
        setStatus('a conversa mudou de estado: recarregue a página');
      }
    }
    refresh();
  });
  es.onerror = function () { setStatus('reconectando…'); };
  scrollTranscript();
})();
