/**
 * The ⌘K / Ctrl+K search dialog, injected into the Redoc page at build time (bundled by esbuild
 * into one inline script; no network, so it works from file:// too). It replaces Redoc 3's own
 * dialog, which indexes the guides as one block and needs an arrow key before Enter does
 * anything: here every guide section, operation, parameter and field is a result, the first
 * result is selected, Enter opens it, Esc closes.
 *
 * Runs in the browser only.
 *
 * @module docs-site/search-dialog
 */
import type { SearchEntry } from './search-index.ts';
import { rank, terms, wordStart } from './search-rank.ts';

const INDEX_ID = 'ss-search-index';
const MAX_RESULTS = 30;

function loadIndex(): SearchEntry[] {
  const node = document.getElementById(INDEX_ID);
  return node?.textContent ? (JSON.parse(node.textContent) as SearchEntry[]) : [];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `text` with each query word marked, HTML-escaped. */
function highlight(text: string, words: string[]): string {
  if (!words.length) return escapeHtml(text);
  const re = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'gi');
  return text
    .split(re)
    .map((part, i) => (i % 2 ? `<mark>${escapeHtml(part)}</mark>` : escapeHtml(part)))
    .join('');
}

/** A window of the prose around the first matched word. */
function snippet(text: string, words: string[]): string {
  const at = words.map((w) => text.search(wordStart(w))).filter((i) => i >= 0);
  const start = at.length ? Math.max(0, Math.min(...at) - 60) : 0;
  const cut = text.slice(start, start + 180);
  return `${start > 0 ? '…' : ''}${cut}${start + 180 < text.length ? '…' : ''}`;
}

const KIND_LABEL: Record<string, string> = {
  guide: 'Guide',
  section: 'Guide',
  tag: 'Tag',
  operation: '',
  parameter: 'Parameter',
  field: 'Field',
  response: 'Response field',
};

class SearchDialog {
  private root: HTMLElement | null = null;
  private input!: HTMLInputElement;
  private list!: HTMLUListElement;
  private results: SearchEntry[] = [];
  private selected = 0;
  private lastFocus: Element | null = null;

  constructor(private readonly index: SearchEntry[]) {}

  get isOpen(): boolean {
    return Boolean(this.root && !this.root.hidden);
  }

  private build(): void {
    const root = document.createElement('div');
    root.className = 'ss-search';
    root.id = 'ss-search';
    root.hidden = true;
    root.innerHTML = `
      <div class="ss-search__backdrop" data-close></div>
      <div class="ss-search__panel" role="dialog" aria-modal="true" aria-label="Search the documentation">
        <div class="ss-search__bar">
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M14.5 13.8l-3.8-3.8a5.5 5.5 0 1 0-.7.7l3.8 3.8.7-.7zM2 6.5a4.5 4.5 0 1 1 9 0 4.5 4.5 0 0 1-9 0z"/></svg>
          <input class="ss-search__input" type="search" autocomplete="off" spellcheck="false"
            role="combobox" aria-expanded="true" aria-controls="ss-search-results" aria-autocomplete="list"
            placeholder="Search operations, parameters, fields and guides">
          <kbd data-close>esc</kbd>
        </div>
        <ul class="ss-search__results" id="ss-search-results" role="listbox" aria-label="Results"></ul>
        <div class="ss-search__footer">
          <span><kbd>↑</kbd><kbd>↓</kbd> to navigate <kbd>↵</kbd> to open <kbd>esc</kbd> to close</span>
          <span><a href="openapi.json">openapi.json</a> · <a href="openapi.yaml">openapi.yaml</a> · <a href="llms.txt">llms.txt</a></span>
        </div>
      </div>`;
    document.body.appendChild(root);
    this.root = root;
    this.input = root.querySelector('input') as HTMLInputElement;
    this.list = root.querySelector('ul') as HTMLUListElement;

    root.addEventListener('click', (e) => {
      const target = e.target as Element;
      if (target.closest('[data-close]')) return this.close();
      const item = target.closest<HTMLElement>('[data-index]');
      if (item) {
        e.preventDefault();
        this.go(Number(item.dataset.index));
      }
    });
    root.addEventListener('mousemove', (e) => {
      const item = (e.target as Element).closest<HTMLElement>('[data-index]');
      if (item && Number(item.dataset.index) !== this.selected) this.select(Number(item.dataset.index), false);
    });
    this.input.addEventListener('input', () => this.search());
    root.addEventListener('keydown', (e) => this.onKey(e));
  }

