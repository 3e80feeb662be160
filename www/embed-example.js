// The example docs page (embed-example.html): drives the left frame through the postMessage API and logs the
// events both frames send back. A file of its own, so that the page's policy allows scripts from the site only.
const left = document.getElementById('left');
const right = document.getElementById('right');
const log = document.getElementById('events');
const send = (msg) => left.contentWindow.postMessage({ faultline: 1, ...msg }, location.origin);
const on = (id, msg) => document.getElementById(id).addEventListener('click', () => send(msg));
on('api-play', { type: 'play' });
on('api-pause', { type: 'pause' });
on('api-step', { type: 'step', by: 1 });
on('api-seek', { type: 'seek', step: 25 });
on('api-fencing', { type: 'set', key: 'fencing', value: true });
on('api-crash', { type: 'fault', fault: 'crash:2' });
on('api-reset', { type: 'reset' });
window.faultlineEvents = [];
window.addEventListener('message', (e) => {
  if (e.origin !== location.origin || !e.data || e.data.faultline !== 1) return;
  const frame = e.source === left.contentWindow ? left : e.source === right.contentWindow ? right : null;
  if (!frame) return;
  if (e.data.type === 'resize') { frame.style.height = Math.min(Math.max(e.data.height, 200), 1200) + 'px'; return; }
  window.faultlineEvents.push({ frame: frame.id, ...e.data });
  if (e.data.type === 'step' && frame === right) return; // keep the log readable
  log.textContent += `${frame.id}: ${JSON.stringify(e.data)}\n`;
  log.scrollTop = log.scrollHeight;
});
