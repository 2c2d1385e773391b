// Small DOM helpers shared by the pages. Every piece of user data (Canary names, Event messages)
// goes into the page through textContent or attribute setters, never as HTML, so it cannot inject.

/** An element with attributes and children; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

/** "14:03:07" today, "Nov 27 14:03" before; the full ISO time goes into a <time> element's datetime. */
export function timeText(ms) {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function timeEl(iso) {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(ms)) return h('span', {}, '—');
  return h('time', { datetime: new Date(ms).toISOString(), title: new Date(ms).toISOString() }, timeText(ms));
}

/** The canary's weight as a bar with its text, e.g. "20% of max 50%". */
export function weightBar(row) {
  const label = row.iterations ? `iteration ${row.iterations}, weight ${row.weight}%` : `${row.weight}% of max ${row.maxWeight}%`;
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = `${row.weight}%`;
  const stop = h('span', { class: 'bar-stop' });
  stop.style.left = `${row.maxWeight}%`;
  return h('span', { class: 'weight' }, h('span', { class: 'bar', 'aria-hidden': 'true' }, fill, stop), h('span', { class: 'bar-text' }, label));
}

export function phaseBadge(phase, paused) {
  return h('span', { class: `phase phase-${(phase || 'none').toLowerCase()}` }, phase || 'no status', paused ? ' (paused)' : '');
}

/** The Canary page's address for one Canary, its name and namespace escaped as query values. */
export function canaryHref(namespace, name) {
  return `/canary?${new URLSearchParams({ namespace, name })}`;
}

/** Opens the Server-Sent Events stream at `url`, reporting its state in `statusEl`. */
export function subscribe(url, handlers, statusEl) {
  const source = new EventSource(url);
  source.addEventListener('open', () => {
    statusEl.textContent = 'Live';
    statusEl.className = 'conn conn-live';
  });
  source.addEventListener('error', () => {
    statusEl.textContent = 'Reconnecting…';
    statusEl.className = 'conn conn-lost';
  });
  for (const [event, handler] of Object.entries(handlers)) source.addEventListener(event, (e) => handler(JSON.parse(e.data)));
  return source;
}