  open(): void {
    if (!this.root) this.build();
    const root = this.root as HTMLElement;
    if (root.hidden) this.lastFocus = document.activeElement;
    root.hidden = false;
    document.documentElement.classList.add('ss-search-open');
    this.input.focus();
    this.input.select();
    this.search();
  }

  close(): void {
    if (!this.root || this.root.hidden) return;
    this.root.hidden = true;
    document.documentElement.classList.remove('ss-search-open');
    if (this.lastFocus instanceof HTMLElement) this.lastFocus.focus();
  }

  private search(): void {
    const query = this.input.value.trim();
    const words = terms(query);
    this.results = query
      ? rank(this.index, query, MAX_RESULTS).map((r) => r.entry)
      : this.index.filter((e) => e.kind === 'guide' || e.kind === 'tag');
    this.selected = 0;
    this.list.innerHTML = this.results.length
      ? this.results
          .map((e, i) => {
            const badge = e.method
              ? `<span class="ss-search__method ss-search__method--${e.method.toLowerCase()}">${e.method}</span>`
              : `<span class="ss-search__kind">${KIND_LABEL[e.kind] ?? ''}</span>`;
            return `<li role="option" id="ss-search-option-${i}" data-index="${i}" aria-selected="${i === 0}">
              <a href="${escapeHtml(e.href)}" tabindex="-1">
                <span class="ss-search__head">${badge}<span class="ss-search__title">${highlight(e.title, words)}</span>
                <span class="ss-search__context">${highlight(e.context, words)}</span></span>
                ${e.text ? `<span class="ss-search__text">${highlight(snippet(e.text, words), words)}</span>` : ''}
              </a></li>`;
          })
          .join('')
      : `<li class="ss-search__empty" role="presentation">No results for “${escapeHtml(query)}”</li>`;
    this.input.setAttribute('aria-activedescendant', this.results.length ? 'ss-search-option-0' : '');
    this.list.scrollTop = 0;
  }

  private select(i: number, scroll = true): void {
    if (!this.results.length) return;
    this.selected = (i + this.results.length) % this.results.length;
    for (const li of this.list.querySelectorAll<HTMLElement>('[data-index]')) {
      const on = Number(li.dataset.index) === this.selected;
      li.setAttribute('aria-selected', String(on));
      if (on && scroll) li.scrollIntoView({ block: 'nearest' });
    }
    this.input.setAttribute('aria-activedescendant', `ss-search-option-${this.selected}`);
  }

  /** Opens a result: Redoc routes on the hash. */
  private go(i: number): void {
    const entry = this.results[i];
    if (!entry) return;
    this.close();
    if (location.hash === entry.href) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = entry.href;
  }

  private onKey(e: KeyboardEvent): void {
    // Keys typed here are the dialog's: Redoc's own shortcuts must not see them.
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      this.select(this.selected + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      this.go(this.selected);
    } else if (e.key === 'Tab') {
      e.preventDefault();
      this.input.focus();
    }
  }
}

function isShortcut(e: KeyboardEvent): boolean {
  return (e.key === 'k' || e.key === 'K') && (e.metaKey || e.ctrlKey) && !e.altKey && !e.shiftKey;
}

const dialog = new SearchDialog(loadIndex());

// Capture phase on window runs before Redoc's document-level shortcut handler, which must not
// open its own dialog; preventDefault keeps Chrome's Ctrl+K (address bar search) away too.
window.addEventListener(
  'keydown',
  (e) => {
    if (isShortcut(e)) {
      e.preventDefault();
      e.stopImmediatePropagation();
      dialog.open();
    } else if (e.key === 'Escape' && dialog.isOpen) {
      e.preventDefault();
      e.stopImmediatePropagation();
      dialog.close();
    }
  },
  true,
);

// Redoc's sidebar search box opens this dialog instead of Redoc's own.
for (const type of ['click', 'mousedown', 'focusin'] as const) {
  window.addEventListener(
    type,
    (e) => {
      const target = e.target as Element | null;
      if (target?.closest?.('[data-testid="search-trigger"]')) {
        e.preventDefault();
        e.stopImmediatePropagation();
        if (type === 'click' || type === 'focusin') dialog.open();
      }
    },
    true,
  );
}

// For tests and for anyone scripting the page.
(window as unknown as { ssSearch: SearchDialog }).ssSearch = dialog;
