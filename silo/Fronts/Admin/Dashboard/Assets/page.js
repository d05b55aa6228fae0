// The GrainLimiter admin page: reads /admin/v1 with the login cookie; every change carries X-GrainLimiter-Request.
'use strict';

const access = document.body.dataset.access;
const $ = (id) => document.getElementById(id);
let current = null; // the key shown: { policy, key, view }
let policyDefinitions = new Map();

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text); // never innerHTML: keys come from clients
  if (className) node.className = className;
  return node;
}

function show(text, kind) {
  const message = $('message');
  message.textContent = text;
  message.className = 'message ' + (kind || '');
}

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json', 'X-GrainLimiter-Request': 'page' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    location.assign('/admin/login?returnUrl=' + encodeURIComponent('/admin/page'));
    throw new ApiError(401, 'The session ended; log in again.');
  }
  if (response.status === 403) {
    throw new ApiError(403, 'Your token is read-only: resetting and overriding keys need the write token (GrainLimiter:AdminToken). '
      + 'Log out and log in with it.');
  }
  if (!response.ok) {
    let detail = response.status + ' ' + response.statusText;
    try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch { /* not JSON */ }
    throw new ApiError(response.status, detail);
  }
  return response.status === 204 ? null : response.json();
}

const keyPath = (policy, key) => encodeURIComponent(policy) + '/' + encodeURIComponent(key).replace(/%2F/g, '/');

function percent(rate) { return (rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0) + ' %'; }

function period(ms) {
  if (ms % 86400000 === 0) return ms / 86400000 + ' d';
  if (ms % 3600000 === 0) return ms / 3600000 + ' h';
  if (ms % 60000 === 0) return ms / 60000 + ' min';
  return ms / 1000 + ' s';
}

function describeLimits(name) {
  const definition = policyDefinitions.get(name);
  if (!definition) return '';
  const adapts = (l) => (l.adaptive ? `, adapts ${l.adaptive.min}–${l.adaptive.max}` : '');
  return definition.limits.map((l) => `${l.limit} / ${period(l.windowMs)} (${l.algorithm}${adapts(l)})`).join(', ');
}

async function loadPolicies() {
  try {
    const body = await api('GET', '/admin/v1/policies');
    policyDefinitions = new Map(body.policies.map((p) => [p.name, p]));
    const names = $('policy-names');
    names.replaceChildren(...body.policies.map((p) => { const o = el('option'); o.value = p.name; return o; }));
  } catch (e) {
    if (e.status !== 404) show('Policies: ' + e.message, 'error');
  }
}

function renderTop(top) {
  $('window').textContent = `last ${top.windowSeconds} s`;
  $('silos').textContent = `${top.silos} silo${top.silos === 1 ? '' : 's'}` + (top.unanswered ? `, ${top.unanswered} not answering` : '');
  const policies = new Map(top.policies.map((p) => [p.policy, p]));
  for (const name of policyDefinitions.keys()) {
    if (!policies.has(name)) policies.set(name, { policy: name, allowed: 0, denied: 0, blockRate: 0 });
  }
  const rows = [...policies.values()].sort((a, b) => a.policy.localeCompare(b.policy)).map((p) => {
    const row = el('tr');
    row.append(el('td', p.policy), el('td', describeLimits(p.policy)), el('td', p.allowed, 'num'), el('td', p.denied, 'num'));
    const rate = el('td'); const wrap = el('div', undefined, 'rate'); const bar = el('div', undefined, 'bar'); const fill = el('span');
    fill.style.width = Math.round(p.blockRate * 100) + '%'; // CSSOM, allowed by the style-src policy
    bar.append(fill); wrap.append(bar, el('span', percent(p.blockRate))); rate.append(wrap); row.append(rate);
    return row;
  });
  $('policies').tBodies[0].replaceChildren(...rows);
  $('policies-empty').hidden = rows.length > 0;

  const keys = top.keys.map((k) => {
    const row = el('tr');
    row.dataset.policy = k.policy; row.dataset.key = k.key;
    const look = el('button', 'Look up'); look.type = 'button'; look.addEventListener('click', () => lookup(k.policy, k.key));
    const reset = el('button', 'Reset', 'write'); reset.type = 'button'; reset.addEventListener('click', () => resetKey(k.policy, k.key));
    const actions = el('td'); actions.append(look, ' ', reset);
    row.append(el('td', k.policy), el('td', k.key, 'key'), el('td', k.denied, 'num'), actions);
    return row;
  });
  $('top').tBodies[0].replaceChildren(...keys);
  $('top-empty').hidden = keys.length > 0;
}

async function refresh() {
  try {
    renderTop(await api('GET', '/admin/v1/top?count=20'));
  } catch (e) {
    show('Top keys: ' + e.message, 'error');
  }
}

