// GraphiQL (vendored in vendor/, no CDN) on the hub's POST /graphql; a file of its own because the
// hub's Content-Security-Policy allows no inline script.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', location.href).toString() });
  const defaultQuery = '# The users of the read model (CQRS), written through POST /users\n'
    + '{\n  users(first: 10) {\n    edges { node { id name email updatedAt } }\n    pageInfo { hasNextPage endCursor }\n  }\n}\n';
  ReactDOM.createRoot(document.getElementById('graphiql'))
    .render(React.createElement(GraphiQL, { fetcher, defaultQuery }));
});
