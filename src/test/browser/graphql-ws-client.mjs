// A real graphql-ws client (the npm graphql-ws package over the ws package) subscribed to the hub's
// userChanged. Usage: node graphql-ws-client.mjs <ws URL> <user id prefix> <timeout ms>
// Prints "connected", then each next payload as one JSON line; exits 0 once it saw a deletion of a
// user whose id starts with the prefix, 1 on an error or the timeout (run by it.GraphQlSubscriptionTest).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, prefix, timeoutMs] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  lazy: false,
  retryAttempts: 0,
  on: { connected: () => console.log('connected') },
});
const timer = setTimeout(() => { console.error('timed out'); process.exit(1); }, Number(timeoutMs || 60000));
try {
  await new Promise((resolve, reject) => {
    client.subscribe({ query: 'subscription { userChanged { id name email updatedAt deleted changedFields } }' }, {
      next: value => {
        console.log(JSON.stringify(value));
        const change = value.data && value.data.userChanged;
        if (change && change.deleted && change.id.startsWith(prefix)) resolve();
      },
      error: error => reject(error),
      complete: () => reject(new Error('the hub completed the subscription')),
    });
  });
} catch (error) {
  console.error('error: ' + JSON.stringify(error, Object.getOwnPropertyNames(error || {})));
  process.exit(1);
}
clearTimeout(timer);
await client.dispose();
process.exit(0);
