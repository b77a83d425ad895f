/**
 * The parts of the OpenAPI document the Dashboard checks input against before sending, picked at
 * build time (see vite.config.ts). Each pick is the document's own value, looked up by name; a
 * renamed or removed schema fails the build instead of silently loosening a check.
 *
 * @module dashboard/document-picks
 */
import { MAX_VALUE_BYTES } from '../spec/kv.ts';

type Json = Record<string, any>;

function schema(doc: Json, name: string): Json {
  const found = doc.components?.schemas?.[name];
  if (!found) throw new Error(`generated/openapi.json has no schema ${name}; the Dashboard depends on it.`);
  return found;
}

function enumOf(doc: Json, name: string): string[] {
  const values = schema(doc, name).enum;
  if (!Array.isArray(values)) throw new Error(`Schema ${name} is no longer an enum.`);
  return values;
}

/** A string schema's constraints, as the Dashboard's `checkString` reads them. */
function stringRule(s: Json) {
  return { minLength: s.minLength ?? 0, maxLength: s.maxLength ?? Infinity, pattern: s.pattern ?? null, not: s.not?.const ?? null };
}

export function documentPicks(doc: Json) {
  const scope = schema(doc, 'Scope');
  const createProject = schema(doc, 'CreateProjectRequest').properties.region;
  return {
    scopes: enumOf(doc, 'Scope'),
    scopeDescription: String(scope.description ?? ''),
    regions: enumOf(doc, 'Region'),
    regionDescription: String(schema(doc, 'Region').description ?? ''),
    defaultRegion: String(createProject.default),
    tokenModes: enumOf(doc, 'TokenMode'),
    keyRule: stringRule(schema(doc, 'Key')),
    channelRule: stringRule(schema(doc, 'ChannelName')),
    slugRule: stringRule(schema(doc, 'Slug')),
    eventRule: stringRule(schema(doc, 'PublishRequest').properties.event),
    passwordRule: stringRule(schema(doc, 'SignUpRequest').properties.password),
    ttlMax: Number(schema(doc, 'Ttl').maximum),
    maxValueBytes: MAX_VALUE_BYTES,
  };
}

export type DocumentPicks = ReturnType<typeof documentPicks>;
