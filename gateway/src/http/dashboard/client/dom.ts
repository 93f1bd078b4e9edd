/** Typed element lookups: the page's ids are fixed, so a missing one is a bug worth failing loudly on. */

export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`dashboard: no element #${id}`);
  return el;
}

export function canvasById(id: string): HTMLCanvasElement {
  const el = byId(id);
  if (!(el instanceof HTMLCanvasElement)) throw new Error(`dashboard: #${id} is not a canvas`);
  return el;
}

/** Sets the text only when it changed, so an unchanged figure causes no layout work. */
export function setText(id: string, text: string): void {
  const el = byId(id);
  if (el.textContent !== text) el.textContent = text;
}

/** A new element with a class and, optionally, text (never HTML: device data goes through here). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== '') e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
