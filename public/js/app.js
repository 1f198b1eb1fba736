// Usage Console behaviour that the CSP keeps out of the markup: menus, confirmations, focus.
(function () {
  'use strict';

  // Accessible row/action menus: <div class="menu"><button aria-haspopup="menu" aria-expanded="false"
  // aria-controls="id">…</button><ul role="menu" id="id" hidden>…[role=menuitem]…</ul></div>
  function items(menu) { return Array.from(menu.querySelectorAll('[role="menuitem"]')); }
  function openMenu(button, focusLast) {
    closeAllMenus(button);
    var menu = document.getElementById(button.getAttribute('aria-controls'));
    if (!menu) return;
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    var list = items(menu);
    if (list.length) (focusLast ? list[list.length - 1] : list[0]).focus();
  }
  function closeMenu(button, returnFocus) {
    var menu = document.getElementById(button.getAttribute('aria-controls'));
    if (menu) menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (returnFocus) button.focus();
  }
  function closeAllMenus(except) {
    document.querySelectorAll('[aria-haspopup="menu"][aria-expanded="true"]').forEach(function (b) {
      if (b !== except) closeMenu(b, false);
    });
  }
  document.addEventListener('click', function (e) {
    var button = e.target.closest('[aria-haspopup="menu"]');
    if (button) {
      e.preventDefault();
      if (button.getAttribute('aria-expanded') === 'true') closeMenu(button, false);
      else openMenu(button, false);
      return;
    }
    if (!e.target.closest('[role="menu"]')) closeAllMenus(null);
  });
  document.addEventListener('keydown', function (e) {
    var button = e.target.closest && e.target.closest('[aria-haspopup="menu"]');
    if (button && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      openMenu(button, e.key === 'ArrowUp');
      return;
    }
    // A menu trigger may be a link (role="button") that leads somewhere useful without JavaScript:
    // Space works on it as on a real button.
    if (button && e.key === ' ' && button.tagName !== 'BUTTON') {
      e.preventDefault();
      if (button.getAttribute('aria-expanded') === 'true') closeMenu(button, false);
      else openMenu(button, false);
      return;
    }
    var menu = e.target.closest && e.target.closest('[role="menu"]');
    if (!menu) return;
    var owner = document.querySelector('[aria-controls="' + menu.id + '"]');
    var list = items(menu);
    var i = list.indexOf(document.activeElement);
    if (e.key === 'Escape') { e.preventDefault(); if (owner) closeMenu(owner, true); }
    else if (e.key === 'ArrowDown') { e.preventDefault(); list[(i + 1) % list.length].focus(); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
    else if (e.key === 'Home') { e.preventDefault(); list[0].focus(); }
    else if (e.key === 'End') { e.preventDefault(); list[list.length - 1].focus(); }
    else if (e.key === 'Tab') { if (owner) closeMenu(owner, false); }
  });

  // <form data-confirm="Are you sure?"> asks before submitting; data-confirm-amount="Remove {amount} credits?"
  // names the number typed in the form's `amount` field (when it is a whole number).
  function confirmText(form) {
    var msg = form.getAttribute('data-confirm');
    var tpl = form.getAttribute('data-confirm-amount');
    var field = form.elements && form.elements.amount;
    var raw = field && String(field.value).replace(/[\s,]/g, '');
    if (tpl && raw && /^\d{1,13}$/.test(raw)) return tpl.replace('{amount}', Number(raw).toLocaleString('en-US'));
    return msg;
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var msg = form.getAttribute && form.getAttribute('data-confirm') && confirmText(form);
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // Elements with data-autosubmit submit their form on change (filters), debounced for text.
  var timer = null;
  function autosubmit(el) {
    var form = el.form;
    if (!form) return;
    clearTimeout(timer);
    timer = setTimeout(function () { form.requestSubmit ? form.requestSubmit() : form.submit(); }, el.type === 'search' || el.type === 'text' ? 300 : 0);
  }
  document.addEventListener('change', function (e) { if (e.target.matches && e.target.matches('[data-autosubmit]')) autosubmit(e.target); });
  document.addEventListener('input', function (e) { if (e.target.matches && e.target.matches('input[type=search][data-autosubmit]')) autosubmit(e.target); });

  // Copy-to-clipboard buttons: <button data-copy="#id">.
  document.addEventListener('click', function (e) {
    var b = e.target.closest('[data-copy]');
    if (!b) return;
    var src = document.querySelector(b.getAttribute('data-copy'));
    if (src && navigator.clipboard) navigator.clipboard.writeText(src.value || src.textContent || '').then(function () { b.textContent = 'Copied'; });
  });

  // Escape inside an inline edit (<form data-escape-cancel>) activates its [data-cancel] control;
  // inside an open <details data-escape-close> (a popover panel) it closes it and focuses its summary.
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' || !e.target.closest) return;
    var form = e.target.closest('[data-escape-cancel]');
    var cancel = form && form.querySelector('[data-cancel]');
    if (cancel) { e.preventDefault(); cancel.click(); return; }
    var panel = e.target.closest('details[data-escape-close][open]');
    if (panel) { e.preventDefault(); panel.open = false; var s = panel.querySelector('summary'); if (s) s.focus(); }
  });

  // After an htmx swap, move focus to an element that asks for it (e.g. an inline form's first field).
  document.addEventListener('htmx:after:swap', function () {
    var el = document.querySelector('[data-autofocus]');
    if (el) { el.focus(); el.removeAttribute('data-autofocus'); }
  });

  // Bookmarks of the single Credits page (/admin/credits#people) open the sub-page that section became.
  var CREDIT_ANCHORS = { '#usage': '/admin/credits/usage', '#packs': '/admin/credits/packs', '#add-credits': '/admin/credits/packs', '#remove-credits': '/admin/credits/packs',
    '#payg': '/admin/credits/payg', '#prices': '/admin/credits/payg', '#people': '/admin/credits/people', '#requests': '/admin/credits/people#requests', '#ledger': '/admin/credits/ledger' };
  if (location.pathname === '/admin/credits' && CREDIT_ANCHORS[location.hash]) location.replace(CREDIT_ANCHORS[location.hash]);

  // On a narrow screen the navigation is a sideways strip: keep the current page's item in view.
  // The same for a sideways-scrolling tab bar (Credits) on first paint and after a tab switch.
  function revealCurrentIn(nav) {
    var cur = nav && nav.querySelector('[aria-current="page"]');
    if (!cur || nav.scrollWidth <= nav.clientWidth) return;
    var left = cur.getBoundingClientRect().left - nav.getBoundingClientRect().left + nav.scrollLeft;
    if (left < nav.scrollLeft || left + cur.offsetWidth > nav.scrollLeft + nav.clientWidth) nav.scrollLeft = left - (nav.clientWidth - cur.offsetWidth) / 2;
  }
  function revealCurrentNav() {
    revealCurrentIn(document.querySelector('.sidenav'));
    document.querySelectorAll('.credits-tabs').forEach(revealCurrentIn);
  }
  document.addEventListener('htmx:after:swap', function () { document.querySelectorAll('.credits-tabs').forEach(revealCurrentIn); });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', revealCurrentNav);
  else revealCurrentNav();

  // Screen readers hear what an htmx swap changed: swapped content marks a summary with
  // data-announce="…" (e.g. "12 people shown"), copied into the page's persistent live region.
  // A live region inside the swapped markup would be replaced, not announced.
  function dropAnnouncements() {
    document.querySelectorAll('[data-announce]').forEach(function (el) { el.removeAttribute('data-announce'); });
  }
  // On a full page load nothing changed in place: only summaries that arrive by swap are read out.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', dropAnnouncements);
  else dropAnnouncements();
  document.addEventListener('htmx:after:swap', function () {
    var live = document.getElementById('live-status');
    var src = document.querySelector('[data-announce]');
    if (!live || !src) return;
    var text = src.getAttribute('data-announce');
    dropAnnouncements();
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 50);
  });

  // ---- polish (issue 13): busy regions and instant tab feedback ----
  // During every htmx request the region being replaced is marked busy (aria-busy, dimmed by CSS);
  // after ~300 ms without an answer it also shows a spinner (.is-busy-slow), so quick swaps never flash.
  // A clicked tab (a link in nav.tabs, the range presets, a settings sub-navigation) is highlighted at
  // once rather than when its content arrives.
  var BUSY_DELAY_MS = 300;
  function busyTarget(e) {
    var ctx = e.detail && e.detail.ctx;
    var t = ctx && ctx.target;
    return t && t.nodeType === 1 && t !== document.body ? t : null;
  }
  document.addEventListener('htmx:before:request', function (e) {
    var t = busyTarget(e);
    if (!t) return;
    t.classList.add('is-busy');
    t.setAttribute('aria-busy', 'true');
    clearTimeout(t.__busyTimer);
    t.__busyTimer = setTimeout(function () { if (t.classList.contains('is-busy')) t.classList.add('is-busy-slow'); }, BUSY_DELAY_MS);
    var src = e.target && e.target.closest && e.target.closest('nav.tabs a, .tabs a, [role="tab"]');
    if (src) {
      var bar = src.parentElement && src.closest('nav, [role="tablist"], .tabs');
      if (bar) bar.querySelectorAll('a, [role="tab"]').forEach(function (a) {
        var on = a === src;
        a.classList.toggle('active', on);
        if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
        if (a.getAttribute('role') === 'tab') a.setAttribute('aria-selected', on ? 'true' : 'false');
      });
    }
  });
  function clearBusy(e) {
    var t = busyTarget(e);
    document.querySelectorAll('.is-busy').forEach(function (el) {
      if (t && el !== t && el.isConnected) return;
      clearTimeout(el.__busyTimer);
      el.classList.remove('is-busy', 'is-busy-slow');
      el.removeAttribute('aria-busy');
    });
  }
  document.addEventListener('htmx:finally:request', clearBusy);
  document.addEventListener('htmx:after:swap', function () {
    // an outerHTML swap replaces the busy element itself: nothing stays marked busy
    document.querySelectorAll('.is-busy').forEach(function (el) { if (!el.isConnected) clearTimeout(el.__busyTimer); });
  });

  // ---- polish (issue 13): scroll cues on wide tables ----
  // A .table-wrap that scrolls sideways says where more columns are hidden (data-scroll="left right");
  // CSS fades that edge. Kept current on scroll, resize and after htmx swaps.
  function markScroll(w) {
    var more = [];
    if (w.scrollLeft > 1) more.push('left');
    if (w.scrollLeft + w.clientWidth < w.scrollWidth - 1) more.push('right');
    var v = more.join(' ');
    if (w.getAttribute('data-scroll') !== v) w.setAttribute('data-scroll', v);
  }
  function markAllScroll() {
    // a wide table that reads newest-last (the heatmap) opens scrolled to its end, once
    document.querySelectorAll('.table-wrap[data-start="end"]').forEach(function (w) { w.scrollLeft = w.scrollWidth; w.removeAttribute('data-start'); });
    document.querySelectorAll('.table-wrap').forEach(markScroll);
  }
  document.addEventListener('scroll', function (e) { if (e.target && e.target.classList && e.target.classList.contains('table-wrap')) markScroll(e.target); }, true);
  window.addEventListener('resize', markAllScroll);
  document.addEventListener('htmx:after:swap', markAllScroll);
  document.addEventListener('htmx:after:settle', markAllScroll);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', markAllScroll);
  else markAllScroll();

  // ---- polish (issue 13): a form shown with errors focuses its first invalid field ----
  function focusFirstInvalid(root) {
    var el = (root || document).querySelector('main [aria-invalid="true"], [data-autofocus][aria-invalid="true"]');
    if (el && document.activeElement !== el) el.focus();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { focusFirstInvalid(); });
  else focusFirstInvalid();
  document.addEventListener('htmx:after:swap', function () {
    if (!document.activeElement || document.activeElement === document.body) focusFirstInvalid();
  });
})();
