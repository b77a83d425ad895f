/**
 * Scope checkboxes built from the document's `Scope` enum, grouped by resource, with the wildcards
 * explained. `only` narrows the list (e.g. the scopes a project token can carry).
 */
import { scopes as allScopes } from 'virtual:saasignal-document';
import type { Schemas } from '../api.ts';

type Scope = Schemas['Scope'];

function groups(list: Scope[]): [string, Scope[]][] {
  const byResource = new Map<string, Scope[]>();
  for (const s of list) {
    const resource = s === '*' ? 'All' : s.split(':')[0];
    byResource.set(resource, [...(byResource.get(resource) ?? []), s]);
  }
  return [...byResource];
}

export function ScopePicker({ value, onChange, only, legend = 'Permissions' }: { value: Scope[]; onChange: (v: Scope[]) => void; only?: (s: Scope) => boolean; legend?: string }) {
  const list = allScopes.filter((s) => !only || only(s));
  const toggle = (s: Scope, on: boolean) => onChange(on ? [...value, s] : value.filter((x) => x !== s));
  return (
    <fieldset className="scopes">
      <legend>{legend}</legend>
      <p className="muted small">
        <code>*</code> grants every scope; <code>resource:*</code> (for example <code>kv:*</code>) grants every action on that resource.
      </p>
      {groups(list).map(([resource, items]) => (
        <div key={resource} className="scope-group">
          {items.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={value.includes(s)} onChange={(e) => toggle(s, e.target.checked)} />
              <code>{s}</code>
            </label>
          ))}
        </div>
      ))}
    </fieldset>
  );
}
