/** Types of `virtual:saasignal-document` (see ../vite.config.ts): the document's own enums, typed from generated/types.ts. */
declare module 'virtual:saasignal-document' {
  import type { components } from '../../generated/types.ts';
  type S = components['schemas'];
  interface StringRule {
    minLength: number;
    maxLength: number;
    pattern: string | null;
    not: string | null;
  }
  export const scopes: S['Scope'][];
  export const scopeDescription: string;
  export const regions: S['Region'][];
  export const regionDescription: string;
  export const defaultRegion: S['Region'];
  export const tokenModes: S['TokenMode'][];
  export const keyRule: StringRule;
  export const channelRule: StringRule;
  export const slugRule: StringRule;
  export const eventRule: StringRule;
  export const passwordRule: StringRule;
  export const ttlMax: number;
  export const maxValueBytes: number;
}
