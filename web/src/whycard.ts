// The call-ready Why card: what a rep reads before calling the account. Up to three reasons in
// plain language (the engine's `reasons`, the same text as the CRM CSV's reason_1..3), PQL since,
// the customer flag and segments, the people (users by engagement points, with personas, last
// seen and top actions) and the last ten key events. Everything comes from the explanation.
import { h } from './dom';
import type { EntityScore, Explanation } from './protocol';
import { fmt, fmtDate, fmtInt } from './util';

const PEOPLE_SHOWN = 4;

// "3 days ago", "today": how fresh a last-seen date is, against as_of.
function ago(iso: string | null, asOf: string): string {
  if (!iso) return '–';
  const days = Math.floor(Date.parse(asOf) / 86_400_000) - Math.floor(Date.parse(iso) / 86_400_000);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  return `${fmtInt(days)} days ago`;
}

function words(name: string): string {
  return name.replace(/[_.-]+/g, ' ');
}

// A person's title-like trait (what a rep says: "the VP of Sales"), if the users file has one.
function titleOf(traits: Record<string, unknown>): string | null {
  for (const k of ['title', 'job_title', 'role', 'jobTitle'])
    if (typeof traits[k] === 'string' && traits[k]) return traits[k] as string;
  return null;
}

export function whyCard(row: EntityScore, ex: Explanation | null): HTMLElement {
  const card = h('section', { class: 'sub whycard', 'data-testid': 'why-card', 'aria-label': 'Call-ready summary' });
  // Status line: PQL since, customer, segments.
  const flags = h('div', { class: 'whyflags' });
  if (row.qualified) {
    flags.append(
      h('span', {
        class: 'pqlmark',
        'data-testid': 'why-pql-since',
        text: row.qualified_at
          ? `PQL since ${fmtDate(row.qualified_at)} (${fmtInt(row.days_qualified ?? 0)} d)`
          : 'PQL',
      }),
    );
  } else {
    flags.append(
      h('span', {
        class: 'muted',
        text: row.first_qualified_at
          ? `not a PQL now (first qualified ${fmtDate(row.first_qualified_at)})`
          : 'not a PQL',
      }),
    );
  }
  flags.append(
    h('span', {
      class: row.converted ? 'badge customer' : 'badge',
      'data-testid': 'why-customer',
      text: row.converted ? `customer since ${fmtDate(row.converted_at)}` : 'not a customer',
    }),
  );
  for (const s of row.segments ?? []) flags.append(h('span', { class: 'chip', text: words(s) }));
  card.append(flags);

  if (!ex) {
    card.append(h('p', { class: 'hint', text: 'Reading the explanation…' }));
    return card;
  }
  // Reasons.
  const reasons = ex.reasons ?? [];
  card.append(
    h('h3', { text: 'Why call' }),
    reasons.length
      ? h('ol', { class: 'reasons', 'data-testid': 'why-reasons' }, ...reasons.map((r) => h('li', { text: r })))
      : h('p', {
          class: 'hint',
          'data-testid': 'why-reasons',
          text: 'No strong signal yet: nothing over a limit, no rule evidence, no event type with a large share of engagement.',
        }),
  );

  // People.
  const people = ex.people ?? [];
  if (people.length) {
    const shown = people.slice(0, PEOPLE_SHOWN);
    card.append(
      h('h3', {
        text: `People (${fmtInt(row.users)} in the window${people.length > shown.length ? `, top ${shown.length}` : ''})`,
      }),
      h(
        'ul',
        { class: 'people', 'data-testid': 'why-people' },
        ...shown.map((p) => {
          const title = titleOf(p.traits);
          return h(
            'li',
            null,
            h(
              'div',
              { class: 'who' },
              h('b', { text: p.user }),
              title ? h('span', { class: 'muted', text: ` · ${title}` }) : null,
              ...p.personas.map((n) => h('span', { class: 'chip persona', text: words(n) })),
            ),
            h('div', {
              class: 'detail',
              text:
                `${fmt(p.points, 1)} pts · ${fmtInt(p.events)} events · last seen ${ago(p.last_seen, ex.as_of)}` +
                (p.top_actions.length
                  ? ` · ${p.top_actions.map((a) => `${words(a.event)} ×${fmtInt(a.count)}`).join(', ')}`
                  : ''),
            }),
          );
        }),
      ),
    );
  }

  // Recent key events.
  const recent = ex.recent_events ?? [];
  if (recent.length) {
    card.append(
      h('h3', { text: 'Last key events' }),
      h(
        'ol',
        { class: 'recent', 'data-testid': 'why-recent' },
        ...recent.map((e) =>
          h(
            'li',
            null,
            h('span', { class: 'when', text: fmtDate(e.at) }),
            h('span', {
              class: 'what',
              text: words(e.event) + (e.signals.length ? ` (${e.signals.map(words).join(', ')})` : ''),
            }),
            h('span', { class: 'muted', text: ` · ${e.user}` }),
          ),
        ),
      ),
    );
  }
  return card;
}
