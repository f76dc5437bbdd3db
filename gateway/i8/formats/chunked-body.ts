import type { Response } from 'express';

/**
 * A streamed answer written chunk by chunk: `write` waits for 'drain' when the socket's buffer
 * is full (memory stays at one chunk), and stops waiting when the client goes away (`gone`), so a
 * broken transfer ends the loop instead of leaving it waiting for a drain that never comes.
 */
export function chunkedBody(res: Response): { readonly gone: boolean; write(chunk: Buffer): Promise<void>; end(): Promise<void> } {
  let gone = false;
  const closed = new Promise<void>((resolve) => res.once('close', () => {
    gone = !res.writableFinished;
    resolve();
  }));
  return {
    get gone() {
      return gone;
    },
    async write(chunk) {
      // An empty chunk is not written (a page whose rows were all outside the caller's periods).
      if (gone || chunk.length === 0 || res.write(chunk)) return;
      let onDrain!: () => void;
      await Promise.race([new Promise<void>((resolve) => res.once('drain', onDrain = resolve)), closed]);
      res.off('drain', onDrain);
    },
    /** Ends the body and waits until it is handed to the socket (nothing to wait for once the client left). */
    async end() {
      if (gone) return;
      await new Promise<void>((resolve, reject) => {
        res.once('finish', resolve);
        res.once('error', reject);
        // Left between the last write and now: 'finish' will not come.
        res.once('close', resolve);
        res.end();
      });
    },
  };
}
