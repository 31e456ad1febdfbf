import { createServer } from 'node:net';

/** A loopback port that was free a moment ago (listen on 0, read it, close): nobody listens on
 *  it until someone starts to. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', resolve);
  });
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
