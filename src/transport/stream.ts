import type { ByteStream } from './types.js';

/**
 * What a concrete transport supplies to `wrapStream`: how to write (resolving when drained),
 * how to close, and how to subscribe to its raw data and end notifications.
 */
export interface RawDuplex {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  subscribe(onData: (chunk: Uint8Array) => void, onEnd: (error?: Error) => void): void;
  description: string;
}

/**
 * Adapts a transport to ByteStream: data that arrives before `onData` is registered is kept
 * and delivered then; the close listeners fire once, whatever ended the stream.
 */
export function wrapStream(raw: RawDuplex): ByteStream {
  let receiver: ((chunk: Uint8Array) => void) | null = null;
  const early: Uint8Array[] = [];
  const closeListeners: Array<(error?: Error) => void> = [];
  let ended = false;
  let endError: Error | undefined;

  raw.subscribe(
    (chunk) => {
      if (receiver) receiver(chunk);
      else early.push(chunk);
    },
    (error) => {
      if (ended) return;
      ended = true;
      endError = error;
      for (const l of closeListeners.splice(0)) l(error);
    },
  );

  return {
    description: raw.description,
    write(data) {
      if (ended) return Promise.reject(new Error(`${raw.description} is closed`));
      return raw.write(data);
    },
    onData(listener) {
      receiver = listener;
      for (const c of early.splice(0)) listener(c);
    },
    onClose(listener) {
      if (ended) queueMicrotask(() => listener(endError));
      else closeListeners.push(listener);
    },
    async close() {
      if (ended) return;
      await raw.close();
    },
  };
}
