// Usage page behaviour kept out of the markup by the CSP: the hours-saved tooltip can be dismissed
// with Escape without moving the pointer or focus (WCAG 1.4.13), and pinned open by a click or tap
// (touch screens have no hover). Without JavaScript it still shows on hover and keyboard focus.
(function () {
  'use strict';
  if (window.__usageTips) return; // the page may be re-rendered in place; bind once
  window.__usageTips = true;

  function tips() { return Array.prototype.slice.call(document.querySelectorAll('.usage-tip')); }
  function setOpen(tip, open) {
    var trigger = tip.querySelector('.usage-tip-trigger');
    if (open) { tip.setAttribute('data-open', ''); tip.removeAttribute('data-dismissed'); }
    else tip.removeAttribute('data-open');
    if (trigger) trigger.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  document.addEventListener('click', function (e) {
    var trigger = e.target.closest && e.target.closest('.usage-tip-trigger');
    tips().forEach(function (tip) {
      if (trigger && tip.contains(trigger)) setOpen(tip, !tip.hasAttribute('data-open'));
      else if (!tip.contains(e.target)) setOpen(tip, false);
    });
  });

  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' && e.key !== 'Esc') return;
    tips().forEach(function (tip) {
      var shown = tip.hasAttribute('data-open') || tip.matches(':hover') || tip.matches(':focus-within');
      if (!shown) return;
      setOpen(tip, false);
      tip.setAttribute('data-dismissed', ''); // hidden until the pointer or focus leaves and comes back
    });
  });

  // Leaving re-arms the tooltip for the next hover or focus.
  document.addEventListener('mouseout', function (e) {
    var tip = e.target.closest && e.target.closest('.usage-tip');
    if (tip && !tip.contains(e.relatedTarget)) tip.removeAttribute('data-dismissed');
  });
  document.addEventListener('focusout', function (e) {
    var tip = e.target.closest && e.target.closest('.usage-tip');
    if (tip && !tip.contains(e.relatedTarget)) { tip.removeAttribute('data-dismissed'); setOpen(tip, false); }
  });
})();