function duration(ms) {
  if (ms === null || ms === undefined) return '';
  return ms >= 60000 ? (ms / 60000).toFixed(1) + ' min' : (ms / 1000).toFixed(1) + ' s';
}

// What an adaptive limit has learned: its bounds and rule, then the smoothed success rate and latency (null before reports).
function learned(adaptive) {
  if (!adaptive) return '';
  const seen = [];
  if (adaptive.successRate !== null && adaptive.successRate !== undefined) seen.push((adaptive.successRate * 100).toFixed(1) + ' % ok');
  if (adaptive.latencyMs !== null && adaptive.latencyMs !== undefined) seen.push(adaptive.latencyMs.toFixed(1) + ' ms');
  const bounds = `${adaptive.min}–${adaptive.max} (${adaptive.rule}): `;
  return bounds + (seen.length ? seen.join(', ') + ` over ${Math.round(adaptive.samples)} samples` : 'no reports yet');
}

function renderKey(view) {
  $('key').hidden = false;
  $('key-title').textContent = `${view.policy} / ${view.key}`;
  $('key-limits').tBodies[0].replaceChildren(...view.limits.map((l) => {
    const row = el('tr');
    row.append(el('td', l.name), el('td', l.algorithm), el('td', l.limit, 'num'), el('td', l.effectiveLimit ?? l.limit, 'num'),
      el('td', l.used, 'num'), el('td', l.remaining, 'num'), el('td', duration(l.resetAfterMs), 'num'), el('td', learned(l.adaptive)));
    return row;
  }));
  const state = [];
  if (view.pausedUntil) state.push('Paused until ' + view.pausedUntil + '.');
  if (view.override) {
    const limits = view.override.limits.map((l) => (l.name ? l.name + ': ' : '')
      + (l.limit !== undefined && l.limit !== null ? 'limit ' + l.limit : '× ' + l.multiplier));
    state.push('Override: ' + limits.join(', ') + (view.override.expiresAt ? ', until ' + view.override.expiresAt : '') + '.');
  }
  $('key-state').textContent = state.join(' ') || 'No override, not paused.';
  $('remove-override').hidden = !view.override;
  $('override-name').replaceChildren(...view.limits.map((l) => { const o = el('option', l.name); o.value = l.name; return o; }));
}

async function lookup(policy, key) {
  $('lookup-policy').value = policy; $('lookup-key').value = key;
  try {
    const view = await api('GET', '/admin/v1/keys/' + keyPath(policy, key));
    current = { policy, key, view };
    renderKey(view);
    show('');
  } catch (e) {
    current = null; $('key').hidden = true;
    show(`Key ${policy} / ${key}: ${e.message}`, 'error');
  }
}

async function resetKey(policy, key) {
  try {
    await api('POST', '/admin/v1/reset', { policy, key });
    show(`Reset ${policy} / ${key}: its usage is forgotten.`, 'ok');
    if (current && current.policy === policy && current.key === key) {
      await lookup(policy, key).then(() => show(`Reset ${policy} / ${key}: its usage is forgotten.`, 'ok'));
    }
  } catch (e) {
    show(`Reset ${policy} / ${key}: ${e.message}`, 'error');
  }
}

async function applyOverride(event) {
  event.preventDefault();
  if (!current) return;
  const item = { name: $('override-name').value };
  const value = Number($('override-value').value);
  item[$('override-kind').value] = value;
  const body = { limits: [item] };
  const expires = $('override-expires').value;
  if (expires) body.expiresAt = new Date(expires + 'Z').toISOString();
  try {
    renderKey(await api('PUT', '/admin/v1/overrides/' + keyPath(current.policy, current.key), body));
    show(`Override applied to ${current.policy} / ${current.key}.`, 'ok');
  } catch (e) {
    show('Override: ' + e.message, 'error');
  }
}

async function removeOverride() {
  if (!current) return;
  try {
    await api('DELETE', '/admin/v1/overrides/' + keyPath(current.policy, current.key));
    await lookup(current.policy, current.key);
    show(`Override removed from ${current.policy} / ${current.key}.`, 'ok');
  } catch (e) {
    show('Remove override: ' + e.message, 'error');
  }
}

async function logout() {
  try {
    await fetch('/admin/logout', { method: 'POST', headers: { 'X-GrainLimiter-Request': 'page' }, credentials: 'same-origin' });
  } finally {
    location.assign('/admin/login');
  }
}

$('access').textContent = access === 'Write' ? 'read-write' : 'read-only';
$('lookup').addEventListener('submit', (event) => { event.preventDefault(); lookup($('lookup-policy').value.trim(), $('lookup-key').value); });
$('reset').addEventListener('click', () => current && resetKey(current.policy, current.key));
$('remove-override').addEventListener('click', removeOverride);
$('override').addEventListener('submit', applyOverride);
$('logout').addEventListener('click', logout);
loadPolicies().then(refresh);
setInterval(() => { if (!document.hidden) refresh(); }, 2000);
