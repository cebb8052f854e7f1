// Fetches each URL given through the proxy named by HTTPS_PROXY with
// undici's ProxyAgent (CONNECT), trusting Node's roots plus
// NODE_EXTRA_CA_CERTS, and prints "<status> <url>" per URL.
import { ProxyAgent, fetch } from 'undici';

const agent = new ProxyAgent(process.env.HTTPS_PROXY);
for (const url of process.argv.slice(2)) {
  const res = await fetch(url, { dispatcher: agent });
  await res.text();
  console.log(`${res.status} ${url}`);
}
await agent.close();
