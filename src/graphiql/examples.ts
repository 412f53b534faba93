/**
 * What GraphiQL opens with: one tab per example operation, each working on the embedded sandbox's
 * ids (see README "Sandbox"), and a headers editor with a placeholder for the caller's token.
 */

export interface GraphiQLExample {
  /** The operation's name, also the tab's title. */
  name: string;
  query: string;
}

export const GRAPHIQL_EXAMPLES: readonly GraphiQLExample[] = [
  {
    name: 'Destination',
    query: `# Examples on the sandbox's ids, one per tab.
# With authentication on, put a token in Headers,
# then re-fetch the schema (left toolbar) for docs.

# IoT Managed Integrations: a destination
# and its cloud connector.
query Destination {
  connectorDestination(id: "dest-lumen-eu") {
    name
    authType
    cloudConnector {
      name
    }
  }
}
`,
  },
  {
    name: 'Destinations',
    query: `# IoT Managed Integrations: first 5 destinations.
query Destinations {
  connectorDestinations(first: 5) {
    nodes {
      id
      name
      authType
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`,
  },
  {
    name: 'Credential',
    query: `# ConductorOne: credential, app and connector.
query Credential {
  connectorCredential(
    appId: "app-aws-production"
    connectorId: "conn-aws-org"
    id: "cred-aws-org-active"
  ) {
    status
    app {
      displayName
    }
    connector {
      syncStatus
    }
  }
}
`,
  },
  {
    name: 'AppAuthorizations',
    query: `# AWS AppFabric: authorizations of an app bundle.
query AppAuthorizations {
  appAuthorizations(
    appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01"
  ) {
    nodes {
      app
      status
    }
  }
}
`,
  },
];

/**
 * The headers editor's starting text. With authentication off the header is ignored; with it on,
 * the placeholder is refused (401) until a real token replaces it.
 */
export const GRAPHIQL_DEFAULT_HEADERS = `{
  "Authorization": "Bearer <token>"
}
`;
