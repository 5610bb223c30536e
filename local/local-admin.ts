import { ADMIN_BASE_PATH } from '../lambda/contract/routes';
import { createAdminHandler } from '../lambda/handlers/admin';
import type { IamRoute } from './api-gateway-adapter';
import { FileTokenStore } from './file-token-store';
import { type LocalServiceConfig, localAdapters } from './local-adapters';

/** The admin API on the local stack: the deployed handler, with token secrets as files and IAM emulated. */
export function adminRoute(config: LocalServiceConfig, options: { readonly tokenGraceHours?: number } = {}): IamRoute {
  return {
    pathPrefix: ADMIN_BASE_PATH,
    handler: createAdminHandler(
      { ...config, ...(options.tokenGraceHours !== undefined ? { tokenGraceHours: options.tokenGraceHours } : {}) },
      { dynamo: localAdapters(config).dynamo, tokens: new FileTokenStore(config.localSecretsDir) },
    ),
  };
}
