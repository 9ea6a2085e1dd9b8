// Tiny DOM helpers. Every string that reaches the page goes through textContent or an
// attribute setter: the playground never assigns innerHTML.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value as EventListener);
      } else if (key === 'class') {
        el.className = String(value);
      } else if (key === 'text') {
        el.textContent = String(value);
      } else if (key === 'value' && 'value' in el) {
        (el as HTMLInputElement).value = String(value);
      } else if (key === 'checked' && 'checked' in el) {
        (el as HTMLInputElement).checked = Boolean(value);
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child === null || child === undefined || child === false) continue;
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

export function $(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el as HTMLElement;
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

let uid = 0;
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled form control: <label for=id>text</label> + the control.
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = nextId('f');
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id, text: label }),
    control,
    hint ? h('span', { class: 'hint', text: hint }) : null,
  );
}

// The state every panel (ranking, backtest, compare, SQL) shows on its root element:
// `data-busy` with the `busy` class (its "computing…" mark), and timing figures as data-*
// attributes, which the end-to-end tests and `make bench` read.
export function setBusy(root: HTMLElement, busy: boolean): void {
  root.dataset.busy = String(busy);
  root.classList.toggle('busy', busy);
}

export function setTiming(root: HTMLElement, figures: Record<string, string>): void {
  for (const [k, v] of Object.entries(figures)) root.dataset[k] = v;
}
