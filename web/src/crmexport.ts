// Export for a CRM import: the engine's CSV writer with the `crm` preset (the bytes of
// `pql score --format csv --csv crm --trait ...`): the accounts file's own columns (domain,
// record id) so HubSpot / Salesforce match rows, scores rounded to 0.1, qualified_at, segments,
// three reasons, and the traits chosen here (by default the traits the fit rules read).
import { h } from './dom';
import type { Catalog } from './protocol';

export interface CrmHost {
  catalog(): Catalog;
  /** The traits the model's fit rules read (the default choice). */
  fitTraits(): string[];
  export(traits: string[]): void;
}

export class CrmExport {
  readonly root: HTMLElement;
  private chosen: string[] | null = null; // null: the fit rules' traits
  private list: HTMLElement;
  private menu: HTMLDetailsElement;

  constructor(private host: CrmHost) {
    const button = h('button', {
      type: 'button',
      text: 'CRM',
      'data-testid': 'export-crm',
      title:
        "Download a CSV for a HubSpot or Salesforce import (pql score --format csv --csv crm): your accounts file's columns, rounded scores, PQL since, segments, reasons and the chosen traits",
    });
    button.addEventListener('click', () => this.host.export(this.traits()));
    this.list = h('div', { class: 'checkgrid' });
    this.menu = h(
      'details',
      { class: 'crmtraits' },
      h('summary', { text: 'traits', title: 'Traits the CRM file adds as trait.<name> columns' }),
      this.list,
    );
    this.menu.addEventListener('toggle', () => {
      if (this.menu.open) this.renderList();
    });
    this.root = h('span', { class: 'crmexport' }, button, this.menu);
  }

  /** The trait columns the next export writes, in catalog order. */
  traits(): string[] {
    if (this.chosen) return this.chosen;
    const known = new Set(this.host.catalog().traits.map((t) => t.name));
    return [...new Set(this.host.fitTraits())].filter((t) => known.size === 0 || known.has(t));
  }

  private renderList(): void {
    const current = new Set(this.traits());
    const names = this.host.catalog().traits.map((t) => t.name);
    this.list.replaceChildren(
      ...names.map((n) => {
        const box = h('input', { type: 'checkbox', checked: current.has(n), 'data-trait': n });
        box.addEventListener('change', () => {
          const set = new Set(this.traits());
          if (box.checked) set.add(n);
          else set.delete(n);
          this.chosen = names.filter((x) => set.has(x));
        });
        return h('label', { class: 'check' }, box, n);
      }),
    );
    if (!names.length) this.list.append(h('p', { class: 'hint', text: 'No traits in the data.' }));
  }
}
