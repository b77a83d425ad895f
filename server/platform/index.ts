/**
 * The platform operations (Auth, Organizations, Members, Projects, Tokens, Billing), by operationId.
 *
 * @module server/platform
 */
import type { Handlers } from '../context.ts';
import { accountHandlers } from './accounts.ts';
import { billingHandlers } from './billing.ts';
import { dashboardTokenHandlers } from './dashboard-token.ts';
import type { PlatformDeps } from './deps.ts';
import { memberHandlers } from './members.ts';
import { orgInvitationHandlers } from './org-invitations.ts';
import { organizationHandlers } from './organizations.ts';
import { projectHandlers } from './projects.ts';
import { tokenHandlers } from './tokens.ts';
import { usageHandlers } from './usage.ts';

export type { PlatformDeps } from './deps.ts';

export function platformHandlers(deps: PlatformDeps): Handlers {
  return {
    ...accountHandlers(deps),
    ...organizationHandlers(deps),
    ...memberHandlers(deps),
    ...orgInvitationHandlers(deps),
    ...projectHandlers(deps),
    ...tokenHandlers(deps),
    ...dashboardTokenHandlers(deps),
    ...billingHandlers(deps),
    ...usageHandlers(deps),
  };
}
