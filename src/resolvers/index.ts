/** Merges the per-type resolver maps. Nothing else lives here. */
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { AppAuthorization } from './AppAuthorization.ts';
import { CloudConnector } from './CloudConnector.ts';
import { ConductorOneApp } from './ConductorOneApp.ts';
import { ConductorOneConnector } from './ConductorOneConnector.ts';
import { ConnectorCredential } from './ConnectorCredential.ts';
import { ConnectorDestination } from './ConnectorDestination.ts';
import { DateTime } from './DateTime.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';

export const resolvers: Resolvers = {
  DateTime,
  Query,
  Mutation,
  ConnectorDestination,
  CloudConnector,
  ConnectorCredential,
  ConductorOneApp,
  ConductorOneConnector,
  AppAuthorization,
};
